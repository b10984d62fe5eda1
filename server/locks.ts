// Transaction-scoped advisory locks by subject: every decision about the same phone, card,
// customer or idempotency key runs one at a time, across every process on the database.
import { createHash } from 'node:crypto'
import { sql, type Transaction } from 'kysely'
import type { Database } from '../db/schema.ts'

function lockKey(tenantId: string, subject: string): bigint {
  return createHash('sha256').update(`${tenantId}\u0000${subject}`).digest().readBigInt64BE(0)
}

/** Takes the locks in ascending key order so two transactions never wait on each other in a cycle. */
export async function lockSubjects(
  trx: Transaction<Database>,
  tenantId: string,
  subjects: string[],
): Promise<void> {
  const keys = [...new Set(subjects.map((s) => lockKey(tenantId, s)))].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  )
  if (!keys.length) return
  // PostgreSQL evaluates a select list left to right, so the locks are taken in this order.
  await sql`select ${sql.join(keys.map((k) => sql`pg_advisory_xact_lock(${k.toString()}::int8)`))}`.execute(
    trx,
  )
}

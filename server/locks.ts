// Transaction-scoped advisory locks by subject: every decision about the same phone, card,
// customer or idempotency key runs one at a time, across every process on the database.
import { hash } from 'node:crypto'
import { CompiledQuery } from 'kysely'

/** The first eight bytes of sha256("tenant/subject"), as PostgreSQL's signed int8. */
export function lockKey(tenantId: string, subject: string): bigint {
  // the one-shot hash: a decision makes five to seven of these
  return hash('sha256', `${tenantId}/${subject}`, 'buffer').readBigInt64BE(0)
}

/**
 * lockKey() as SQL text, for a lock whose subject only the query knows: tenant and subject are SQL
 * expressions (column references, say) of type text.
 */
export function lockKeyText(tenant: string, subject: string): string {
  return `cast(cast(('x' || substr(encode(sha256(convert_to(${tenant} || '/' || ${subject}, 'UTF8')), 'hex'), 1, 16)) as bit(64)) as int8)`
}

// One text for any number of keys: PostgreSQL prepares and plans it once per connection, where a
// select list of one lock per key was a new statement for every count of keys a batch came to.
const takeLocks = 'select count(pg_advisory_xact_lock(u.key)) from unnest(cast($1::text as int8[])) as u(key)'

/** One statement taking the advisory locks in ascending order, so transactions never wait in a cycle. */
export function advisoryLocks(keys: Iterable<bigint>): CompiledQuery | null {
  const sorted = [...new Set(keys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  if (!sorted.length) return null
  // a function scan of unnest yields the array in order, and the locks are taken row by row
  return CompiledQuery.raw(takeLocks, [`{${sorted.join(',')}}`])
}

// The do-not-call list: numbers a campaign never dials, whether staff added them (a customer asked,
// the deployer's national list) or the customer pressed the key during a call-out. Numbers are kept
// in E.164, read by the same phone library and rules as the phone lists.
import type { Db } from '../../db/connect.ts'
import { type Actor, recordAudit } from '../audit/audit.ts'
import { ProblemError, validationProblem } from '../http/problem.ts'
import { normalizeListValue } from '../lists/subjects.ts'

export interface DoNotCallEntry {
  phone: string
  /** staff, or campaign:<id> when the customer asked by key during that campaign's call */
  source: string
  added_at: Date
}

/** The number in E.164, or a 422 naming the field. */
export function doNotCallNumber(raw: string, field: string): string {
  const normalized = normalizeListValue('phone', raw)
  if (!normalized.ok) throw validationProblem([field], normalized.message)
  return normalized.value
}

export async function listDoNotCall(
  db: Db,
  tenantId: string,
  options: { q?: string | undefined; limit: number },
): Promise<DoNotCallEntry[]> {
  let query = db
    .selectFrom('do_not_call')
    .select(['phone', 'source', 'added_at'])
    .where('tenant_id', '=', tenantId)
  // digits only: staff search "555 0100" as readily as "+15555550100"
  const digits = options.q?.replaceAll(/\D/g, '')
  if (digits) query = query.where('phone', 'like', `%${digits}%`)
  return query.orderBy('added_at', 'desc').orderBy('phone').limit(options.limit).execute()
}

export async function addDoNotCall(
  db: Db,
  tenantId: string,
  actor: Actor,
  phone: string,
): Promise<DoNotCallEntry> {
  return db.transaction().execute(async (trx) => {
    const entry = await trx
      .insertInto('do_not_call')
      .values({ tenant_id: tenantId, phone, source: 'staff' })
      .onConflict((oc) => oc.columns(['tenant_id', 'phone']).doNothing())
      .returning(['phone', 'source', 'added_at'])
      .executeTakeFirst()
    if (!entry) throw new ProblemError('conflict', `${phone} is already on the do-not-call list.`)
    await recordAudit(trx, tenantId, actor, {
      action: 'do_not_call.added',
      entityType: 'do_not_call',
      entityId: phone,
      after: entry,
    })
    return entry
  })
}

export async function removeDoNotCall(db: Db, tenantId: string, actor: Actor, phone: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const removed = await trx
      .deleteFrom('do_not_call')
      .where('tenant_id', '=', tenantId)
      .where('phone', '=', phone)
      .returning(['phone', 'source', 'added_at'])
      .executeTakeFirst()
    if (!removed) throw new ProblemError('not_found', `${phone} is not on the do-not-call list.`)
    await recordAudit(trx, tenantId, actor, {
      action: 'do_not_call.removed',
      entityType: 'do_not_call',
      entityId: phone,
      before: removed,
    })
  })
}

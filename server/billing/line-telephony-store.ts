// A service line's telephony as staff see and change it: how many representatives each call gets
// (the solo, dual or triple queue) and the settings of server/billing/line-telephony.ts, stored as
// staff gave them so that a default changed later still reaches every setting they left alone.
import type { Db } from '../../db/connect.ts'
import { jsonb } from '../../db/json.ts'
import { type Actor, recordAudit } from '../audit/audit.ts'
import { ProblemError } from '../http/problem.ts'
import { type LineTelephony, lineTelephony, lineTelephonySchema } from './line-telephony.ts'

export interface LineTelephonyView {
  service_line_id: string
  name: string
  representatives_per_call: 1 | 2 | 3
  /** every setting, defaults filled in */
  telephony: LineTelephony
  /** the settings staff chose (the rest are defaults) */
  customized: string[]
}

/** The settings as stored: an object of the schema's own keys, parsed without filling defaults. */
function storedKeys(stored: unknown): string[] {
  return stored && typeof stored === 'object' ? Object.keys(stored as object).sort() : []
}

export async function readLineTelephony(
  db: Db,
  tenantId: string,
  lineId: string,
): Promise<LineTelephonyView | null> {
  const row = await db
    .selectFrom('service_lines')
    .select(['id', 'name', 'representatives_per_call', 'telephony'])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', lineId)
    .executeTakeFirst()
  if (!row) return null
  return {
    service_line_id: row.id,
    name: row.name,
    representatives_per_call: row.representatives_per_call as 1 | 2 | 3,
    telephony: lineTelephony(row.telephony),
    customized: storedKeys(row.telephony),
  }
}

/**
 * Replaces the line's telephony settings (validated by lineTelephonySchema; what is left out takes
 * its default) and, when given, how many representatives a call gets.
 */
export async function writeLineTelephony(
  db: Db,
  tenantId: string,
  lineId: string,
  actor: Actor | null,
  input: {
    representatives_per_call?: 1 | 2 | 3 | undefined
    telephony?: Record<string, unknown> | undefined
  },
): Promise<LineTelephonyView> {
  await db.transaction().execute(async (trx) => {
    const before = await readLineTelephony(trx, tenantId, lineId)
    if (!before) throw new ProblemError('not_found', `No service line ${lineId} in this workspace.`)
    if (input.telephony !== undefined) lineTelephonySchema.parse(input.telephony)
    await trx
      .updateTable('service_lines')
      .set({
        ...(input.representatives_per_call === undefined
          ? {}
          : { representatives_per_call: input.representatives_per_call }),
        ...(input.telephony === undefined ? {} : { telephony: jsonb(input.telephony) }),
        updated_at: new Date(),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', lineId)
      .execute()
    await recordAudit(trx, tenantId, actor, {
      action: 'service_line.telephony_updated',
      entityType: 'service_line',
      entityId: lineId,
      before: { representatives_per_call: before.representatives_per_call, customized: before.customized },
      after: input,
    })
  })
  return (await readLineTelephony(db, tenantId, lineId)) as LineTelephonyView
}

// Service numbers: the dialled numbers (DNIS) FreeSWITCH hands to the bridge, each answering for a
// tenant as a service line (callers, billed on that line) or as the representatives' line (log in
// and out). A number is unique across tenants because FreeSWITCH gives the bridge nothing else.
// Staff add, change and remove them; every change is audited.
import type { Selectable } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { ServiceNumbersTable } from '../../db/schema.ts'
import { type Actor, recordAudit } from '../audit/audit.ts'
import { fieldError, ProblemError } from '../http/problem.ts'

export const numberPurposes = ['service_line', 'representatives'] as const
export type NumberPurpose = (typeof numberPurposes)[number]

export interface ServiceNumber {
  number: string
  purpose: NumberPurpose
  service_line_id: string | null
  /** the line's name, for reading; null for the representatives' line */
  service_line_name: string | null
  advertising_source: string | null
  created_at: string
}

export interface ServiceNumberInput {
  number: string
  purpose: NumberPurpose
  service_line_id?: string | null | undefined
  advertising_source?: string | null | undefined
}

export type ServiceNumberChange = Partial<Omit<ServiceNumberInput, 'number'>>

function view(row: Selectable<ServiceNumbersTable> & { line_name: string | null }): ServiceNumber {
  return {
    number: row.number,
    purpose: row.purpose as NumberPurpose,
    service_line_id: row.service_line_id,
    service_line_name: row.line_name,
    advertising_source: row.advertising_source,
    created_at: new Date(row.created_at).toISOString(),
  }
}

function selectNumbers(db: Db, tenantId: string) {
  return db
    .selectFrom('service_numbers as n')
    .leftJoin('service_lines as l', (join) =>
      join.onRef('l.tenant_id', '=', 'n.tenant_id').onRef('l.id', '=', 'n.service_line_id'),
    )
    .selectAll('n')
    .select('l.name as line_name')
    .where('n.tenant_id', '=', tenantId)
}

export async function listServiceNumbers(db: Db, tenantId: string): Promise<ServiceNumber[]> {
  const rows = await selectNumbers(db, tenantId).orderBy('n.number').execute()
  return rows.map(view)
}

export async function readServiceNumber(
  db: Db,
  tenantId: string,
  number: string,
): Promise<ServiceNumber | null> {
  const row = await selectNumbers(db, tenantId).where('n.number', '=', number).executeTakeFirst()
  return row ? view(row) : null
}

/** A service_line number needs one of the tenant's lines; the representatives' line has none. */
async function checkTarget(
  db: Db,
  tenantId: string,
  purpose: NumberPurpose,
  lineId: string | null,
): Promise<void> {
  if (purpose === 'representatives') {
    if (lineId !== null)
      throw new ProblemError('validation_failed', 'The representatives’ line bills no service line.', [
        fieldError(['service_line_id'], 'must be null for the representatives’ line'),
      ])
    return
  }
  if (lineId === null)
    throw new ProblemError('validation_failed', 'A service line number needs its line.', [
      fieldError(['service_line_id'], 'is required when purpose is service_line'),
    ])
  const line = await db
    .selectFrom('service_lines')
    .select(['id', 'mode'])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', lineId)
    .executeTakeFirst()
  if (!line)
    throw new ProblemError('validation_failed', `No service line ${lineId} in this workspace.`, [
      fieldError(['service_line_id'], 'is not a service line of this workspace'),
    ])
  if (line.mode !== 'conference')
    throw new ProblemError('validation_failed', `Service line ${lineId} is a chat room, not a phone line.`, [
      fieldError(['service_line_id'], 'must be a conference line (a chat room takes no calls)'),
    ])
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505'
}

export async function createServiceNumber(
  db: Db,
  tenantId: string,
  actor: Actor | null,
  input: ServiceNumberInput,
): Promise<ServiceNumber> {
  const lineId = input.service_line_id ?? null
  await db
    .transaction()
    .execute(async (trx) => {
      await checkTarget(trx, tenantId, input.purpose, lineId)
      await trx
        .insertInto('service_numbers')
        .values({
          number: input.number,
          tenant_id: tenantId,
          purpose: input.purpose,
          service_line_id: lineId,
          advertising_source: input.advertising_source ?? null,
        })
        .execute()
      await recordAudit(trx, tenantId, actor, {
        action: 'service_number.created',
        entityType: 'service_number',
        entityId: input.number,
        after: { ...input, service_line_id: lineId },
      })
    })
    .catch((error: unknown) => {
      // numbers are unique across workspaces: say it is taken without saying by whom
      if (isUniqueViolation(error))
        throw new ProblemError('conflict', `The number ${input.number} is already in use.`, [
          fieldError(['number'], 'is already in use'),
        ])
      throw error
    })
  return (await readServiceNumber(db, tenantId, input.number)) as ServiceNumber
}

export async function updateServiceNumber(
  db: Db,
  tenantId: string,
  number: string,
  actor: Actor | null,
  change: ServiceNumberChange,
): Promise<ServiceNumber> {
  await db.transaction().execute(async (trx) => {
    const before = await readServiceNumber(trx, tenantId, number)
    if (!before) throw new ProblemError('not_found', `No number ${number} in this workspace.`)
    const purpose = change.purpose ?? before.purpose
    // changing to the representatives' line drops the line; otherwise an unchanged line stays
    const lineId =
      change.service_line_id !== undefined
        ? change.service_line_id
        : purpose === 'representatives'
          ? null
          : before.service_line_id
    await checkTarget(trx, tenantId, purpose, lineId)
    const advertising =
      change.advertising_source !== undefined ? change.advertising_source : before.advertising_source
    await trx
      .updateTable('service_numbers')
      .set({ purpose, service_line_id: lineId, advertising_source: advertising })
      .where('tenant_id', '=', tenantId)
      .where('number', '=', number)
      .execute()
    await recordAudit(trx, tenantId, actor, {
      action: 'service_number.updated',
      entityType: 'service_number',
      entityId: number,
      before: {
        purpose: before.purpose,
        service_line_id: before.service_line_id,
        advertising_source: before.advertising_source,
      },
      after: { purpose, service_line_id: lineId, advertising_source: advertising },
    })
  })
  return (await readServiceNumber(db, tenantId, number)) as ServiceNumber
}

/** Calls already answered on the number keep their dnis; new calls hear that it is not in service. */
export async function deleteServiceNumber(
  db: Db,
  tenantId: string,
  number: string,
  actor: Actor | null,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const before = await readServiceNumber(trx, tenantId, number)
    if (!before) throw new ProblemError('not_found', `No number ${number} in this workspace.`)
    await trx
      .deleteFrom('service_numbers')
      .where('tenant_id', '=', tenantId)
      .where('number', '=', number)
      .execute()
    await recordAudit(trx, tenantId, actor, {
      action: 'service_number.deleted',
      entityType: 'service_number',
      entityId: number,
      before,
    })
  })
}

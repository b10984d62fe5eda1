// Service lines in SQL: what a tenant sells by the minute (a name, a currency, a rate, a connect
// fee, billing increments, a hold policy), created, changed and deactivated by staff with every
// change audited. Sessions read a line here and rate it with ./rating.ts.

import type { Selectable } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { ServiceLinesTable } from '../../db/schema.ts'
import { type Actor, recordAudit } from '../audit/audit.ts'
import { type FieldError, fieldError, ProblemError } from '../http/problem.ts'
import { newId } from '../ids.ts'
import { formatMinorUnits, isCurrency } from './currency.ts'
import { holdAmountFor, type RatedLine, rateSession, secondsCoveredBy } from './rating.ts'

export const holdPolicies = ['fixed', 'minutes'] as const
export type HoldPolicy = (typeof holdPolicies)[number]
export const serviceLineModes = ['conference', 'chat_room'] as const
export type ServiceLineMode = (typeof serviceLineModes)[number]

/** A service line with its amounts as numbers (minor units of its currency). */
export interface ServiceLine extends RatedLine {
  id: string
  name: string
  description: string
  mode: ServiceLineMode
  active: boolean
  created_by: string | null
  created_at: Date
  updated_at: Date
}

/** What staff give to create a line; the fields of a change are the same, each optional. */
export interface ServiceLineInput {
  name: string
  description?: string | undefined
  currency: string
  rate_per_minute: number
  connect_fee?: number | undefined
  first_period_seconds: number
  increment_seconds: number
  hold_policy: HoldPolicy
  hold_amount?: number | null | undefined
  hold_minutes?: number | null | undefined
  mode?: ServiceLineMode | undefined
}

export type ServiceLineChange = Partial<ServiceLineInput> & { active?: boolean | undefined }

/** The fields that decide what a session costs: changing them under a live session would bill it at another price than it was held at. */
const pricingFields = [
  'currency',
  'rate_per_minute',
  'connect_fee',
  'first_period_seconds',
  'increment_seconds',
] as const

const MAX_MINOR_UNITS = 1_000_000_000_000

function fromRow(row: Selectable<ServiceLinesTable>): ServiceLine {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    currency: row.currency,
    rate_per_minute: Number(row.rate_per_minute),
    connect_fee: Number(row.connect_fee),
    first_period_seconds: row.first_period_seconds,
    increment_seconds: row.increment_seconds,
    hold_policy: row.hold_policy as HoldPolicy,
    hold_amount: row.hold_amount === null ? null : Number(row.hold_amount),
    hold_minutes: row.hold_minutes,
    mode: row.mode as ServiceLineMode,
    active: row.active,
    created_by: row.created_by,
    created_at: row.created_at,
    updated_at: row.updated_at,
  }
}

/** The hold a session on this line starts with, and the longest it lets the session run (null: no limit). */
export function holdOf(line: RatedLine): { amount: number; covers_seconds: number | null } {
  const amount = holdAmountFor(line)
  return { amount, covers_seconds: secondsCoveredBy(line, amount) }
}

const wholeIn = (value: number, min: number, max: number) =>
  Number.isSafeInteger(value) && value >= min && value <= max

/**
 * Every problem with a line as it would be stored, each naming its field; none for a good line.
 * A fixed hold must pay for the connect fee and the first period, or a session could be granted
 * no time at all.
 */
export function serviceLineProblems(
  line: Omit<ServiceLine, 'id' | 'active' | 'created_by' | 'created_at' | 'updated_at'>,
): FieldError[] {
  const problems: FieldError[] = []
  const name = line.name.trim()
  if (name.length < 1 || name.length > 120)
    problems.push(fieldError(['name'], 'give a name of 1 to 120 characters'))
  if (line.description.length > 500) problems.push(fieldError(['description'], 'at most 500 characters'))
  const currencyKnown = isCurrency(line.currency)
  if (!currencyKnown)
    problems.push(
      fieldError(['currency'], 'an ISO 4217 code of a currency in circulation, in capitals, such as USD'),
    )
  if (!wholeIn(line.rate_per_minute, 0, MAX_MINOR_UNITS))
    problems.push(fieldError(['rate_per_minute'], 'whole minor units of the currency, 0 or more'))
  if (!wholeIn(line.connect_fee, 0, MAX_MINOR_UNITS))
    problems.push(fieldError(['connect_fee'], 'whole minor units of the currency, 0 or more'))
  if (!wholeIn(line.first_period_seconds, 1, 3600))
    problems.push(fieldError(['first_period_seconds'], 'whole seconds from 1 to 3600'))
  if (!wholeIn(line.increment_seconds, 1, 3600))
    problems.push(fieldError(['increment_seconds'], 'whole seconds from 1 to 3600'))
  if (!(holdPolicies as readonly string[]).includes(line.hold_policy))
    problems.push(fieldError(['hold_policy'], 'fixed or minutes'))
  if (!(serviceLineModes as readonly string[]).includes(line.mode))
    problems.push(fieldError(['mode'], 'conference or chat_room'))
  if (line.hold_policy === 'fixed') {
    if (line.hold_amount === null) problems.push(fieldError(['hold_amount'], 'a fixed hold needs its amount'))
    else if (!wholeIn(line.hold_amount, 1, MAX_MINOR_UNITS))
      problems.push(fieldError(['hold_amount'], 'whole minor units of the currency, 1 or more'))
    if (line.hold_minutes !== null)
      problems.push(
        fieldError(['hold_minutes'], 'only with hold_policy "minutes"; leave it out for a fixed hold'),
      )
  }
  if (line.hold_policy === 'minutes') {
    if (line.hold_minutes === null)
      problems.push(fieldError(['hold_minutes'], 'a hold by minutes needs the minutes'))
    else if (!wholeIn(line.hold_minutes, 1, 1440))
      problems.push(fieldError(['hold_minutes'], 'whole minutes from 1 to 1440'))
    if (line.hold_amount !== null)
      problems.push(
        fieldError(['hold_amount'], 'only with hold_policy "fixed"; leave it out for a hold by minutes'),
      )
  }
  if (problems.length === 0 && line.hold_policy === 'fixed' && line.hold_amount !== null) {
    if (secondsCoveredBy(line, line.hold_amount) === 0) {
      const firstCharge = rateSession({ line, billedSeconds: line.first_period_seconds }).total
      problems.push(
        fieldError(
          ['hold_amount'],
          `must pay for the connect fee and the first ${line.first_period_seconds} s (${formatMinorUnits(firstCharge, line.currency)}), or a session gets no time`,
        ),
      )
    }
  }
  if (problems.length === 0 && currencyKnown) {
    const hold = holdAmountFor(line)
    if (hold > MAX_MINOR_UNITS)
      problems.push(fieldError(['hold_minutes'], 'the hold this gives is too large'))
  }
  return problems
}

function refuse(problems: FieldError[]): never {
  throw new ProblemError(
    'validation_failed',
    problems.map((p) => `${p.field}: ${p.message}`).join('; '),
    problems,
  )
}

export async function listServiceLines(
  db: Db,
  tenantId: string,
  options: { includeInactive?: boolean } = {},
): Promise<ServiceLine[]> {
  const rows = await db
    .selectFrom('service_lines')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .$if(!options.includeInactive, (q) => q.where('active', '=', true))
    .orderBy('name', 'asc')
    .orderBy('id', 'asc')
    .execute()
  return rows.map(fromRow)
}

/** One line of this tenant, active or not; null when it has none by that id. */
export async function readServiceLine(db: Db, tenantId: string, id: string): Promise<ServiceLine | null> {
  const row = await db
    .selectFrom('service_lines')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst()
  return row ? fromRow(row) : null
}

async function mustRead(db: Db, tenantId: string, id: string, forUpdate: boolean): Promise<ServiceLine> {
  const row = await db
    .selectFrom('service_lines')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .$if(forUpdate, (q) => q.forUpdate())
    .executeTakeFirst()
  if (!row) throw new ProblemError('not_found', `No service line ${id} in this workspace.`)
  return fromRow(row)
}

/** What the audit log keeps of a line: its settings, not its timestamps. */
function audited(line: ServiceLine) {
  const { created_at: _created, updated_at: _updated, created_by: _by, ...rest } = line
  return rest
}

export async function createServiceLine(
  db: Db,
  tenantId: string,
  actor: Actor | null,
  input: ServiceLineInput & { id?: string | undefined },
): Promise<ServiceLine> {
  const id = input.id ?? newId('sln')
  const line = {
    name: input.name.trim(),
    description: input.description ?? '',
    currency: input.currency,
    rate_per_minute: input.rate_per_minute,
    connect_fee: input.connect_fee ?? 0,
    first_period_seconds: input.first_period_seconds,
    increment_seconds: input.increment_seconds,
    hold_policy: input.hold_policy,
    hold_amount: input.hold_amount ?? null,
    hold_minutes: input.hold_minutes ?? null,
    mode: input.mode ?? 'conference',
  }
  const problems = serviceLineProblems(line)
  if (problems.length) refuse(problems)
  return db.transaction().execute(async (trx) => {
    const taken = await trx
      .selectFrom('service_lines')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst()
    if (taken) throw new ProblemError('conflict', `A service line with id ${id} already exists.`)
    const row = await trx
      .insertInto('service_lines')
      .values({ tenant_id: tenantId, id, ...line, created_by: actor?.id ?? null })
      .returningAll()
      .executeTakeFirstOrThrow()
    const created = fromRow(row)
    await recordAudit(trx, tenantId, actor, {
      action: 'service_line.created',
      entityType: 'service_line',
      entityId: id,
      after: audited(created),
    })
    return created
  })
}

/**
 * Changes a line. A hold policy given without the other policy's field clears it (switching to a
 * fixed hold forgets hold_minutes). Prices cannot change while a session on the line is live or
 * not yet settled: it would be billed at another price than its hold was placed for.
 */
export async function updateServiceLine(
  db: Db,
  tenantId: string,
  id: string,
  actor: Actor | null,
  change: ServiceLineChange,
): Promise<ServiceLine> {
  return db.transaction().execute(async (trx) => {
    const before = await mustRead(trx, tenantId, id, true)
    const defined = Object.fromEntries(
      Object.entries(change).filter(([, v]) => v !== undefined),
    ) as ServiceLineChange
    const next: ServiceLine = { ...before, ...defined } as ServiceLine
    if (defined.name !== undefined) next.name = defined.name.trim()
    if (defined.hold_policy === 'fixed' && change.hold_minutes === undefined) next.hold_minutes = null
    if (defined.hold_policy === 'minutes' && change.hold_amount === undefined) next.hold_amount = null
    const problems = serviceLineProblems(next)
    if (problems.length) refuse(problems)

    const repriced = pricingFields.filter((field) => next[field] !== before[field])
    if (repriced.length) {
      const open = await trx
        .selectFrom('sessions')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('service_line_id', '=', id)
        .where('status', 'in', ['live', 'ended'])
        .limit(1)
        .executeTakeFirst()
      if (open)
        throw new ProblemError(
          'conflict',
          `Sessions on this line are still live or unsettled; ${repriced.join(', ')} can change once they are settled (or create a new line).`,
        )
    }

    const row = await trx
      .updateTable('service_lines')
      .set({
        name: next.name,
        description: next.description,
        currency: next.currency,
        rate_per_minute: next.rate_per_minute,
        connect_fee: next.connect_fee,
        first_period_seconds: next.first_period_seconds,
        increment_seconds: next.increment_seconds,
        hold_policy: next.hold_policy,
        hold_amount: next.hold_amount,
        hold_minutes: next.hold_minutes,
        mode: next.mode,
        active: next.active,
        updated_at: new Date(),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
    const after = fromRow(row)
    const action =
      before.active && !after.active
        ? 'service_line.deactivated'
        : !before.active && after.active
          ? 'service_line.activated'
          : 'service_line.updated'
    await recordAudit(trx, tenantId, actor, {
      action,
      entityType: 'service_line',
      entityId: id,
      before: audited(before),
      after: audited(after),
    })
    return after
  })
}

/** Takes a line out of sale: new sessions cannot use it; past ones keep pointing at it. */
export function deactivateServiceLine(db: Db, tenantId: string, id: string, actor: Actor | null) {
  return updateServiceLine(db, tenantId, id, actor, { active: false })
}

/** The demo's lines (first start): an advice line by the minute and a quick-answers line by six seconds. */
export async function seedDemoServiceLines(db: Db, tenantId: string): Promise<void> {
  const lines: (ServiceLineInput & { id: string })[] = [
    {
      id: 'advice',
      name: 'Advice line',
      description: 'A conversation with an advisor, billed by the minute',
      currency: 'USD',
      rate_per_minute: 299,
      first_period_seconds: 60,
      increment_seconds: 60,
      hold_policy: 'minutes',
      hold_minutes: 10,
    },
    {
      id: 'quick-answers',
      name: 'Quick answers',
      description: 'Short questions: the first 30 seconds, then every 6 seconds',
      currency: 'USD',
      rate_per_minute: 199,
      connect_fee: 49,
      first_period_seconds: 30,
      increment_seconds: 6,
      hold_policy: 'fixed',
      hold_amount: 2000,
    },
    {
      id: 'chat-room',
      name: 'Chat room',
      description: 'Billed from the customer joining to leaving, every second',
      currency: 'USD',
      rate_per_minute: 120,
      first_period_seconds: 1,
      increment_seconds: 1,
      hold_policy: 'minutes',
      hold_minutes: 15,
      mode: 'chat_room',
    },
  ]
  for (const line of lines) await createServiceLine(db, tenantId, null, line)
}

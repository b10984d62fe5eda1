// Representatives: the staff-managed people who answer sessions, each with a phone extension
// (unique in the tenant) and a pay plan. They are never deleted — a deactivated representative
// keeps their accrued pay and their legs in the payout report. Step 7 adds queues and phones.
import type { Kysely, Selectable } from 'kysely'
import type { Database, RepresentativesTable } from '../../db/schema.ts'
import { newId } from '../ids.ts'

type Queryable = Kysely<Database>
export type RepresentativeRow = Selectable<RepresentativesTable>

/** A share plan is paid in the session's own currency; its row carries ISO 4217's "no currency". */
export const NO_CURRENCY = 'XXX'

export type PayPlanInput =
  | { plan: 'share'; share_bps: number }
  | { plan: 'per_minute'; rate_per_minute: number; currency: string }

export interface RepresentativeView {
  id: string
  name: string
  extension: string
  pay: PayPlanInput
  active: boolean
  created_at: string
  updated_at: string
}

export function payPlanView(row: RepresentativeRow): PayPlanInput {
  if (row.pay_plan === 'per_minute')
    return {
      plan: 'per_minute',
      rate_per_minute: Number(row.pay_rate_per_minute ?? 0),
      currency: row.pay_currency,
    }
  return { plan: 'share', share_bps: row.pay_share_bps ?? 0 }
}

export function viewRepresentative(row: RepresentativeRow): RepresentativeView {
  return {
    id: row.id,
    name: row.name,
    extension: row.extension,
    pay: payPlanView(row),
    active: row.active,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  }
}

const planColumns = (pay: PayPlanInput) =>
  pay.plan === 'share'
    ? {
        pay_plan: 'share',
        pay_share_bps: pay.share_bps,
        pay_rate_per_minute: null,
        pay_currency: NO_CURRENCY,
      }
    : {
        pay_plan: 'per_minute',
        pay_share_bps: null,
        pay_rate_per_minute: pay.rate_per_minute,
        pay_currency: pay.currency,
      }

export async function listRepresentatives(
  db: Queryable,
  tenantId: string,
  options: { includeInactive?: boolean } = {},
): Promise<RepresentativeRow[]> {
  let query = db.selectFrom('representatives').selectAll().where('tenant_id', '=', tenantId)
  if (!options.includeInactive) query = query.where('active', '=', true)
  return query.orderBy('extension').orderBy('id').execute()
}

export async function findRepresentative(
  db: Queryable,
  tenantId: string,
  id: string,
): Promise<RepresentativeRow | undefined> {
  return db
    .selectFrom('representatives')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst()
}

export async function insertRepresentative(
  db: Queryable,
  tenantId: string,
  input: { name: string; extension: string; pay: PayPlanInput; id?: string },
  createdBy: string | null,
): Promise<RepresentativeRow> {
  return db
    .insertInto('representatives')
    .values({
      tenant_id: tenantId,
      id: input.id ?? newId('rep'),
      name: input.name,
      extension: input.extension,
      ...planColumns(input.pay),
      created_by: createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

export async function updateRepresentative(
  db: Queryable,
  tenantId: string,
  id: string,
  change: {
    name?: string | undefined
    extension?: string | undefined
    pay?: PayPlanInput | undefined
    active?: boolean | undefined
  },
  at: Date,
): Promise<RepresentativeRow | undefined> {
  return db
    .updateTable('representatives')
    .set({
      ...(change.name === undefined ? {} : { name: change.name }),
      ...(change.extension === undefined ? {} : { extension: change.extension }),
      ...(change.pay === undefined ? {} : planColumns(change.pay)),
      ...(change.active === undefined ? {} : { active: change.active }),
      updated_at: at,
    })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
}

/**
 * The demo tenant's three representatives, on the loopback extensions 1001–1003 that the shipped
 * FreeSWITCH configuration registers (step 7 rings them): two on a share of the billing, one paid
 * per minute.
 */
export async function seedDemoRepresentatives(db: Queryable, tenantId: string): Promise<void> {
  const demo: { id: string; name: string; extension: string; pay: PayPlanInput }[] = [
    { id: 'rep_ada', name: 'Ada Moreno', extension: '1001', pay: { plan: 'share', share_bps: 5_000 } },
    { id: 'rep_ben', name: 'Ben Okafor', extension: '1002', pay: { plan: 'share', share_bps: 4_500 } },
    {
      id: 'rep_chloe',
      name: 'Chloe Park',
      extension: '1003',
      pay: { plan: 'per_minute', rate_per_minute: 60, currency: 'USD' },
    },
  ]
  for (const representative of demo) await insertRepresentative(db, tenantId, representative, 'bootstrap')
}

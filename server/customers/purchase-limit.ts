// Purchase value limits per customer (figure 10, steps 1025–1030): established by an approved
// purchase when the rule set keeps them, read by the live pipeline with one primary-key lookup,
// raised or changed by staff.
import type { Db } from '../../db/connect.ts'
import type { PurchaseValueLimit } from '../../rules/types.ts'
import type { RecordRow } from '../decision-store/store.ts'

const KIND = 'purchase_value'

export async function loadPurchaseValueLimit(
  db: Db,
  tenantId: string,
  customerId: string,
  at: Date,
): Promise<PurchaseValueLimit | null> {
  const row = await db
    .selectFrom('customer_limits')
    .select(['amount', 'currency', 'expires_at', 'established_at'])
    .where('tenant_id', '=', tenantId)
    .where('customer_id', '=', customerId)
    .where('kind', '=', KIND)
    .executeTakeFirst()
  // A limit set after this time (a backtest looking back) or expired by then is not in force.
  if (!row || row.expires_at <= at || row.established_at > at) return null
  return { amount: Number(row.amount), currency: row.currency, expires_at: row.expires_at }
}

/** A limit an approval established, stored with the decision; an expired one is replaced, one in force is kept. */
export function establishedLimitOf(
  tenantId: string,
  customerId: string,
  limit: PurchaseValueLimit,
  decisionId: string,
  now: Date,
): RecordRow<'customerLimit'> {
  // replaces an expired limit, never one still in force (the shape's conflict clause)
  return {
    tenant_id: tenantId,
    customer_id: customerId,
    kind: KIND,
    amount: limit.amount,
    currency: limit.currency,
    established_at: now,
    expires_at: limit.expires_at,
    source: 'rule_set',
    set_by: null,
    decision_id: decisionId,
    note: null,
  }
}

export interface StoredPurchaseValueLimit {
  amount: number
  currency: string
  established_at: string
  expires_at: string
  source: string
  set_by: string | null
  decision_id: string | null
  note: string | null
  in_force: boolean
}

export async function readPurchaseValueLimit(
  db: Db,
  tenantId: string,
  customerId: string,
  now: Date,
): Promise<StoredPurchaseValueLimit | null> {
  const row = await db
    .selectFrom('customer_limits')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('customer_id', '=', customerId)
    .where('kind', '=', KIND)
    .executeTakeFirst()
  if (!row) return null
  return {
    amount: Number(row.amount),
    currency: row.currency,
    established_at: row.established_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
    source: row.source,
    set_by: row.set_by,
    decision_id: row.decision_id,
    note: row.note,
    in_force: row.expires_at > now,
  }
}

/** Staff set the limit: the amount and expiry they give replace whatever was in force. */
export async function setPurchaseValueLimit(
  db: Db,
  tenantId: string,
  customerId: string,
  limit: { amount: number; currency: string; expiresAt: Date; setBy: string; note: string | null },
  now: Date,
): Promise<void> {
  const values = {
    amount: limit.amount,
    currency: limit.currency,
    established_at: now,
    expires_at: limit.expiresAt,
    source: 'staff',
    set_by: limit.setBy,
    decision_id: null,
    note: limit.note,
  }
  await db
    .insertInto('customer_limits')
    .values({ tenant_id: tenantId, customer_id: customerId, kind: KIND, ...values })
    .onConflict((oc) => oc.columns(['tenant_id', 'customer_id', 'kind']).doUpdateSet(values))
    .execute()
}

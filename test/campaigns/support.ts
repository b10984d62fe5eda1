// Customers, offers and history for the campaign suites, written straight to the tables the
// decision pipeline and the catalog fill in production.
import { sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import { jsonb } from '../../db/json.ts'
import { newId } from '../../server/ids.ts'

export interface SeedCustomer {
  id: string
  phone?: string
  email?: string
  name?: string
  timeZone?: string | null
  /** purchases of this amount each, `daysAgo` before now */
  purchases?: { amount: number; daysAgo: number }[]
}

export async function seedCustomer(db: Db, tenantId: string, c: SeedCustomer, now: Date): Promise<void> {
  await db
    .insertInto('customers')
    .values({
      tenant_id: tenantId,
      id: c.id,
      external_id: c.id,
      time_zone: c.timeZone ?? null,
      created_at: now,
      last_seen_at: now,
    })
    .execute()
  const identifiers: [string, string][] = [['customer_id', c.id]]
  if (c.phone) identifiers.push(['phone', c.phone])
  if (c.email) identifiers.push(['email', c.email])
  for (const [kind, value] of identifiers)
    await db
      .insertInto('customer_identifiers')
      .values({ tenant_id: tenantId, kind, value, customer_id: c.id })
      .execute()
  for (const p of c.purchases ?? []) {
    const at = new Date(now.getTime() - p.daysAgo * 86_400_000)
    const decisionId = newId('dec')
    await db
      .insertInto('decisions')
      .values({
        tenant_id: tenantId,
        id: decisionId,
        created_at: at,
        kind: 'purchase',
        channel: 'web',
        outcome: 'approve',
        customer_id: c.id,
        amount_value: p.amount,
        currency: 'USD',
        rule_set_id: null,
        rule_set_version: null,
        request: jsonb({ customer: { id: c.id, name: c.name ?? null } }),
        facts: jsonb({}),
        fired_rules: jsonb([]),
        response: sql<string>`'{}'::json`,
        idempotency_key: null,
        request_hash: null,
        evaluation_micros: 0,
        resolution: null,
      })
      .execute()
    await db
      .insertInto('usage_events')
      .values({
        tenant_id: tenantId,
        decision_id: decisionId,
        occurred_at: at,
        customer_id: c.id,
        phone: c.phone ?? null,
        card_fingerprint: null,
        ip: null,
        sessions: 0,
        purchases: 1,
        seconds: 0,
        amount: p.amount,
        currency: 'USD',
      })
      .execute()
  }
}

export async function seedOffer(
  db: Db,
  tenantId: string,
  offer: { id: string; price?: number; channels?: string[]; stock?: number },
): Promise<void> {
  await db
    .insertInto('offers')
    .values({
      tenant_id: tenantId,
      id: offer.id,
      sku: offer.id,
      name: `Offer ${offer.id}`,
      description: 'Fifteen more minutes with your reader',
      price: offer.price ?? 1499,
      currency: 'USD',
      value: null,
      tags: jsonb([]),
      channels: jsonb(offer.channels ?? ['web', 'phone', 'call_out', 'email']),
      stock_mode: offer.stock === undefined ? 'unlimited' : 'tracked',
      stock_on_hand: offer.stock ?? 0,
    })
    .execute()
}

/** Weekdays, all day, everywhere: a window that is always open. */
export const always = [
  { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00' },
]

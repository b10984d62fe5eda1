// Offers test fixtures: a catalog offer, a customer with a stored card the sandbox gateway knows
// (its token behaves as the chosen test card would), and a reserve request for them.
import type { Db } from '../../db/connect.ts'
import { jsonb } from '../../db/json.ts'
import { newId } from '../../server/ids.ts'
import type { OfferWhy, ReserveRequest } from '../../server/offers/types.ts'

export interface OfferFixture {
  id?: string
  sku?: string
  price?: number
  currency?: string
  stockMode?: 'tracked' | 'provider' | 'unlimited'
  onHand?: number
  reservationSeconds?: number
  status?: string
}

export async function seedOffer(db: Db, tenantId: string, offer: OfferFixture = {}): Promise<string> {
  const id = offer.id ?? newId('off')
  await db
    .insertInto('offers')
    .values({
      tenant_id: tenantId,
      id,
      sku: offer.sku ?? `sku-${id}`,
      name: 'Extended reading',
      description: 'Thirty more minutes with your reader',
      price: offer.price ?? 1500,
      currency: offer.currency ?? 'USD',
      channels: jsonb(['web', 'phone']),
      tags: jsonb(['reading']),
      stock_mode: offer.stockMode ?? 'tracked',
      stock_on_hand: offer.onHand ?? 10,
      reservation_seconds: offer.reservationSeconds ?? 600,
      status: offer.status ?? 'active',
    })
    .execute()
  return id
}

export async function seedTreatment(db: Db, tenantId: string, offerId: string): Promise<string> {
  const id = newId('trt')
  await db
    .insertInto('offer_treatments')
    .values({
      tenant_id: tenantId,
      id,
      offer_id: offerId,
      name: 'Web, concise',
      channel: 'web',
      segment: '*',
      text: 'Add thirty minutes for $15',
      image_url: 'https://merchant.example/reading.png',
    })
    .execute()
  return id
}

/**
 * A customer whose stored card the tenant's sandbox gateway can charge again; behaviour is what the
 * card does (success, insufficient_funds, no_answer …), as the sandbox's test cards do.
 */
export async function seedCustomer(
  db: Db,
  tenantId: string,
  behaviour = 'success',
): Promise<{ customerId: string; paymentMethodId: string }> {
  const customerId = newId('cus')
  const paymentMethodId = newId('pm')
  const token = `tok_sandbox_${paymentMethodId}`
  await db
    .insertInto('customers')
    .values({ tenant_id: tenantId, id: customerId, external_id: null })
    .execute()
  await db
    .insertInto('payment_methods')
    .values({
      tenant_id: tenantId,
      id: paymentMethodId,
      customer_id: customerId,
      type: 'card',
      fingerprint: `pmf_${paymentMethodId}`,
      bin: '424242',
      last4: '4242',
      brand: 'visa',
      exp_month: 12,
      exp_year: 2030,
      billing_postal_code: '94107',
      gateway: 'sandbox',
      gateway_token: token,
    })
    .execute()
  // the sandbox's own book of the tokens it issued (it issues one with each successful card hold)
  await db
    .insertInto('sandbox_gateway_tokens')
    .values({ account: tenantId, token, behaviour, last4: '4242' })
    .execute()
  return { customerId, paymentMethodId }
}

export const why: OfferWhy = {
  rule: 'upsell-readings',
  weight: 1,
  propensity: 0.2,
  value: 1500,
  priority: 300,
  segment: '*',
  presentation_rules: [],
  message: 'eligible by the rule upsell-readings',
}

export function reserveRequest(
  tenantId: string,
  offerId: string,
  customer: { customerId: string | null; paymentMethodId: string | null },
  now: Date,
  overrides: Partial<ReserveRequest> = {},
): ReserveRequest {
  return {
    tenantId,
    offerId,
    customerId: customer.customerId,
    paymentMethodId: customer.paymentMethodId,
    decisionId: null,
    channel: 'web',
    segment: '*',
    treatmentId: null,
    priority: 300,
    propensity: 0.2,
    why,
    now,
    ...overrides,
  }
}

// The demo's offers, as a first start seeds them: the demo rule set's offer and treatment rules
// (server/tenants/demo-offer-rules.ts), the demo catalog (server/offers/demo.ts) and the sandbox
// providers (credit bureau, demographics, card issuer) served by the app itself over HTTP. A large web
// purchase by an older customer is offered the deck; the same customer calling with the card now on
// file is offered the extended reading in the senior phone treatment. The demo holds 5 % of customers
// out of each offer, by a hash of Tollgate's customer id (new every run): such a customer is recorded
// as the control group instead, and the test says which it saw.
import type { AddressInfo } from 'node:net'
import { type ServerType, serve } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DecisionResponse } from '../../server/authorizations/schema.ts'
import { seedDemoOffers } from '../../server/offers/demo.ts'
import { ProviderRegistry } from '../../server/providers/client.ts'
import { seedSandboxProviders } from '../../server/providers/demo.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { authorize, newPerson, purchaseBy } from './identities.ts'

let t: TestApp
let server: ServerType

beforeAll(async () => {
  const providers = new ProviderRegistry()
  t = await startTestApp({ providers })
  server = serve({ fetch: (request: Request) => t.app.fetch(request), hostname: '127.0.0.1', port: 0 })
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  providers.setBaseUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  await seedSandboxProviders(t.db, 'acme')
  await seedDemoOffers(t.db, 'acme')
}, 60_000)

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await t.close()
})

/** The top offer as the decision made it, or null when this customer is in its control group. */
function madeOrHeldOut(decision: DecisionResponse, sku: string) {
  const made = decision.offers.find((o) => o.sku === sku)
  if (made) return made
  expect(decision.offers_skipped).toContainEqual(expect.objectContaining({ sku, reason: 'control_group' }))
  return null
}

describe('the demo’s offers', () => {
  const person = { ...newPerson(), email: `senior.${Date.now()}@example.com` }

  it('offer the deck with a purchase of 75.00 or more, its stock reserved and its price held', async () => {
    const decision = await authorize(t, purchaseBy(person, { amount: { value: 8000, currency: 'USD' } }))
    expect(decision.outcome).toBe('approve')
    // the deck (value 18.00, by the gift or the astrology rule) outranks the gift card (5.00); one per contact
    const deck = madeOrHeldOut(decision, 'tarot-deck')
    expect(decision.offers.length).toBeLessThanOrEqual(1)
    if (deck) {
      expect(deck).toMatchObject({ price: 3999, amount: 3999, payment_id: expect.any(String) })
      expect(deck.treatment).toMatchObject({ id: 'otr_tarot_web', channel: 'web' })
      expect(deck.why).toMatchObject({ segment: 'senior', presentation_rules: ['present-to-seniors'] })
    }
    expect(decision.offers_skipped).toContainEqual(
      expect.objectContaining({ sku: 'gift-card-25', reason: 'ranked_out' }),
    )
  })

  it('offer a caller paying with the card on file the extended reading, spoken for seniors', async () => {
    const method = await t.db
      .selectFrom('payment_methods')
      .select(['id', 'gateway_token'])
      .where('tenant_id', '=', 'acme')
      .where('last4', '=', person.card.slice(-4))
      .executeTakeFirstOrThrow()
    // the purchase's hold kept the card's token: the customer can now pay by it
    expect(method.gateway_token).not.toBeNull()
    const call = await authorize(t, {
      kind: 'session',
      channel: 'phone',
      customer: { id: person.customerId, email: person.email, phone: person.phone, name: 'Test Person' },
      network: { ani: person.phone, dnis: '+18005550199' },
      entered: { phone: person.phone },
      payment_method: { type: 'stored', id: method.id },
    })
    expect(call.outcome).toBe('approve')
    const reading = madeOrHeldOut(call, 'reading-ext-15')
    if (reading)
      expect(reading).toMatchObject({
        treatment: { id: 'otr_reading_phone_senior', segment: 'senior', channel: 'phone' },
        why: { rule: 'offer-upsell-card-on-file', segment: 'senior' },
      })
    // the membership is an upsell too, but ranks lower (value 9.99 against 12.00)
    expect(call.offers_skipped.map((s) => s.sku)).toContain('premium-membership')
  })
})

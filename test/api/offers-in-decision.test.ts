// Offers in a decision, end to end (step 8, the upsell document): a purchase is identified, the
// second data element fetched (the card issuer's tier by BIN, demographics) through the app's own
// SANDBOX providers over real HTTP, offers selected by rules over both, stock AND credit reserved by
// the real ledger before an offer is made, the presentation chosen by demographics — all in the same
// contact, written on the stored decision. What cannot be made is skipped and the decision says why.
import type { AddressInfo } from 'node:net'
import { type ServerType, serve } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jsonb } from '../../db/json.ts'
import type { RuleSetDefinitionInput } from '../../rules/schema.ts'
import { offersForCall } from '../../server/offers/in-call.ts'
import { ProviderRegistry } from '../../server/providers/client.ts'
import { insertProvider, providerDefaults } from '../../server/providers/store.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'
import { authorize, newPerson, type Person, purchaseBy, withLuhnDigit } from './identities.ts'

let t: TestApp
let server: ServerType
let analyst: StaffClient
const tenant = 'acme'

type Rule = RuleSetDefinitionInput['rules'][number]
const purchaseOnly = { fact: 'kind', operator: 'equal', value: 'purchase' }
const rules: Rule[] = [
  {
    id: 'upsell-on-purchase',
    name: 'Upsell on a purchase',
    priority: 1,
    conditions: { all: [purchaseOnly, { fact: 'amount', operator: 'greaterThan', value: 0 }] },
    event: { type: 'offer', params: { tag: 'upsell', message: 'Any purchase' } },
  },
  {
    id: 'upsell-on-a-call',
    name: 'Upsell to a caller',
    priority: 1,
    conditions: { all: [{ fact: 'channel', operator: 'equal', value: 'phone' }] },
    event: { type: 'offer', params: { tag: 'upsell', message: 'A caller waiting' } },
  },
  {
    id: 'membership-for-platinum',
    name: 'Membership for platinum cards',
    priority: 1,
    conditions: { all: [purchaseOnly, { fact: 'card_tier', operator: 'equal', value: 'platinum' }] },
    event: { type: 'offer', params: { sku: 'premium-membership', weight: 10 } },
  },
  {
    id: 'present-to-seniors',
    name: 'Seniors: detailed',
    priority: 10,
    conditions: { all: [{ fact: 'demographic_age_band', operator: 'equal', value: '65+' }] },
    event: { type: 'treatment', params: { segment: 'senior', style: 'detailed', message: '65 or over' } },
  },
]
const ruleSet: RuleSetDefinitionInput = {
  settings: { currency: 'USD', offers: { max_per_contact: 2, control_percent: 0 } },
  rules,
}

async function addOffer(
  sku: string,
  fields: { price: number; tags: string[]; onHand?: number; cooldown?: number },
) {
  await t.db
    .insertInto('offers')
    .values({
      tenant_id: tenant,
      id: `off_${sku}`,
      sku,
      name: `The ${sku}`,
      price: fields.price,
      currency: 'USD',
      tags: jsonb(fields.tags),
      channels: jsonb(['web', 'phone']),
      stock_mode: fields.onHand === undefined ? 'unlimited' : 'tracked',
      stock_on_hand: fields.onHand ?? 0,
      decline_cooldown_days: fields.cooldown ?? null,
    })
    .execute()
}

async function addTreatment(sku: string, id: string, segment: string, style: string) {
  await t.db
    .insertInto('offer_treatments')
    .values({
      tenant_id: tenant,
      id,
      offer_id: `off_${sku}`,
      name: id,
      channel: 'web',
      segment,
      style,
      text: `${sku} for ${segment}`,
    })
    .execute()
}

const stockOf = async (sku: string) =>
  t.db
    .selectFrom('offers')
    .select(['stock_on_hand', 'stock_reserved'])
    .where('tenant_id', '=', tenant)
    .where('sku', '=', sku)
    .executeTakeFirstOrThrow()

function platinumSenior(): Person {
  const person = newPerson()
  return {
    ...person,
    email: `senior.${person.email}`,
    // BIN 400056: a platinum card by the sandbox issuer database; any such number holds in the sandbox
    card: withLuhnDigit(`400056${person.card.slice(6, 15)}`),
  }
}

beforeAll(async () => {
  const providers = new ProviderRegistry()
  t = await startTestApp({ providers, ruleSet })
  server = serve({ fetch: (request: Request) => t.app.fetch(request), hostname: '127.0.0.1', port: 0 })
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  providers.setBaseUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  for (const kind of ['demographics', 'card_issuer'] as const)
    await insertProvider(
      t.db,
      tenant,
      {
        ...providerDefaults,
        id: `sandbox-${kind}`,
        kind,
        name: kind,
        url: `/sandbox/providers/${kind}`,
        cache_ttl_seconds: 0,
        secret: null,
      },
      null,
      'test',
    )
  analyst = await staffClient(t, tenant, 'analyst')
  await addOffer('premium-membership', { price: 999, tags: ['membership'] })
  await addOffer('reading-ext-15', { price: 1499, tags: ['upsell'], onHand: 10, cooldown: 3 })
  await addOffer('tarot-deck', { price: 3999, tags: ['upsell'], onHand: 0 })
  await addTreatment('premium-membership', 'trt_membership_all', '*', 'concise')
  await addTreatment('premium-membership', 'trt_membership_senior', 'senior', 'detailed')
  await addTreatment('reading-ext-15', 'trt_reading_all', '*', 'concise')
}, 60_000)

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await t.close()
})

describe('a purchase with offers', () => {
  it('selects by the card issuer’s tier, reserves stock and credit first, and presents by age', async () => {
    const person = platinumSenior()
    const decision = await authorize(t, purchaseBy(person))
    expect(decision.outcome).toBe('approve')
    // membership: 0.05 × 999 × 10 ≈ 500 (platinum); the deck: 0.05 × 3999 ≈ 200, none in stock;
    // the extended reading: 0.05 × 1499 ≈ 75 — two offers per contact
    expect(decision.offers.map((o) => o.sku)).toEqual(['premium-membership', 'reading-ext-15'])
    expect(decision.offers_skipped).toEqual([
      {
        sku: 'tarot-deck',
        rule: 'upsell-on-purchase',
        reason: 'out_of_stock',
        message: expect.stringContaining('tarot-deck'),
      },
    ])
    const [membership, reading] = decision.offers
    expect(membership).toMatchObject({
      price: 999,
      amount: 999,
      currency: 'USD',
      treatment: { id: 'trt_membership_senior', segment: 'senior', style: 'detailed' },
      why: {
        rule: 'membership-for-platinum',
        weight: 10,
        segment: 'senior',
        presentation_rules: ['present-to-seniors'],
      },
    })
    expect(membership?.why.priority).toBeCloseTo(0.05 * 999 * 10)
    expect(membership?.payment_id).toMatch(/^pay_/)
    // no senior treatment for the reading: the one for every segment
    expect(reading?.treatment).toMatchObject({ id: 'trt_reading_all', segment: '*' })

    // the credit is held for each offer's amount on the card just used, apart from the purchase's hold
    const holds = await t.db
      .selectFrom('payments')
      .select(['id', 'amount_authorized', 'status'])
      .where('tenant_id', '=', tenant)
      .where('id', 'in', [membership?.payment_id ?? '', reading?.payment_id ?? ''])
      .execute()
    expect(holds.map((h) => Number(h.amount_authorized)).sort((a, b) => a - b)).toEqual([999, 1499])
    expect(holds.every((h) => h.status === 'authorized')).toBe(true)
    expect(await stockOf('reading-ext-15')).toMatchObject({ stock_on_hand: 10, stock_reserved: 1 })
    expect(await stockOf('tarot-deck')).toMatchObject({ stock_on_hand: 0, stock_reserved: 0 })

    // the stored decision says the same, and its presentations are recorded with the segment
    const stored = await t.get(`/v1/decisions/${decision.id}`)
    const body = (await stored.json()) as typeof decision
    expect(body.offers.map((o) => o.id)).toEqual(decision.offers.map((o) => o.id))
    expect(body.offers_skipped).toEqual(decision.offers_skipped)
    const presentations = await t.db
      .selectFrom('offer_presentations')
      .select(['offer_id', 'status', 'segment', 'treatment_id'])
      .where('tenant_id', '=', tenant)
      .where('decision_id', '=', decision.id)
      .orderBy('offer_id')
      .execute()
    expect(presentations).toEqual([
      {
        offer_id: 'off_premium-membership',
        status: 'presented',
        segment: 'senior',
        treatment_id: 'trt_membership_senior',
      },
      {
        offer_id: 'off_reading-ext-15',
        status: 'presented',
        segment: 'senior',
        treatment_id: 'trt_reading_all',
      },
    ])
    // the second data element was asked through the providers and recorded with the decision
    const calls = await t.db
      .selectFrom('provider_calls')
      .select(['kind', 'status'])
      .where('tenant_id', '=', tenant)
      .where('decision_id', '=', decision.id)
      .orderBy('kind')
      .execute()
    expect(calls).toEqual([
      { kind: 'card_issuer', status: 'answered' },
      { kind: 'demographics', status: 'answered' },
    ])
  })

  it('makes no offer again within the cooldown after the customer declines it', async () => {
    const person = newPerson()
    const first = await authorize(t, purchaseBy(person))
    // a standard card: no membership; the deck is out of stock; the reading is made
    expect(first.offers.map((o) => o.sku)).toEqual(['reading-ext-15'])
    const reading = first.offers[0]
    const declined = await t.post(`/v1/offers/${reading?.id}/decline`, {})
    expect(declined.status, await declined.clone().text()).toBeLessThan(300)
    const again = await authorize(t, purchaseBy(person))
    expect(again.offers).toEqual([])
    // the contact policy rules it out before arbitration; the deck is tried and found out of stock
    expect(again.offers_skipped.map((s) => [s.sku, s.reason])).toEqual([
      ['reading-ext-15', 'declined_recently'],
      ['tarot-deck', 'out_of_stock'],
    ])
  })

  it('skips every offer when there is no stored method to hold its price on', async () => {
    const reservedBefore = (await stockOf('reading-ext-15')).stock_reserved
    const person = newPerson()
    const decision = await authorize(
      t,
      purchaseBy(person, {
        payment_method: {
          type: 'phone_bill',
          billing_address: { line1: '12 Main St', postal_code: '94107', country: 'US' },
        },
      }),
    )
    expect(decision.outcome).toBe('approve')
    expect(decision.offers).toEqual([])
    expect(decision.offers_skipped.map((s) => [s.sku, s.reason])).toEqual([
      ['tarot-deck', 'no_payment_method'],
      ['reading-ext-15', 'no_payment_method'],
    ])
    // nothing stays reserved for an offer not made
    expect((await stockOf('reading-ext-15')).stock_reserved).toBe(reservedBefore)
  })

  it('makes no offer for a decision no offer rule fired for, nor for a refusal', async () => {
    const before = await t.db.selectFrom('offer_presentations').select('id').execute()
    const session = await authorize(t, purchaseBy(newPerson(), { kind: 'session', amount: undefined }))
    expect(session).toMatchObject({ outcome: 'approve', offers: [], offers_skipped: [] })
    const declinedCard = await authorize(
      t,
      purchaseBy(newPerson(), {
        payment_method: {
          type: 'card',
          card: { number: '4000000000000002', exp_month: 12, exp_year: 2030, cvc: '123' },
          billing_address: { line1: '12 Main St', postal_code: '94107', country: 'US' },
        },
      }),
    )
    expect(declinedCard.outcome).toBe('block')
    expect(declinedCard.offers).toEqual([])
    expect(await t.db.selectFrom('offer_presentations').select('id').execute()).toHaveLength(before.length)
  })

  it('shows the eligible offers in a simulation, best first, and reserves nothing', async () => {
    const before = await stockOf('reading-ext-15')
    const res = await analyst.request('POST', '/admin/v1/rule-sets/authorizations/versions/1/simulate', {
      request: purchaseBy(platinumSenior()),
    })
    expect(res.status, await res.clone().text()).toBe(200)
    const simulation = (await res.json()) as {
      offers: { sku: string; control: boolean; treatment: { id: string } | null }[]
      offers_skipped: unknown[]
    }
    // a simulation calls no provider: the card tier is unknown, so the membership is not eligible
    expect(simulation.offers.map((o) => o.sku)).toEqual(['tarot-deck', 'reading-ext-15'])
    expect(simulation.offers[1]).toMatchObject({ control: false, treatment: { id: 'trt_reading_all' } })
    expect(await stockOf('reading-ext-15')).toEqual(before)
  })
})

describe('a caller who keyed a card in', () => {
  it('is offered once the session’s hold has kept the card, not before, and only once', async () => {
    const person = newPerson()
    const call = await authorize(
      t,
      purchaseBy(person, {
        kind: 'session',
        channel: 'phone',
        amount: undefined,
        network: { ani: person.phone, device_id: person.deviceId },
      }),
    )
    expect(call.outcome).toBe('approve')
    // the card was typed on the keypad: no stored method to hold an offer on yet
    expect(call.offers).toEqual([])
    expect(call.offers_skipped.map((s) => s.reason)).toContain('no_payment_method')

    // the session's hold keeps the card's token on its payment method (server/payments)
    const method = await t.db
      .selectFrom('payment_methods')
      .select('id')
      .where('tenant_id', '=', tenant)
      .where('fingerprint', '=', call.payment_method?.fingerprint ?? '')
      .executeTakeFirstOrThrow()
    const token = `tok_sandbox_${method.id}`
    await t.db
      .updateTable('payment_methods')
      .set({ gateway: 'sandbox', gateway_token: token })
      .where('tenant_id', '=', tenant)
      .where('id', '=', method.id)
      .execute()
    await t.db
      .insertInto('sandbox_gateway_tokens')
      .values({ account: tenant, token, behaviour: 'success', last4: person.card.slice(-4) })
      .execute()

    const deps = { db: t.db, ledger: t.services.offers }
    const waiting = await offersForCall(deps, tenant, call.id)
    expect(waiting.offers.map((o) => o.sku)).toEqual(['reading-ext-15'])
    expect(waiting.offers[0]).toMatchObject({
      why: { rule: 'upsell-on-a-call' },
      payment_id: expect.any(String),
    })
    const stored = (await (await t.get(`/v1/decisions/${call.id}`)).json()) as typeof call
    expect(stored.offers.map((o) => o.id)).toEqual(waiting.offers.map((o) => o.id))

    // asked again (the caller still waiting), the same offer: nothing reserved twice
    const again = await offersForCall(deps, tenant, call.id)
    expect(again.offers.map((o) => o.id)).toEqual(waiting.offers.map((o) => o.id))
    const made = await t.db
      .selectFrom('offer_presentations')
      .select('id')
      .where('tenant_id', '=', tenant)
      .where('decision_id', '=', call.id)
      .where('status', '=', 'presented')
      .execute()
    expect(made).toHaveLength(1)
    // another tenant's decision id finds nothing
    expect(await offersForCall(deps, 'globex', call.id)).toEqual({ offers: [], skipped: [] })
  })
})

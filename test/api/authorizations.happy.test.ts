// POST /v1/authorizations and GET /v1/decisions/{id}: what a merchant sees when all goes well.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decisionWithExplanationSchema } from '../../server/authorizations/schema.ts'
import { purchase, startTestApp, type TestApp, typedCard } from '../support/app.ts'
import { addNegative, authorize, newPerson, purchaseBy, withLuhnDigit } from './identities.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp()
})
afterAll(() => t.close())

async function readDecision(id: string) {
  const response = await t.get(`/v1/decisions/${id}`)
  const text = await response.text()
  expect(response.status, text).toBe(200)
  return decisionWithExplanationSchema.parse(JSON.parse(text))
}

describe('POST /v1/authorizations', () => {
  it('the Luhn helper agrees with well-known test numbers', () => {
    expect(withLuhnDigit('424242424242424')).toBe('4242424242424242')
    expect(withLuhnDigit('555555555555444')).toBe('5555555555554444')
    expect(withLuhnDigit('37828224631000')).toBe('378282246310005')
  })

  it('approves a clean purchase with its reasons, limits, payment method and rule set', async () => {
    const response = await t.post('/v1/authorizations', purchase())
    expect(response.status).toBe(201)
    expect(response.headers.get('idempotent-replayed')).toBeNull()
    const decision = await authorize(t, purchase({ customer: { id: 'c-other', email: 'bob@example.com' } }))
    // the first one, read again below, is the one we check in full
    const first = (await response.json()) as Record<string, unknown>
    expect(first).toMatchObject({
      outcome: 'approve',
      limits: { max_amount: 10_000, max_duration_seconds: null, resets_at: null },
      retry_after_seconds: null,
      discounts: [],
      offers: [],
      payment_method: { type: 'card', brand: 'visa', last4: '4242' },
      rule_set: { id: 'authorizations', version: 1 },
      customer: { external_id: 'c-81', returning: false, linked_by: null },
      resolution: null,
    })
    expect(first.id).toMatch(/^dec_[a-z0-9]+$/)
    expect(first.reasons).toEqual([
      {
        rule: 'spend-per-month',
        type: 'allowance',
        message: 'Spending of 100.00 a month, counted against the customer',
        subject: { kind: 'customer', label: 'the customer' },
        remaining: 10_000,
      },
    ])
    expect(Date.parse(String(first.created_at))).toBeGreaterThan(Date.now() - 60_000)
    // the second purchase was made with the same card, so it is the same customer: 2500 already spent
    expect(decision.customer).toMatchObject({ returning: true, external_id: 'c-81', linked_by: 'card' })
    expect(decision.limits.max_amount).toBe(7_500)
    expect(decision.payment_method?.fingerprint).toMatch(/^pmf_[A-Za-z0-9_-]{20,}$/)
    expect(decision.payment_method?.fingerprint).toBe(
      (first.payment_method as { fingerprint: string }).fingerprint,
    )
    expect(decision.id).not.toBe(first.id)
  })

  it('names the brand and last four of each card, and gives each card its own fingerprint', async () => {
    const cards = [
      ['5555555555554444', 'mastercard', '4444'],
      ['378282246310005', 'amex', '0005'],
      ['6011111111111117', 'discover', '1117'],
    ] as const
    const fingerprints = new Set<string>()
    for (const [number, brand, last4] of cards) {
      const person = newPerson()
      const decision = await authorize(
        t,
        purchaseBy(person, {
          payment_method: typedCard({ number, exp_month: 1, exp_year: 2031, cvc: '1234' }),
        }),
      )
      expect(decision.outcome).toBe('approve')
      expect(decision.payment_method).toMatchObject({ type: 'card', brand, last4 })
      fingerprints.add(String(decision.payment_method?.fingerprint))
    }
    expect(fingerprints.size).toBe(3)
  })

  it('gives the same fingerprint to one number however it is grouped', async () => {
    const person = newPerson()
    const grouped = person.card.replace(/(\d{4})(?=\d)/g, '$1 ')
    const dashed = person.card.replace(/(\d{4})(?=\d)/g, '$1-')
    const plain = await authorize(t, purchaseBy(person, { amount: { value: 100, currency: 'USD' } }))
    const withSpaces = await authorize(
      t,
      purchaseBy(person, {
        amount: { value: 100, currency: 'USD' },
        payment_method: typedCard({ number: grouped }),
      }),
    )
    const withDashes = await authorize(
      t,
      purchaseBy(person, {
        amount: { value: 100, currency: 'USD' },
        payment_method: typedCard({ number: dashed }),
      }),
    )
    expect(withSpaces.payment_method?.fingerprint).toBe(plain.payment_method?.fingerprint)
    expect(withDashes.payment_method?.fingerprint).toBe(plain.payment_method?.fingerprint)
    expect(withDashes.payment_method?.last4).toBe(person.card.slice(-4))
  })

  it('approves a purchase with no payment method and reports none', async () => {
    const person = newPerson()
    const { payment_method: _pm, ...body } = purchaseBy(person)
    const decision = await authorize(t, body)
    expect(decision.outcome).toBe('approve')
    expect(decision.payment_method).toBeNull()
  })

  it('approves a web session with a duration limit of the minutes left today', async () => {
    const person = newPerson()
    const decision = await authorize(t, {
      kind: 'session',
      channel: 'web',
      // a name and an e-mail, so the demo's credit bureau can verify this first-time customer
      customer: { id: person.customerId, name: 'Test Person', email: person.email },
      network: { ip: '203.0.113.9' },
    })
    expect(decision.outcome).toBe('approve')
    expect(decision.limits.max_duration_seconds).toBe(40 * 60)
    expect(decision.reasons.map((r) => r.rule).sort()).toEqual([
      'minutes-per-day',
      'minutes-per-month',
      'minutes-per-week',
      'sessions-per-day',
      'spend-per-month',
    ])
    expect(decision.reasons.find((r) => r.rule === 'sessions-per-day')?.remaining).toBe(2)
  })
})

describe('returning customers', () => {
  it.each([
    [
      'e-mail',
      'email',
      (p: ReturnType<typeof newPerson>) => ({ customer: { email: p.email.toUpperCase() } }),
    ],
    ['phone', 'phone', (p: ReturnType<typeof newPerson>) => ({ customer: { phone: p.phone } })],
    [
      'caller number (ANI)',
      'phone',
      (p: ReturnType<typeof newPerson>) => ({
        channel: 'phone',
        network: { ani: p.phone },
        entered: { phone: p.phone },
      }),
    ],
    [
      'card',
      'card',
      (p: ReturnType<typeof newPerson>) => ({
        payment_method: typedCard({ number: p.card }),
      }),
    ],
    ['customer id', 'customer_id', (p: ReturnType<typeof newPerson>) => ({ customer: { id: p.customerId } })],
  ])('are recognized by their %s alone', async (_key, linkedBy, keyOf) => {
    const person = newPerson()
    const first = await authorize(t, purchaseBy(person))
    expect(first.customer?.returning).toBe(false)
    const again = await authorize(t, {
      kind: 'purchase',
      channel: 'web',
      amount: { value: 500, currency: 'USD' },
      ...keyOf(person),
    })
    expect(again.outcome).toBe('approve')
    expect(again.customer).toEqual({
      id: first.customer?.id,
      external_id: person.customerId,
      returning: true,
      linked_by: linkedBy,
    })
    // the spend of the first purchase counts against the same customer
    expect(again.limits.max_amount).toBe(10_000 - 2_500)
  })

  it('a stranger is not mistaken for a returning customer', async () => {
    const person = newPerson()
    await authorize(t, purchaseBy(person))
    const stranger = newPerson()
    const decision = await authorize(t, purchaseBy(stranger))
    expect(decision.customer?.returning).toBe(false)
    expect(decision.limits.max_amount).toBe(10_000)
  })
})

describe('GET /v1/decisions/{id}', () => {
  it('returns the decision exactly as it was answered, with an explanation', async () => {
    const decision = await authorize(t, purchaseBy(newPerson()))
    const read = await readDecision(decision.id)
    const { explanation, ...rest } = read
    expect(rest).toEqual(decision)
    // the allowance rule fired (it has no conditions) and is explained
    expect(explanation.fired_rules.map((r) => r.id)).toContain('spend-per-month')
    const spend = explanation.fired_rules.find((r) => r.id === 'spend-per-month')
    expect(spend).toMatchObject({ name: '100.00 a month', type: 'allowance', conditions: [] })
    // every fact the rules read is listed with the value it had
    const facts = new Map(explanation.facts.map((f) => [`${f.fact}${JSON.stringify(f.params)}`, f.value]))
    expect(facts.get('card_luhn_validnull')).toBe(true)
    expect(facts.get('card_expirednull')).toBe(false)
    expect(facts.get('list_hit{"list":"negative","subject":"phone"}')).toBe(false)
    expect(facts.get('channelnull')).toBe('web')
  })

  it('explains a block with the fired rule, the condition and the fact value it saw', async () => {
    const person = newPerson()
    await addNegative(t, 'acme', 'phone', person.phone)
    const decision = await authorize(t, purchaseBy(person))
    expect(decision.outcome).toBe('block')
    const { explanation } = await readDecision(decision.id)
    const fired = explanation.fired_rules.find((r) => r.id === 'negative-phone')
    expect(fired).toEqual({
      id: 'negative-phone',
      name: 'Negative list: phone',
      type: 'block',
      conditions: [
        {
          fact: 'list_hit',
          params: { list: 'negative', subject: 'phone' },
          operator: 'equal',
          value: true,
          fact_value: true,
          result: true,
        },
      ],
    })
    expect(explanation.fired_rules.map((r) => r.id)).not.toContain('negative-ip')
    expect(explanation.facts).toContainEqual({
      fact: 'list_hit',
      params: { list: 'negative', subject: 'ip' },
      value: false,
    })
  })

  it('answers a decision id in the documented shape with its explanation', async () => {
    const decision = await authorize(t, purchaseBy(newPerson()))
    const response = await t.get(`/v1/decisions/${decision.id}`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    const body = (await response.json()) as Record<string, unknown>
    expect(Object.keys(body)).toEqual(expect.arrayContaining(['id', 'outcome', 'explanation', 'resolution']))
    expect(body.resolution).toBeNull()
  })
})

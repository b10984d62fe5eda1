// Whom a decision counted against (issue 15): an allowance's reason names its subject — the customer,
// a card by its last four, a phone number, an IP address — and the response says when the request
// was linked to a customer Tollgate already knew, by which identifier, with the merchant's own id
// for that customer beside Tollgate's. Through the merchant API, with allowances on every subject.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RuleSetDefinitionInput } from '../../rules/schema.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { authorize, newPerson, type Person, purchaseBy } from './identities.ts'

const allowance = (
  id: string,
  subject: 'customer' | 'card' | 'phone' | 'ip',
  metric: 'amount' | 'purchases',
  window: 'day' | 'month',
  limit: number,
  message: string,
) => ({
  id,
  name: id,
  priority: 1,
  conditions: { all: [] },
  event: { type: 'allowance' as const, params: { subject, metric, window, limit, message } },
})

const ruleSet: RuleSetDefinitionInput = {
  settings: { currency: 'USD' },
  rules: [
    allowance('spend-per-month', 'customer', 'amount', 'month', 10_000, 'Spending of 100.00 a month'),
    allowance('purchases-per-card', 'card', 'purchases', 'day', 2, 'Two purchases a day per card.'),
    allowance('purchases-per-phone', 'phone', 'purchases', 'day', 2, 'Two purchases a day per phone'),
    allowance('purchases-per-ip', 'ip', 'purchases', 'day', 2, 'Two purchases a day per address'),
  ],
}

let t: TestApp
beforeAll(async () => {
  t = await startTestApp({ ruleSet })
})
afterAll(() => t.close())

let addresses = 0
/** An address no other test buys from, so the IP allowance counts only this test's purchases. */
function newAddress(): string {
  addresses += 1
  return `198.51.100.${addresses}`
}

/** A purchase by this person from this address, with another person's card or phone if given. */
function purchaseFrom(person: Person, ip: string, overrides: Record<string, unknown> = {}) {
  return purchaseBy(person, { network: { ip, device_id: person.deviceId }, ...overrides })
}

/** A 1.00 purchase that carries only these parts (a customer id, an e-mail, an ANI …). */
function purchaseWith(parts: Record<string, unknown>) {
  return { kind: 'purchase', channel: 'web', amount: { value: 100, currency: 'USD' }, ...parts }
}

function cardOf(person: Person) {
  return { type: 'card', card: { number: person.card, exp_month: 12, exp_year: 2030 } }
}

describe('a linked customer', () => {
  it('reports a new customer id that came with a known card, and counts it against the card’s customer', async () => {
    const ann = newPerson()
    const ip = newAddress()
    const first = await authorize(t, purchaseFrom(ann, ip))
    expect(first.customer).toEqual({
      id: expect.stringMatching(/^cus_/),
      external_id: ann.customerId,
      returning: false,
      linked_by: null,
    })

    // the merchant's new account for someone, with nothing of Ann's but her card
    const stranger = newPerson()
    const newAccount = await authorize(t, purchaseFrom(stranger, ip, { payment_method: cardOf(ann) }))
    expect(newAccount.outcome).toBe('approve')
    expect(newAccount.customer).toEqual({
      id: first.customer?.id,
      external_id: ann.customerId,
      returning: true,
      linked_by: 'card',
    })
    // Ann's 25.00 counts: 75.00 left this month, and the reason says whose allowance that is
    expect(newAccount.limits.max_amount).toBe(7_500)
    expect(newAccount.reasons.find((r) => r.rule === 'spend-per-month')).toEqual({
      rule: 'spend-per-month',
      type: 'allowance',
      message: 'Spending of 100.00 a month, counted against the customer',
      subject: { kind: 'customer', label: 'the customer' },
      remaining: 7_500,
    })

    // the new id now belongs to Ann's customer too: recognized by it alone, her first id still reported
    const byNewId = await authorize(t, purchaseWith({ customer: { id: stranger.customerId } }))
    expect(byNewId.customer).toEqual({
      id: first.customer?.id,
      external_id: ann.customerId,
      returning: true,
      linked_by: 'customer_id',
    })
    // the stored decision says the same
    const stored = (await (await t.get(`/v1/decisions/${newAccount.id}`)).json()) as typeof newAccount
    expect(stored.customer).toEqual(newAccount.customer)
  })

  it('limits the new customer id once the card’s customer has spent the month’s allowance, naming the customer', async () => {
    const ann = newPerson()
    await authorize(t, purchaseFrom(ann, newAddress(), { amount: { value: 9_000, currency: 'USD' } }))
    const limited = await authorize(
      t,
      purchaseFrom(newPerson(), newAddress(), { payment_method: cardOf(ann) }),
    )
    expect(limited.outcome).toBe('limit')
    expect(limited.customer).toMatchObject({ external_id: ann.customerId, linked_by: 'card' })
    expect(limited.reasons[0]).toMatchObject({
      rule: 'spend-per-month',
      message: 'Spending of 100.00 a month, counted against the customer',
      subject: { kind: 'customer', label: 'the customer' },
      remaining: 1_000,
      resets_at: expect.any(String),
    })
  })

  it('reports each identifier that links a request on its own', async () => {
    const cases = [
      ['email', (p: Person) => ({ customer: { email: p.email } })],
      ['phone', (p: Person) => ({ customer: { phone: p.phone } })],
      ['phone', (p: Person) => ({ channel: 'phone', network: { ani: p.phone } })],
      ['device', (p: Person) => ({ network: { device_id: p.deviceId } })],
    ] as const
    for (const [linkedBy, keyOf] of cases) {
      const person = newPerson()
      const first = await authorize(t, purchaseFrom(person, newAddress()))
      const again = await authorize(t, purchaseWith(keyOf(person)))
      expect(again.customer, linkedBy).toEqual({
        id: first.customer?.id,
        external_id: person.customerId,
        returning: true,
        linked_by: linkedBy,
      })
    }
  })

  it('a request with no customer id reports none for a customer first seen now', async () => {
    const person = newPerson()
    const decision = await authorize(t, purchaseWith({ customer: { email: person.email } }))
    expect(decision.customer).toEqual({
      id: expect.stringMatching(/^cus_/),
      external_id: null,
      returning: false,
      linked_by: null,
    })
  })
})

describe('an allowance’s reason names whom it counted against', () => {
  it('a card: another customer paying with a card used up today is limited, naming the card', async () => {
    const ann = newPerson()
    const bob = newPerson()
    await authorize(t, purchaseFrom(ann, newAddress(), { amount: { value: 100, currency: 'USD' } }))
    await authorize(t, purchaseFrom(ann, newAddress(), { amount: { value: 100, currency: 'USD' } }))
    await authorize(t, purchaseFrom(bob, newAddress(), { amount: { value: 100, currency: 'USD' } }))
    const decision = await authorize(t, purchaseFrom(bob, newAddress(), { payment_method: cardOf(ann) }))
    expect(decision.outcome).toBe('limit')
    // Bob is known by his own customer id, which outranks the card: his spend is his own
    expect(decision.customer).toMatchObject({ external_id: bob.customerId, linked_by: 'customer_id' })
    const cardLabel = `card ending ${ann.card.slice(-4)}`
    expect(decision.reasons[0]).toEqual({
      rule: 'purchases-per-card',
      type: 'allowance',
      message: `Two purchases a day per card, counted against ${cardLabel}`,
      subject: { kind: 'card', label: cardLabel },
      remaining: 0,
      resets_at: expect.any(String),
    })
    expect(decision.payment_method?.last4).toBe(ann.card.slice(-4))
    // the others still say whom they counted, with what is left
    expect(decision.reasons.slice(1).map((r) => [r.rule, r.subject?.kind, r.remaining])).toEqual([
      ['spend-per-month', 'customer', 9_900],
      ['purchases-per-phone', 'phone', 1],
      ['purchases-per-ip', 'ip', 2],
    ])
  })

  it('a phone: a call from a number that bought twice today is limited, naming the number', async () => {
    const ann = newPerson()
    const call = (person: Person) =>
      purchaseBy(person, {
        channel: 'phone',
        amount: { value: 100, currency: 'USD' },
        network: { ani: ann.phone, ip: newAddress() },
      })
    await authorize(t, call(ann))
    await authorize(t, call(ann))
    const bob = newPerson()
    const decision = await authorize(t, call(bob))
    expect(decision.outcome).toBe('limit')
    // ann.phone is +1202555NNNN
    const phoneLabel = `phone +1 202 555 ${ann.phone.slice(-4)}`
    expect(decision.reasons[0]).toMatchObject({
      rule: 'purchases-per-phone',
      message: `Two purchases a day per phone, counted against ${phoneLabel}`,
      subject: { kind: 'phone', label: phoneLabel },
      remaining: 0,
    })
  })

  it('an IP address: a third buyer from one address today is limited, naming the address', async () => {
    const ip = newAddress()
    const small = { amount: { value: 100, currency: 'USD' } }
    await authorize(t, purchaseFrom(newPerson(), ip, small))
    const second = await authorize(t, purchaseFrom(newPerson(), ip, small))
    expect(second.outcome).toBe('approve')
    expect(second.reasons.find((r) => r.rule === 'purchases-per-ip')).toEqual({
      rule: 'purchases-per-ip',
      type: 'allowance',
      message: `Two purchases a day per address, counted against IP ${ip}`,
      subject: { kind: 'ip', label: `IP ${ip}` },
      remaining: 1,
    })
    const third = await authorize(t, purchaseFrom(newPerson(), ip, small))
    expect(third.outcome).toBe('limit')
    expect(third.reasons[0]).toMatchObject({
      rule: 'purchases-per-ip',
      subject: { kind: 'ip', label: `IP ${ip}` },
      remaining: 0,
    })
  })
})

/** The part of a JSON Schema in the OpenAPI document these checks walk. */
interface SchemaNode {
  description?: string
  enum?: string[]
  properties?: Record<string, SchemaNode>
  items?: SchemaNode
}

describe('the OpenAPI document', () => {
  it('declares the reason’s subject and the linked customer, with descriptions for developers', async () => {
    const response = await t.app.request('/v1/openapi.json')
    expect(response.status).toBe(200)
    const doc = (await response.json()) as { components: { schemas: Record<string, SchemaNode> } }
    const decision = doc.components.schemas.Decision?.properties
    const subject = decision?.reasons?.items?.properties?.subject
    expect(subject?.description).toMatch(/whose usage the allowance counted/)
    expect(subject?.properties?.kind?.enum).toEqual(['customer', 'phone', 'card', 'ip'])
    expect(subject?.properties?.label?.description).toBeTruthy()
    const customer = JSON.stringify(decision?.customer)
    expect(customer).toContain('"linked_by"')
    expect(customer).toContain('"external_id"')
    expect(customer).toMatch(/A new customer.id with a known card is linked by card/)
  })
})

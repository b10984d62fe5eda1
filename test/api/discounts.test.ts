// Discounts change money end to end: an approved purchase holds, captures or charges its amount
// less its discounts (itemised on the decision, counted so against the allowances, booked so in the
// ledger), whichever way it is paid; a session's bill itemises them; Simulate shows them; and a
// discount never takes an amount below 0 nor lifts a limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RuleSetDefinitionInput } from '../../rules/schema.ts'
import { BacktestRunner } from '../../server/backtests/runner.ts'
import { paymentBooks } from '../../server/ledger/ledger.ts'
import type { SessionView } from '../../server/sessions/schema.ts'
import { addLine, manualClock, sessionBody } from '../sessions/support.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { unbalanced } from '../support/money.ts'
import { addVersion } from '../support/rule-versions.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'
import { authorize, countRows, newPerson, type Person, problemOf, purchaseBy } from './identities.ts'

const discountRule = (
  id: string,
  condition: Record<string, unknown>,
  params: { percent_off?: number; amount_off?: number },
) => ({
  id,
  name: id,
  priority: 1,
  conditions: { all: [condition] },
  event: {
    type: 'discount' as const,
    params: { code: id.toUpperCase(), message: `${id} discount`, ...params },
  },
})

/** Visa cards 3.00 off, bank accounts 5 %, three items or more 10 %, the "vip" domain 100 %; 100.00 a month. */
const ruleSet = (stacking?: 'sum' | 'best'): RuleSetDefinitionInput => ({
  settings: { currency: 'USD', ...(stacking ? { discount_stacking: stacking } : {}) },
  rules: [
    discountRule('visa', { fact: 'card_brand', operator: 'equal', value: 'visa' }, { amount_off: 300 }),
    discountRule(
      'bank',
      { fact: 'payment_method_type', operator: 'in', value: ['checking', 'eft'] },
      { percent_off: 5 },
    ),
    discountRule(
      'basket',
      { fact: 'item_count', operator: 'greaterThanInclusive', value: 3 },
      { percent_off: 10 },
    ),
    discountRule(
      'vip',
      { fact: 'email_domain', operator: 'equal', value: 'vip.example' },
      { percent_off: 100 },
    ),
    {
      id: 'spend-per-month',
      name: '100.00 a month',
      priority: 1,
      conditions: { all: [] },
      event: {
        type: 'allowance' as const,
        params: {
          subject: 'customer',
          metric: 'amount',
          window: 'month',
          limit: 10_000,
          message: '100.00 a month',
        },
      },
    },
  ],
})

let t: TestApp
let analyst: StaffClient
const clock = manualClock()
beforeAll(async () => {
  t = await startTestApp({ ruleSet: ruleSet(), clock: clock.now })
  analyst = await staffClient(t, 'acme', 'analyst')
  // 2.99 a minute with a 1.00 connect fee, billed by the minute; a hold of 10 minutes
  await addLine(t.db, 'acme', { id: 'advice', rate_per_minute: 299, connect_fee: 100 })
})
afterAll(() => t.close())

function buy(person: Person, value: number, overrides: Record<string, unknown> = {}) {
  return purchaseBy(person, { amount: { value, currency: 'USD' }, ...overrides })
}

async function ok<T = Record<string, unknown>>(response: Response | Promise<Response>, status = 200) {
  const res = await response
  const text = await res.text()
  expect(res.status, text).toBe(status)
  return JSON.parse(text) as T
}

async function usageAmount(decisionId: string) {
  const row = await t.db
    .selectFrom('usage_events')
    .select(['amount', 'purchases', 'voided_at'])
    .where('decision_id', '=', decisionId)
    .executeTakeFirstOrThrow()
  return { amount: Number(row.amount), purchases: Number(row.purchases), voided: row.voided_at !== null }
}

describe('a discounted purchase', () => {
  it('holds and captures what is payable, itemised on the decision, booked and counted so', async () => {
    const decision = await authorize(t, buy(newPerson(), 2500))
    expect(decision.outcome).toBe('approve')
    expect(decision.discounts).toEqual([
      {
        rule: 'visa',
        code: 'VISA',
        message: 'visa discount',
        percent_off: null,
        fixed_off: 300,
        amount_off: 300,
      },
    ])
    expect(decision.amount).toEqual({ requested: 2500, discount: 300, payable: 2200, currency: 'USD' })
    expect(decision.payment).toMatchObject({ kind: 'hold', status: 'authorized', amount_authorized: 2200 })
    expect(await usageAmount(decision.id)).toEqual({ amount: 2200, purchases: 1, voided: false })

    // the stored decision says the same
    const read = await ok<{ amount: unknown; discounts: unknown }>(t.get(`/v1/decisions/${decision.id}`))
    expect(read.amount).toEqual(decision.amount)
    expect(read.discounts).toEqual(decision.discounts)

    // the price asked cannot be captured: only what is held
    const over = await problemOf(
      await t.post(`/v1/authorizations/${decision.id}/capture`, { amount: 2500 }),
      422,
    )
    expect(over.errors?.[0]?.field).toBe('amount')
    // capturing without an amount takes what is held: the payable amount
    const captured = await ok<{ payment: Record<string, unknown> }>(
      t.post(`/v1/authorizations/${decision.id}/capture`, {}),
    )
    expect(captured.payment).toMatchObject({ status: 'captured', amount_captured: 2200 })
    expect(await paymentBooks(t.db, 'acme', decision.payment?.id ?? '')).toEqual({
      held: 0,
      captured: 2200,
      refunded: 0,
    })
    expect(await usageAmount(decision.id)).toEqual({ amount: 2200, purchases: 1, voided: false })
    expect(await unbalanced(t.db, 'acme')).toEqual([])
  })

  it('stacks: each discount on the whole amount, the total on the decision', async () => {
    const decision = await authorize(
      t,
      buy(newPerson(), 2500, { items: [{ sku: 'reading-30', quantity: 3, unit_amount: 833 }] }),
    )
    // 10 % of 25.00 = 250, and 3.00 for the Visa card: 5.50 off
    expect(decision.discounts.map((d) => [d.rule, d.amount_off])).toEqual([
      ['visa', 300],
      ['basket', 250],
    ])
    expect(decision.amount).toMatchObject({ requested: 2500, discount: 550, payable: 1950 })
    expect(decision.payment).toMatchObject({ amount_authorized: 1950 })
  })

  it('never below 0: discounted to nothing, the purchase is approved and nothing is held', async () => {
    const person = { ...newPerson(), email: `free${Date.now()}@vip.example` }
    const decision = await authorize(t, buy(person, 1999))
    expect(decision.outcome).toBe('approve')
    expect(decision.amount).toEqual({ requested: 1999, discount: 1999, payable: 0, currency: 'USD' })
    // 100 % takes it all; the Visa discount is cut to nothing and is not listed
    expect(decision.discounts.map((d) => [d.rule, d.amount_off])).toEqual([['vip', 1999]])
    expect(decision.payment ?? null).toBeNull()
    const payments = await t.db
      .selectFrom('payments')
      .select('id')
      .where('tenant_id', '=', 'acme')
      .where('decision_id', '=', decision.id)
      .execute()
    expect(payments).toEqual([])
    expect(await usageAmount(decision.id)).toMatchObject({ amount: 0, purchases: 1 })
  })

  it('charges a bank account the discounted amount directly', async () => {
    const decision = await authorize(
      t,
      buy(newPerson(), 2000, {
        payment_method: {
          type: 'checking',
          bank_account: { routing_number: '011000015', account_number: '123456789' },
        },
      }),
    )
    expect(decision.discounts.map((d) => [d.rule, d.percent_off, d.amount_off])).toEqual([['bank', 5, 100]])
    expect(decision.payment).toMatchObject({ kind: 'charge', status: 'captured', amount_captured: 1900 })
    expect(await usageAmount(decision.id)).toMatchObject({ amount: 1900 })
  })

  it('charges the discounted amount with automatic capture, and holds it on a stored method', async () => {
    const person = newPerson()
    const charged = await authorize(t, buy(person, 1500, { capture: 'automatic' }))
    expect(charged.payment).toMatchObject({ kind: 'charge', status: 'captured', amount_captured: 1200 })

    const listed = await ok<{ payment_methods: { id: string }[] }>(
      t.get(`/v1/payment-methods?customer_id=${person.customerId}`),
    )
    const methodId = listed.payment_methods[0]?.id ?? ''
    const stored = await authorize(t, buy(person, 1000, { payment_method: { type: 'stored', id: methodId } }))
    // paid through the card's token (after the decision commits): the hold is what the decision calls payable
    expect(stored.payment?.amount_authorized).toBe(stored.amount?.payable)
    expect(stored.amount?.requested).toBe(1000)
  })

  it('a replay with the same Idempotency-Key returns the same discounted decision and holds nothing twice', async () => {
    const body = buy(newPerson(), 2500)
    const first = await authorize(t, body, { idempotencyKey: 'disc-replay-1' })
    const again = await authorize(t, body, { idempotencyKey: 'disc-replay-1' })
    expect(again).toEqual(first)
    const holds = await t.db
      .selectFrom('payments')
      .select('amount_authorized')
      .where('tenant_id', '=', 'acme')
      .where('decision_id', '=', first.id)
      .execute()
    expect(holds.map((h) => Number(h.amount_authorized))).toEqual([2200])
  })

  it('counts the payable amount against the allowance, which judges the amount asked', async () => {
    const person = newPerson()
    // 90.00 asked, 87.00 paid: 13.00 left of 100.00
    const first = await authorize(t, buy(person, 9000))
    expect(first.amount?.payable).toBe(8700)
    const next = await authorize(t, buy(person, 1300))
    expect(next.outcome).toBe('approve')
    expect(next.limits.max_amount).toBe(1300)
    // 97.00 paid leaves 3.00: 13.00 asked does not fit, though only 10.00 would be paid
    const third = await authorize(t, buy(person, 1300))
    expect(third.outcome).toBe('limit')
    expect(third.discounts).toEqual([])
    expect(third.amount).toMatchObject({ requested: 1300, discount: 0, payable: 1300 })
    expect(third.payment ?? null).toBeNull()
  })

  it('leaves a purchase in another currency its fixed discount-free amount', async () => {
    const decision = await authorize(t, purchaseBy(newPerson(), { amount: { value: 2500, currency: 'EUR' } }))
    // a money allowance kept in USD refuses EUR: a limit, with nothing discounted
    expect(decision.outcome).toBe('limit')
    expect(decision.discounts).toEqual([])
  })
})

describe('a merchant cannot set a discount', () => {
  it('refuses a request that names its own discount or payable amount, naming the field, and stores nothing', async () => {
    const before = await countRows(t)
    const person = newPerson()
    const withDiscounts = await problemOf(
      await t.post('/v1/authorizations', {
        ...buy(person, 2500),
        discounts: [{ code: 'FREE', percent_off: 100 }],
      }),
      422,
    )
    expect(withDiscounts.errors?.map((e) => e.field)).toContain('discounts')
    const withPayable = await problemOf(
      await t.post(
        '/v1/authorizations',
        buy(person, 2500, { amount: { value: 2500, currency: 'USD', payable: 1 } }),
      ),
      422,
    )
    expect(withPayable.errors?.map((e) => e.field)).toContain('amount.payable')
    expect(await countRows(t)).toEqual(before)
    // and the card number is in no log line
    expect(t.logs.join('\n')).not.toContain(person.card)
  })
})

describe('the best discount only', () => {
  let best: TestApp
  beforeAll(async () => {
    best = await startTestApp({ ruleSet: ruleSet('best') })
  })
  afterAll(() => best.close())

  it('takes only the one worth most, and holds that', async () => {
    const decision = await authorize(
      best,
      buy(newPerson(), 5000, { items: [{ sku: 'reading-30', quantity: 3, unit_amount: 1667 }] }),
    )
    // 10 % of 50.00 = 5.00 beats 3.00 for the Visa card
    expect(decision.discounts.map((d) => [d.rule, d.amount_off])).toEqual([['basket', 500]])
    expect(decision.amount).toMatchObject({ discount: 500, payable: 4500 })
    expect(decision.payment).toMatchObject({ amount_authorized: 4500 })
  })
})

describe('a discounted session', () => {
  it('itemises the discounts on the bill and captures the discounted total', async () => {
    const started = await ok<SessionView>(t.post('/v1/sessions', sessionBody(newPerson(), 'advice')), 201)
    // the hold is not discounted: it covers the time granted
    expect(started.hold).toMatchObject({ amount: 100 + 2990 })
    // the decision grants the discount's terms; the bill reckons what it takes
    expect(started.decision.discounts).toEqual([
      {
        rule: 'visa',
        code: 'VISA',
        message: 'visa discount',
        percent_off: null,
        fixed_off: 300,
        amount_off: null,
      },
    ])
    expect(started.decision.amount ?? null).toBeNull()
    const session = await ok<SessionView>(
      t.post(`/v1/sessions/${started.id}/legs`, { party: 'representative' }),
      201,
    )
    clock.advance(90)
    await ok(t.post(`/v1/sessions/${started.id}/legs/${session.legs[0]?.id ?? ''}/end`, ''))
    const ended = await ok<SessionView>(t.post(`/v1/sessions/${started.id}/end`, { reason: 'completed' }))
    expect(ended.status).toBe('settled')
    // 90 s on 60/60 is 2 minutes at 2.99 = 5.98, with the 1.00 connect fee 6.98; the Visa card's
    // 3.00 off leaves 3.98
    expect(ended.rating).toMatchObject({ subtotal: 698, discount_total: 300, total: 398 })
    expect(ended.rating?.items).toEqual([
      { kind: 'connect_fee', description: 'Connect fee', amount: 100 },
      expect.objectContaining({ kind: 'time', amount: 598 }),
      { kind: 'discount', description: 'visa discount', amount: -300, code: 'VISA' },
    ])
    expect(ended.charge).toEqual({ amount: 398, currency: 'USD' })
    expect(ended.hold).toMatchObject({ status: 'captured' })
    const hold = await t.db
      .selectFrom('payments')
      .select(['amount_authorized', 'amount_captured'])
      .where('tenant_id', '=', 'acme')
      .where('id', '=', ended.hold?.payment_id ?? '')
      .executeTakeFirstOrThrow()
    expect([Number(hold.amount_authorized), Number(hold.amount_captured)]).toEqual([3090, 398])
  })
})

describe('Simulate', () => {
  it('shows what each discount would take off and what would be payable, writing nothing', async () => {
    const result = await ok<{
      outcome: string
      discounts: { rule: string; amount_off: number | null }[]
      amount: unknown
    }>(
      analyst.request('POST', '/admin/v1/rule-sets/authorizations/versions/1/simulate', {
        request: buy(newPerson(), 4000, { items: [{ sku: 'x', quantity: 4, unit_amount: 1000 }] }),
      }),
    )
    expect(result.outcome).toBe('approve')
    expect(result.discounts.map((d) => [d.rule, d.amount_off])).toEqual([
      ['basket', 400],
      ['visa', 300],
    ])
    expect(result.amount).toEqual({ requested: 4000, discount: 700, payable: 3300 })
  })
})

describe('Backtest', () => {
  it('replays the recorded decisions through a version with a new discount and counts where it would apply', async () => {
    const welcome = discountRule(
      'welcome',
      { fact: 'kind', operator: 'equal', value: 'purchase' },
      { percent_off: 1 },
    )
    const base = ruleSet()
    await addVersion(t, 'acme', 2, { ...base, rules: [...base.rules, welcome] })
    const day = 86_400_000
    const started = await ok<{ id: string }>(
      analyst.request('POST', '/admin/v1/rule-sets/authorizations/backtests', {
        version: 2,
        from: new Date(Date.now() - day).toISOString(),
        to: new Date(Date.now() + day).toISOString(),
      }),
      202,
    )
    await new BacktestRunner({ db: t.db }).runUntilIdle()
    const done = await ok<{ status: string; rule_hits: { rule: string; hits: number }[] }>(
      analyst.request('GET', `/admin/v1/backtests/${started.id}`),
    )
    expect(done.status).toBe('completed')
    const purchases = await t.db
      .selectFrom('decisions')
      .select('id')
      .where('tenant_id', '=', 'acme')
      .where('kind', '=', 'purchase')
      .execute()
    expect(done.rule_hits).toContainEqual({ rule: 'welcome', hits: purchases.length })
    expect(done.rule_hits.find((h) => h.rule === 'visa')?.hits).toBeGreaterThan(0)
  })
})

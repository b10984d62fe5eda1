// An approved card purchase holds its amount at the gateway; the merchant captures, voids or
// refunds it; a decline turns the decision into block or temporary_block with the reason; the
// spending allowance counts what is held or taken, never what was released.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ruleSetDefinitionSchema } from '../../rules/schema.ts'
import { paymentBooks } from '../../server/ledger/ledger.ts'
import { demoRuleSet } from '../../server/tenants/demo-rule-set.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { unbalanced } from '../support/money.ts'
import { authorize, newPerson, type Person, problemOf, purchaseBy } from './identities.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp()
})
afterAll(() => t.close())

function buy(person: Person, value: number, overrides: Record<string, unknown> = {}) {
  return purchaseBy(person, { amount: { value, currency: 'USD' }, ...overrides })
}

function withCard(person: Person, value: number, number: string, overrides: Record<string, unknown> = {}) {
  return buy(person, value, {
    payment_method: {
      type: 'card',
      card: { number, exp_month: 12, exp_year: 2030, cvc: '123' },
      billing_address: { line1: '12 Main St', postal_code: '94107', country: 'US' },
    },
    ...overrides,
  })
}

async function call(path: string, body?: unknown, idempotencyKey?: string) {
  return t.post(path, body ?? {}, idempotencyKey ? { idempotencyKey } : {})
}

async function ok(response: Response, status = 200) {
  const text = await response.text()
  expect(response.status, text).toBe(status)
  return JSON.parse(text)
}

async function usageOf(decisionId: string) {
  return t.db
    .selectFrom('usage_events')
    .select(['amount', 'voided_at'])
    .where('decision_id', '=', decisionId)
    .executeTakeFirstOrThrow()
}

describe('a purchase’s hold', () => {
  it('is placed for the approved amount, shown on the decision, captured in part and refunded', async () => {
    const decision = await authorize(t, buy(newPerson(), 2500))
    expect(decision.outcome).toBe('approve')
    expect(decision.payment).toMatchObject({
      kind: 'hold',
      status: 'authorized',
      amount_authorized: 2500,
      currency: 'USD',
    })

    const captured = await ok(await call(`/v1/authorizations/${decision.id}/capture`, { amount: 1500 }))
    expect(captured.payment).toMatchObject({ status: 'captured', amount_captured: 1500 })
    expect(captured.operation).toMatchObject({ operation: 'capture', status: 'succeeded', amount: 1500 })
    expect(Number((await usageOf(decision.id)).amount)).toBe(1500)

    const read = await ok(await t.get(`/v1/decisions/${decision.id}`))
    expect(read.payment).toMatchObject({ status: 'captured', amount_captured: 1500 })

    const refunded = await ok(
      await call(`/v1/authorizations/${decision.id}/refunds`, { amount: 500 }, 'r-1'),
      201,
    )
    expect(refunded.payment).toMatchObject({ status: 'captured', amount_refunded: 500 })
    const again = await ok(
      await call(`/v1/authorizations/${decision.id}/refunds`, { amount: 500 }, 'r-1'),
      201,
    )
    expect(again.operation.id).toBe(refunded.operation.id)
    expect(Number((await usageOf(decision.id)).amount)).toBe(1000)
    const rest = await ok(await call(`/v1/authorizations/${decision.id}/refunds`, undefined, 'r-2'), 201)
    expect(rest.payment).toMatchObject({ status: 'refunded', amount_refunded: 1500 })
    expect((await usageOf(decision.id)).voided_at).not.toBeNull()

    expect(await paymentBooks(t.db, 'acme', decision.payment?.id ?? '')).toEqual({
      held: 0,
      captured: 1500,
      refunded: 1500,
    })
    expect(await unbalanced(t.db, 'acme')).toEqual([])
  })

  it('is written with its decision, in the same transaction: the stored decision shows it from its first write', async () => {
    const person = newPerson()
    const decision = await authorize(t, buy(person, 1200))
    expect(decision.payment).toMatchObject({ kind: 'hold', status: 'authorized', amount_authorized: 1200 })
    const row = await t.db
      .selectFrom('decisions as d')
      .innerJoin('payments as p', (j) =>
        j.onRef('p.tenant_id', '=', 'd.tenant_id').onRef('p.decision_id', '=', 'd.id'),
      )
      .innerJoin('payment_methods as m', (j) =>
        j.onRef('m.tenant_id', '=', 'p.tenant_id').onRef('m.id', '=', 'p.payment_method_id'),
      )
      .select(['d.created_at as decided', 'p.created_at as held', 'd.response', 'm.gateway_token'])
      .where('d.tenant_id', '=', 'acme')
      .where('d.id', '=', decision.id)
      .executeTakeFirstOrThrow()
    // one clock reading for both, and no rewrite of the response after the commit
    expect(new Date(row.held).getTime()).toBe(new Date(row.decided).getTime())
    expect((row.response as { payment?: { id: string } }).payment?.id).toBe(decision.payment?.id)
    expect(row.gateway_token).toMatch(/^tok_sandbox_/)
    // the Payments service finds it by the key it would have used itself
    expect((await t.services.payments.byKey('acme', `${decision.id}:hold`))?.payment.id).toBe(
      decision.payment?.id,
    )
  })

  it('captures all that is held when no amount is given, once: a retry returns the same capture', async () => {
    const decision = await authorize(t, buy(newPerson(), 1200))
    const first = await ok(await call(`/v1/authorizations/${decision.id}/capture`))
    expect(first.payment).toMatchObject({ status: 'captured', amount_captured: 1200 })
    const retry = await ok(await call(`/v1/authorizations/${decision.id}/capture`))
    expect(retry.operation.id).toBe(first.operation.id)
    const voided = await problemOf(await call(`/v1/authorizations/${decision.id}/void`), 409)
    expect(voided.detail).toMatch(/captured/)
  })

  it('refuses to capture more than is held, naming the amount', async () => {
    const decision = await authorize(t, buy(newPerson(), 1000))
    const problem = await problemOf(
      await call(`/v1/authorizations/${decision.id}/capture`, { amount: 1001 }),
      422,
    )
    expect(problem.errors?.[0]?.field).toBe('amount')
    const fraction = await problemOf(
      await call(`/v1/authorizations/${decision.id}/capture`, { amount: 10.5 }),
      422,
    )
    expect(fraction.errors?.[0]?.field).toBe('amount')
    const other = await problemOf(
      await call(`/v1/authorizations/${decision.id}/capture`, { amount: 10, tip: 1 }),
      422,
    )
    expect(other.errors?.[0]?.field).toBe('tip')
  })

  it('voids a hold, and the spending allowance stops counting it', async () => {
    const person = newPerson()
    // 100.00 a month: 80.00 held leaves no room for 30.00 more …
    const first = await authorize(t, buy(person, 8000))
    expect(first.outcome).toBe('approve')
    expect((await authorize(t, buy(person, 3000))).outcome).toBe('limit')
    // … until the hold is released
    const voided = await ok(await call(`/v1/authorizations/${first.id}/void`))
    expect(voided.payment.status).toBe('voided')
    expect((await usageOf(first.id)).voided_at).not.toBeNull()
    const after = await authorize(t, buy(person, 3000))
    expect(after.outcome).toBe('approve')
  })

  it('counts only what was captured once a hold is captured in part', async () => {
    const person = newPerson()
    const first = await authorize(t, buy(person, 9000))
    await ok(await call(`/v1/authorizations/${first.id}/capture`, { amount: 2000 }))
    expect((await authorize(t, buy(person, 7500))).outcome).toBe('approve')
  })

  it('charges at once when the merchant asks for automatic capture', async () => {
    const automatic = await authorize(t, buy(newPerson(), 1999, { capture: 'automatic' }))
    expect(automatic.payment).toMatchObject({ kind: 'charge', status: 'captured', amount_captured: 1999 })
    await problemOf(await call(`/v1/authorizations/${automatic.id}/capture`), 409)

    // checking / EFT is charged directly too: test/api/external-verification.test.ts (it needs the check approval sandbox)
  })

  it('keeps the card’s token, so a returning customer pays with the stored method by id', async () => {
    const person = newPerson()
    const first = await authorize(t, buy(person, 1000))
    expect(first.payment?.status).toBe('authorized')
    const listed = await ok(await t.get(`/v1/payment-methods?customer_id=${person.customerId}`))
    expect(listed.payment_methods).toHaveLength(1)
    const methodId = listed.payment_methods[0].id as string
    const again = await authorize(t, buy(person, 700, { payment_method: { type: 'stored', id: methodId } }))
    expect(again.outcome).toBe('approve')
    expect(again.payment).toMatchObject({ kind: 'hold', status: 'authorized', amount_authorized: 700 })
    const payment = await t.db
      .selectFrom('payments')
      .select(['payment_method_id', 'gateway_reference'])
      .where('id', '=', again.payment?.id ?? '')
      .executeTakeFirstOrThrow()
    expect(payment.payment_method_id).toBe(methodId)
    expect(payment.gateway_reference).toMatch(/^pi_sandbox_/)
  })

  it('is another tenant’s business: 404', async () => {
    const decision = await authorize(t, buy(newPerson(), 1000))
    await problemOf(await t.post(`/v1/authorizations/${decision.id}/capture`, {}, { key: t.otherKey }), 404)
    await problemOf(await t.post(`/v1/authorizations/${decision.id}/void`, {}, { key: t.otherKey }), 404)
    await problemOf(await call('/v1/authorizations/dec_nope/capture'), 404)
    const bad = await problemOf(await call('/v1/authorizations/NOT-AN-ID/void'), 422)
    expect(bad.errors?.[0]?.field).toBe('id')
    const read = await ok(await t.get(`/v1/decisions/${decision.id}`))
    expect(read.payment.status).toBe('authorized')
  })

  it('refuses an Idempotency-Key used for another purchase’s capture', async () => {
    const a = await authorize(t, buy(newPerson(), 1000))
    const b = await authorize(t, buy(newPerson(), 1000))
    await ok(await call(`/v1/authorizations/${a.id}/capture`, {}, 'cap-1'))
    await problemOf(await call(`/v1/authorizations/${b.id}/capture`, {}, 'cap-1'), 422)
  })
})

describe('a gateway decline', () => {
  it.each([
    ['4000000000000002', 'generic_decline', 'block'],
    ['4000000000000069', 'expired_card', 'block'],
    ['4000000000009995', 'insufficient_funds', 'temporary_block'],
    ['4000000000000127', 'incorrect_cvc', 'temporary_block'],
    ['4000000000000036', 'incorrect_zip', 'temporary_block'],
    ['4000000000000119', 'processing_error', 'temporary_block'],
  ])('%s (%s) turns the approval into %s, stored, counting nothing', async (number, code, outcome) => {
    const key = `decline-${number}`
    const decision = await authorize(t, withCard(newPerson(), 1500, number), { idempotencyKey: key })
    expect(decision.outcome).toBe(outcome)
    expect(decision.reasons.at(-1)).toMatchObject({ rule: 'payment', reason_code: `payment.${code}` })
    expect(decision.payment).toMatchObject({ status: 'failed', failure_code: code })
    expect(decision.limits.max_amount).toBeNull()
    const replay = await authorize(t, withCard(newPerson(), 1500, number), { idempotencyKey: key }).catch(
      () => null,
    )
    // a replay needs the same body: send the first one again
    expect(replay === null || replay.id !== decision.id).toBe(true)
    const stored = await t.db
      .selectFrom('decisions')
      .select(['outcome', 'response'])
      .where('id', '=', decision.id)
      .executeTakeFirstOrThrow()
    expect(stored.outcome).toBe(outcome)
    expect((stored.response as { outcome: string }).outcome).toBe(outcome)
    expect((await usageOf(decision.id)).voided_at).not.toBeNull()
    await problemOf(await call(`/v1/authorizations/${decision.id}/capture`), 409)
  })

  it('replays a declined decision as declined', async () => {
    const body = withCard(newPerson(), 700, '4000000000009995')
    const first = await authorize(t, body, { idempotencyKey: 'nsf-replay' })
    const response = await t.post('/v1/authorizations', body, { idempotencyKey: 'nsf-replay' })
    expect(response.headers.get('idempotent-replayed')).toBe('true')
    const replay = (await response.json()) as typeof first
    expect(replay).toEqual(first)
    expect(replay.outcome).toBe('temporary_block')
  })

  it('no answer from the gateway: a temporary block now, and the hold it may have placed is released', async () => {
    const decision = await authorize(t, withCard(newPerson(), 1100, '4000000000009979'))
    expect(decision.outcome).toBe('temporary_block')
    expect(decision.payment?.status).toBe('unknown')
    expect(decision.reasons.at(-1)?.reason_code).toBe('payment.no_answer')
    await t.services.paymentReconciler.sweep(new Date(Date.now() + 60_000))
    const read = await ok(await t.get(`/v1/decisions/${decision.id}`))
    expect(read.payment.status).toBe('voided')
    expect(read.outcome).toBe('temporary_block')
    expect(await unbalanced(t.db, 'acme')).toEqual([])
  })
})

describe('a rule set that says what declines become', () => {
  let own: TestApp
  beforeAll(async () => {
    own = await startTestApp({
      ruleSet: {
        ...demoRuleSet,
        settings: {
          ...demoRuleSet.settings,
          payment_declines: { insufficient_funds: 'block', generic_decline: 'temporary_block' },
        },
      },
    })
  })
  afterAll(() => own.close())

  it.each([
    ['4000000000009995', 'insufficient_funds', 'block'],
    ['4000000000000002', 'generic_decline', 'temporary_block'],
    // not named in the setting: the default stands
    ['4000000000000069', 'expired_card', 'block'],
    ['4000000000000127', 'incorrect_cvc', 'temporary_block'],
  ])('%s (%s) becomes %s', async (number, code, outcome) => {
    const decision = await authorize(own, withCard(newPerson(), 900, number))
    expect(decision.outcome).toBe(outcome)
    expect(decision.reasons.at(-1)).toMatchObject({ rule: 'payment', reason_code: `payment.${code}` })
  })

  it('refuses a code no gateway gives, naming it', async () => {
    const definition = {
      ...demoRuleSet,
      settings: { ...demoRuleSet.settings, payment_declines: { stolen_card: 'block' } },
    }
    expect(ruleSetDefinitionSchema.safeParse(definition).success).toBe(false)
  })
})

// The Payments service: every money call written down first, sent with a key, booked on the
// ledger with its webhook in one transaction; retries never move money twice; calls whose answer
// never came are settled by the reconciler, and nothing stays unknown forever.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { accounts, paymentBooks } from '../../server/ledger/ledger.ts'
import { createLogger } from '../../server/logging.ts'
import { PaymentError, type PaymentOutcome, Payments } from '../../server/payments/payments.ts'
import { GatewayUnavailable, type MoneyGateway } from '../../server/payments/port.ts'
import { PaymentReconciler } from '../../server/payments/reconciler.ts'
import { createSandboxMoneyGateway } from '../../server/payments/sandbox-gateway.ts'
import { createEndpoint } from '../../server/webhooks/webhooks.ts'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'
import { bankAccount, card, unbalanced } from '../support/money.ts'

const tenantId = 'acme'
let database: TestDatabase
let clock = new Date('2026-12-05T21:00:00Z')
const now = () => clock
const logger = createLogger('silent')

/** The sandbox, with a switch that makes chosen calls go unanswered (after the gateway acted, or before). */
const outage = { calls: new Set<string>(), before: false }
function flakyGateway(): MoneyGateway {
  const sandbox = createSandboxMoneyGateway({ db: database.db, account: tenantId, now, noAnswerDelayMs: 10 })
  const wrap =
    <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (!outage.calls.has(name)) return fn(...args)
      if (outage.before) throw new GatewayUnavailable(`${name}: connection refused`)
      await fn(...args)
      throw new GatewayUnavailable(`${name}: timed out`)
    }
  return {
    name: sandbox.name,
    incrementalAuthorization: true,
    authorize: wrap('authorize', sandbox.authorize),
    capture: wrap('capture', sandbox.capture),
    void: wrap('void', sandbox.void),
    refund: wrap('refund', sandbox.refund),
    charge: wrap('charge', sandbox.charge),
    increment: wrap('increment', sandbox.increment),
    find: sandbox.find,
  }
}

let payments: Payments
let reconciler: PaymentReconciler

beforeAll(async () => {
  database = await createTestDatabase()
  await createEndpoint(database.db, 'test-secret', tenantId, {
    url: 'http://127.0.0.1:9/hooks',
    events: ['payment.captured', 'payment.voided', 'payment.refunded', 'payment.failed'],
    description: 'payments',
    createdBy: null,
  })
  const gateway = flakyGateway()
  payments = new Payments({ db: database.db, gatewayFor: async () => gateway, logger, now, maxAttempts: 3 })
  reconciler = new PaymentReconciler({ db: database.db, payments, logger, now })
})
afterAll(() => database.close())
beforeEach(() => {
  outage.calls.clear()
  outage.before = false
})

let n = 0
const key = (what = 'k') => `${what}-${++n}`

function hold(amount: number, number = '4242424242424242', k = key('hold')) {
  return payments.hold({
    tenantId,
    amount,
    currency: 'USD',
    source: card(number),
    key: k,
    sessionId: 'ses_1',
  })
}

async function events(paymentId: string) {
  const rows = await database.db
    .selectFrom('webhook_deliveries')
    .select(['event_type', 'body'])
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at')
    .execute()
  return rows.filter((r) => r.body.includes(paymentId)).map((r) => r.event_type)
}

async function ledgerKinds(paymentId: string) {
  const rows = await database.db
    .selectFrom('ledger_entries')
    .select(['kind', 'transaction_id'])
    .where('tenant_id', '=', tenantId)
    .where('payment_id', '=', paymentId)
    .orderBy('id')
    .execute()
  return [...new Map(rows.map((r) => [r.transaction_id, r.kind])).values()]
}

async function gatewayHolds() {
  return database.db.selectFrom('sandbox_gateway_payments').select('reference').execute()
}

function expectBooks(outcome: PaymentOutcome, books: { held: number; captured: number; refunded: number }) {
  return expect(paymentBooks(database.db, tenantId, outcome.payment.id)).resolves.toEqual(books)
}

describe('a hold, captured in part', () => {
  it('holds, captures what was used, releases the rest, and books each step', async () => {
    const held = await hold(5000)
    expect(held.payment).toMatchObject({
      kind: 'hold',
      status: 'authorized',
      amount_authorized: 5000,
      gateway: 'sandbox',
    })
    expect(held.operation).toMatchObject({ operation: 'authorize', status: 'succeeded', attempts: 1 })
    expect(held.payment.expires_at).not.toBeNull()
    await expectBooks(held, { held: 5000, captured: 0, refunded: 0 })

    const captured = await payments.capture(tenantId, held.payment.id, 1800)
    expect(captured.payment).toMatchObject({ status: 'captured', amount_captured: 1800, expires_at: null })
    await expectBooks(captured, { held: 0, captured: 1800, refunded: 0 })
    expect(await ledgerKinds(held.payment.id)).toEqual(['hold', 'capture', 'release'])
    expect(await events(held.payment.id)).toEqual(['payment.captured'])

    const refunded = await payments.refund(tenantId, held.payment.id, 800, { key: key('refund') })
    expect(refunded.payment).toMatchObject({ status: 'captured', amount_refunded: 800 })
    const all = await payments.refund(tenantId, held.payment.id, 1000, { key: key('refund') })
    expect(all.payment.status).toBe('refunded')
    await expectBooks(all, { held: 0, captured: 1800, refunded: 1800 })
    expect(await events(held.payment.id)).toEqual([
      'payment.captured',
      'payment.refunded',
      'payment.refunded',
    ])
    expect(await unbalanced(database.db, tenantId)).toEqual([])
  })

  it('voids a hold in full', async () => {
    const held = await hold(3000)
    const voided = await payments.void(tenantId, held.payment.id)
    expect(voided.payment.status).toBe('voided')
    await expectBooks(voided, { held: 0, captured: 0, refunded: 0 })
    expect(await ledgerKinds(held.payment.id)).toEqual(['hold', 'reversal'])
    expect(await events(held.payment.id)).toEqual(['payment.voided'])
  })

  it('raises a hold, then captures all of it', async () => {
    const held = await hold(1000)
    const raised = await payments.increment(tenantId, held.payment.id, 2500)
    expect(raised.payment).toMatchObject({ status: 'authorized', amount_authorized: 2500 })
    await expectBooks(raised, { held: 2500, captured: 0, refunded: 0 })
    const captured = await payments.capture(tenantId, held.payment.id, 2500)
    await expectBooks(captured, { held: 0, captured: 2500, refunded: 0 })
    expect(await ledgerKinds(held.payment.id)).toEqual(['hold', 'hold_increment', 'capture'])
  })

  it('refuses what the payment cannot do, before asking the gateway', async () => {
    const held = await hold(1000)
    const refused = async (p: Promise<unknown>, code: string) => {
      const err = await p.then(
        () => null,
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(PaymentError)
      expect((err as PaymentError).code).toBe(code)
    }
    await refused(payments.capture(tenantId, held.payment.id, 1001), 'invalid_amount')
    await refused(payments.capture(tenantId, held.payment.id, 0), 'invalid_amount')
    await refused(payments.capture(tenantId, held.payment.id, 12.5), 'invalid_amount')
    await refused(payments.refund(tenantId, held.payment.id, 10), 'invalid_state')
    await refused(payments.increment(tenantId, held.payment.id, 900), 'invalid_amount')
    await refused(payments.capture('globex', held.payment.id, 10), 'not_found')
    await refused(payments.capture(tenantId, 'pay_nope', 10), 'not_found')
    await refused(
      payments.hold({ tenantId, amount: -5, currency: 'USD', source: card('4242424242424242'), key: key() }),
      'invalid_amount',
    )
    expect(await payments.operations(tenantId, held.payment.id)).toHaveLength(1)
    await payments.void(tenantId, held.payment.id)
    await refused(payments.capture(tenantId, held.payment.id, 10), 'invalid_state')
    await refused(payments.void(tenantId, held.payment.id, { key: key('void') }), 'invalid_state')
  })
})

describe('direct charges', () => {
  it('charges a card at once (automatic capture)', async () => {
    const charged = await payments.charge({
      tenantId,
      amount: 2500,
      currency: 'USD',
      source: card('4242424242424242'),
      key: key('charge'),
    })
    expect(charged.payment).toMatchObject({ kind: 'charge', status: 'captured', amount_captured: 2500 })
    await expectBooks(charged, { held: 0, captured: 2500, refunded: 0 })
    expect(await ledgerKinds(charged.payment.id)).toEqual(['charge'])
    expect(await events(charged.payment.id)).toEqual(['payment.captured'])
  })

  it('charges a checking account directly, with no hold (EFT)', async () => {
    const charged = await payments.charge({
      tenantId,
      amount: 1299,
      currency: 'USD',
      source: bankAccount('000123456789'),
      key: key('eft'),
    })
    expect(charged.payment).toMatchObject({ status: 'captured', amount_captured: 1299 })
    const nsf = await payments.charge({
      tenantId,
      amount: 1299,
      currency: 'USD',
      source: bankAccount('000111110002'),
      key: key('eft'),
    })
    expect(nsf.payment).toMatchObject({ status: 'failed', failure_code: 'insufficient_funds' })
  })

  it('keeps amounts in the currency’s minor units (JPY has none, BHD has three)', async () => {
    const yen = await payments.charge({
      tenantId,
      amount: 3000,
      currency: 'JPY',
      source: card('4242424242424242'),
      key: key(),
    })
    const dinar = await payments.charge({
      tenantId,
      amount: 12345,
      currency: 'BHD',
      source: card('4242424242424242'),
      key: key(),
    })
    expect(yen.payment.amount_captured).toBe(3000)
    expect(dinar.payment.amount_captured).toBe(12345)
    const currencies = await database.db
      .selectFrom('ledger_entries')
      .select('currency')
      .where('payment_id', 'in', [yen.payment.id, dinar.payment.id])
      .execute()
    expect(new Set(currencies.map((c) => c.currency))).toEqual(new Set(['JPY', 'BHD']))
  })
})

describe('declines', () => {
  it.each([
    ['4000000000000002', 'generic_decline'],
    ['4000000000009995', 'insufficient_funds'],
    ['4000000000000127', 'incorrect_cvc'],
    ['4000000000000036', 'incorrect_zip'],
    ['4000000000000069', 'expired_card'],
    ['4000000000000119', 'processing_error'],
  ])('%s: the hold fails with %s, nothing is booked, payment.failed is sent', async (number, code) => {
    const declined = await hold(1000, number)
    expect(declined.payment).toMatchObject({ status: 'failed', failure_code: code })
    expect(declined.operation).toMatchObject({ status: 'declined', decline_code: code })
    expect(await ledgerKinds(declined.payment.id)).toEqual([])
    expect(await events(declined.payment.id)).toEqual(['payment.failed'])
  })

  it('a lapsed hold cannot be captured: the payment expires and the hold leaves the books', async () => {
    const held = await hold(4000)
    clock = new Date(clock.getTime() + 8 * 24 * 3600 * 1000)
    // Tollgate still thinks it authorized (the sweep has not run): the gateway says it lapsed
    const late = await payments.capture(tenantId, held.payment.id, 100)
    expect(late.operation).toMatchObject({ status: 'declined', decline_code: 'authorization_expired' })
    expect(late.payment.status).toBe('expired')
    expect(await ledgerKinds(held.payment.id)).toEqual(['hold', 'release'])
    expect(await events(held.payment.id)).toEqual(['payment.failed'])
    await expectBooks(held, { held: 0, captured: 0, refunded: 0 })
  })

  it('the reconciler lapses holds past their expiry and releases them on the books', async () => {
    const held = await hold(600)
    clock = new Date(clock.getTime() + 8 * 24 * 3600 * 1000)
    await reconciler.sweep(clock)
    expect((await payments.get(tenantId, held.payment.id))?.status).toBe('expired')
    await expectBooks(held, { held: 0, captured: 0, refunded: 0 })
    expect(await ledgerKinds(held.payment.id)).toEqual(['hold', 'release'])
  })
})

describe('idempotent retries', () => {
  it('every call retried with its key returns the same operation and moves nothing twice', async () => {
    const k = key('hold')
    const before = (await gatewayHolds()).length
    const [a, b] = await Promise.all([hold(2000, '4242424242424242', k), hold(2000, '4242424242424242', k)])
    const c = await hold(2000, '4242424242424242', k)
    expect(b.payment.id).toBe(a.payment.id)
    expect(c.operation.id).toBe(a.operation.id)
    expect((await gatewayHolds()).length).toBe(before + 1)

    const id = a.payment.id
    const capture1 = await payments.capture(tenantId, id, 1500, { key: `${id}:capture` })
    const capture2 = await payments.capture(tenantId, id, 1500, { key: `${id}:capture` })
    expect(capture2.operation.id).toBe(capture1.operation.id)
    const refundKey = key('refund')
    await payments.refund(tenantId, id, 500, { key: refundKey })
    const again = await payments.refund(tenantId, id, 500, { key: refundKey })
    expect(again.payment.amount_refunded).toBe(500)
    await expectBooks(a, { held: 0, captured: 1500, refunded: 500 })
    expect(await events(id)).toEqual(['payment.captured', 'payment.refunded'])

    const voidHold = await hold(100)
    const v1 = await payments.void(tenantId, voidHold.payment.id)
    const v2 = await payments.void(tenantId, voidHold.payment.id)
    expect(v2.operation.id).toBe(v1.operation.id)

    const chargeKey = key('charge')
    const ch1 = await payments.charge({
      tenantId,
      amount: 50,
      currency: 'USD',
      source: card('4242424242424242'),
      key: chargeKey,
    })
    const ch2 = await payments.charge({
      tenantId,
      amount: 50,
      currency: 'USD',
      source: card('4242424242424242'),
      key: chargeKey,
    })
    expect(ch2.payment.id).toBe(ch1.payment.id)
    await expectBooks(ch1, { held: 0, captured: 50, refunded: 0 })

    const inc = await hold(100)
    const i1 = await payments.increment(tenantId, inc.payment.id, 300)
    const i2 = await payments.increment(tenantId, inc.payment.id, 300)
    expect(i2.operation.id).toBe(i1.operation.id)
    await expectBooks(inc, { held: 300, captured: 0, refunded: 0 })
    expect(await unbalanced(database.db, tenantId)).toEqual([])
  })

  it('refuses a key reused for a different call', async () => {
    const k = key('hold')
    const held = await hold(1000, '4242424242424242', k)
    await expect(hold(1200, '4242424242424242', k)).rejects.toMatchObject({ code: 'key_reused' })
    await expect(payments.capture(tenantId, held.payment.id, 10, { key: k })).rejects.toMatchObject({
      code: 'key_reused',
    })
  })

  it('a second caller cannot capture a payment the first is capturing with another key', async () => {
    const held = await hold(1000)
    const results = await Promise.allSettled([
      payments.capture(tenantId, held.payment.id, 400, { key: key('a') }),
      payments.capture(tenantId, held.payment.id, 600, { key: key('b') }),
    ])
    const done = results.filter((r) => r.status === 'fulfilled' && r.value.operation.status === 'succeeded')
    expect(done).toHaveLength(1)
    const payment = await payments.get(tenantId, held.payment.id)
    await expectBooks(held, { held: 0, captured: payment?.amount_captured ?? -1, refunded: 0 })
  })
})

describe('answers that never come', () => {
  it('the no-answer card leaves the hold unknown; the reconciler finds it and releases it', async () => {
    const before = (await gatewayHolds()).length
    const lost = await hold(900, '4000000000009979')
    expect(lost.payment.status).toBe('unknown')
    expect(lost.operation.status).toBe('unknown')
    expect((await gatewayHolds()).length).toBe(before + 1)

    // not before its backoff
    expect((await reconciler.sweep(clock)).operations).toBe(0)
    clock = new Date(clock.getTime() + 60_000)
    await reconciler.sweep(clock)
    const found = await payments.get(tenantId, lost.payment.id)
    // the caller was told "unknown" and went on without it, so the hold the gateway placed is released
    expect(found?.status).toBe('voided')
    await expectBooks(lost, { held: 0, captured: 0, refunded: 0 })
    expect(await ledgerKinds(lost.payment.id)).toEqual(['hold', 'reversal'])
    expect(
      (await payments.operations(tenantId, lost.payment.id)).map((o) => [o.operation, o.status]),
    ).toEqual([
      ['authorize', 'succeeded'],
      ['void', 'succeeded'],
    ])
  })

  it('the caller retrying with its key learns what the gateway did', async () => {
    const k = key('hold')
    const lost = await hold(900, '4000000000009979', k)
    expect(lost.payment.status).toBe('unknown')
    const retried = await hold(900, '4000000000009979', k)
    expect(retried.payment).toMatchObject({
      id: lost.payment.id,
      status: 'authorized',
      amount_authorized: 900,
    })
    expect(retried.operation.attempts).toBe(2)
  })

  it('a capture whose answer was lost is settled by the reconciler, captured once', async () => {
    const held = await hold(2000)
    outage.calls.add('capture')
    const lost = await payments.capture(tenantId, held.payment.id, 1200)
    expect(lost.payment.status).toBe('unknown')
    expect(lost.operation.status).toBe('unknown')
    await expectBooks(held, { held: 2000, captured: 0, refunded: 0 })
    outage.calls.clear()
    clock = new Date(clock.getTime() + 60_000)
    await reconciler.sweep(clock)
    const settled = await payments.get(tenantId, held.payment.id)
    expect(settled).toMatchObject({ status: 'captured', amount_captured: 1200 })
    await expectBooks(held, { held: 0, captured: 1200, refunded: 0 })
    expect(await events(held.payment.id)).toEqual(['payment.captured'])
  })

  it('after its last try an operation is failed and announced, never left unknown', async () => {
    const held = await hold(2000)
    outage.calls.add('void')
    outage.before = true
    const lost = await payments.void(tenantId, held.payment.id)
    expect(lost.operation.status).toBe('unknown')
    for (let i = 0; i < 4; i++) {
      clock = new Date(clock.getTime() + 3_600_000)
      await reconciler.sweep(clock)
    }
    const [, voidOperation] = await payments.operations(tenantId, held.payment.id)
    expect(voidOperation).toMatchObject({
      operation: 'void',
      status: 'failed',
      attempts: 3,
      decline_code: 'no_answer',
    })
    // the void never reached the gateway, so the hold is still there, and the payment says so
    expect((await payments.get(tenantId, held.payment.id))?.status).toBe('authorized')
    await expectBooks(held, { held: 2000, captured: 0, refunded: 0 })
    expect(await events(held.payment.id)).toEqual(['payment.failed'])
    const open = await database.db
      .selectFrom('payment_operations')
      .select('id')
      .where('status', 'in', ['pending', 'unknown'])
      .where('payment_id', '=', held.payment.id)
      .execute()
    expect(open).toEqual([])
  })

  it('a hold the gateway never received fails; nothing was held', async () => {
    outage.calls.add('authorize')
    outage.before = true
    const lost = await hold(700)
    expect(lost.payment.status).toBe('unknown')
    outage.calls.clear()
    clock = new Date(clock.getTime() + 60_000)
    await reconciler.sweep(clock)
    const settled = await payments.get(tenantId, lost.payment.id)
    expect(settled).toMatchObject({ status: 'failed', failure_code: 'never_received' })
    await expectBooks(lost, { held: 0, captured: 0, refunded: 0 })
    expect(await unbalanced(database.db, tenantId)).toEqual([])
  })
})

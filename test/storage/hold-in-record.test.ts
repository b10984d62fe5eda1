// A purchase's hold written with its decision (server/payments/hold-in-record.ts) through the decision
// store's batches, on PGlite and on PostgreSQL: the sandbox's own rows, the payment, its answered
// operation and its ledger entries commit with the decision or not at all; the payment points at
// the customer's payment method row of the same statement (new or known), whose token is kept; and
// the Payments service sees the hold as if it had placed it itself (capture, replay by key).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { batchedDecisionStore } from '../../server/decision-store/batcher.ts'
import type { DecisionRecord, DecisionStore, RecordRow } from '../../server/decision-store/store.ts'
import { accountBalance, accounts } from '../../server/ledger/ledger.ts'
import { lockKey } from '../../server/locks.ts'
import { createLogger } from '../../server/logging.ts'
import { holdInRecord } from '../../server/payments/hold-in-record.ts'
import { Payments } from '../../server/payments/payments.ts'
import type { PaymentSource } from '../../server/payments/port.ts'
import { createSandboxMoneyGateway } from '../../server/payments/sandbox-gateway.ts'
import { createTenant } from '../../server/tenants/tenants.ts'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'

let database: TestDatabase
let store: DecisionStore
let payments: Payments
const sandbox = () => createSandboxMoneyGateway({ db: database.db, account: 'holds' })

beforeAll(async () => {
  database = await createTestDatabase()
  await createTenant(database.db, { tenantId: 'holds', name: 'Holds', timeZone: 'UTC' })
  store = batchedDecisionStore(database.db)
  payments = new Payments({
    db: database.db,
    gatewayFor: async () => sandbox(),
    logger: createLogger('warn'),
  })
})
afterAll(() => database.close())

const card = (number: string): PaymentSource => ({
  type: 'card',
  card: { number, exp_month: 12, exp_year: 2030, cvc: '123', holder_name: null },
  billing_address: { line1: '1 Main St', postal_code: '94107', country: 'US' },
})

let serial = 0
/** An approved purchase's record by one customer paying with one card, with its hold when it can have one. */
function purchase(customerId: string, fingerprint: string, number = '4242424242424242', amount = 1500) {
  const id = `dec_hold${++serial}`
  const now = new Date()
  const hold = holdInRecord(sandbox(), {
    tenantId: 'holds',
    decisionId: id,
    customerId,
    amount,
    currency: 'USD',
    source: card(number),
    now,
  })
  const method: RecordRow<'paymentMethod'> = {
    tenant_id: 'holds',
    id: `pm_${id}`,
    customer_id: customerId,
    type: 'card',
    fingerprint,
    bin: '424242',
    last4: number.slice(-4),
    brand: 'visa',
    exp_month: 12,
    exp_year: 2030,
    billing_postal_code: '94107',
    created_at: now,
    last_used_at: now,
    gateway: hold?.token?.gateway ?? null,
    gateway_token: hold?.token?.token ?? null,
  }
  const record: DecisionRecord = {
    decision: {
      tenant_id: 'holds',
      id,
      created_at: now,
      kind: 'purchase',
      channel: 'web',
      outcome: 'approve',
      customer_id: customerId,
      amount_value: amount,
      currency: 'USD',
      rule_set_id: null,
      rule_set_version: null,
      request: { kind: 'purchase' },
      facts: [],
      fired_rules: [],
      response: { id, outcome: 'approve', payment: hold?.view ?? null },
      idempotency_key: null,
      request_hash: null,
      evaluation_micros: 1,
    },
    customer: {
      created: { tenant_id: 'holds', id: customerId, external_id: null, created_at: now, last_seen_at: now },
      seen: null,
      identifiers: [],
    },
    paymentMethod: method,
    review: null,
    providerCalls: [],
    mismatch: null,
    verification: null,
    purchaseLimit: null,
    usage: null,
    hold: hold?.record ?? null,
  }
  return { id, record, hold }
}

const paymentOf = (decisionId: string) =>
  database.db
    .selectFrom('payments')
    .selectAll()
    .where('tenant_id', '=', 'holds')
    .where('decision_id', '=', decisionId)
    .executeTakeFirst()

describe('a hold written with its decision', () => {
  it('commits the sandbox hold, the payment, its operation and ledger entries with the decision', async () => {
    const { id, record, hold } = purchase('cus_h1', 'pmf_h1')
    expect(hold).not.toBeNull()
    await store.run([lockKey('holds', 'customer:h1')], async (t) => t.record(record))

    const payment = await paymentOf(id)
    expect(payment).toMatchObject({
      kind: 'hold',
      status: 'authorized',
      gateway: 'sandbox',
      payment_method_id: `pm_${id}`,
      customer_id: 'cus_h1',
    })
    expect(Number(payment?.amount_authorized)).toBe(1500)
    const [operation] = await payments.operations('holds', payment?.id ?? '')
    expect(operation).toMatchObject({
      operation: 'authorize',
      status: 'succeeded',
      idempotency_key: `${id}:hold`,
    })
    // the sandbox knows the hold by the operation's id, as if it had been called with it
    expect(await sandbox().find({ idempotencyKey: operation?.id ?? '' })).toMatchObject({
      status: 'succeeded',
      reference: payment?.gateway_reference,
      amount_authorized: 1500,
    })
    expect(await accountBalance(database.db, 'holds', accounts.holds, 'USD', payment?.id)).toBe(1500)
    expect(await accountBalance(database.db, 'holds', accounts.holdsOffset, 'USD', payment?.id)).toBe(-1500)
    const method = await database.db
      .selectFrom('payment_methods')
      .select(['gateway', 'gateway_token'])
      .where('id', '=', `pm_${id}`)
      .executeTakeFirstOrThrow()
    expect(method).toEqual({ gateway: 'sandbox', gateway_token: hold?.token?.token })

    // Payments takes it from there: the hold is captured through the sandbox, and the key finds it
    expect((await payments.byKey('holds', `${id}:hold`))?.payment.id).toBe(payment?.id)
    const captured = await payments.capture('holds', payment?.id ?? '', 1000)
    expect(captured.payment).toMatchObject({ status: 'captured', amount_captured: 1000 })
  })

  it('points a known card’s payment at the row it already had, and keeps its new token', async () => {
    const first = purchase('cus_h2', 'pmf_h2')
    await store.run([lockKey('holds', 'customer:h2')], async (t) => t.record(first.record))
    const again = purchase('cus_h2', 'pmf_h2')
    again.record.customer = null
    await store.run([lockKey('holds', 'customer:h2')], async (t) => t.record(again.record))
    const payment = await paymentOf(again.id)
    expect(payment?.payment_method_id).toBe(`pm_${first.id}`)
    const method = await database.db
      .selectFrom('payment_methods')
      .select('gateway_token')
      .where('id', '=', `pm_${first.id}`)
      .executeTakeFirstOrThrow()
    expect(method.gateway_token).toBe(again.hold?.token?.token)
  })

  it('gives each decision of a batch its own payment method', async () => {
    const many = Array.from({ length: 6 }, (_, i) => purchase(`cus_b${i}`, `pmf_b${i}`))
    await Promise.all(
      many.map(({ record }, i) =>
        store.run([lockKey('holds', `customer:b${i}`)], async (t) => t.record(record)),
      ),
    )
    for (const { id } of many) expect((await paymentOf(id))?.payment_method_id).toBe(`pm_${id}`)
  })

  it('writes neither the gateway’s hold nor Tollgate’s operation when the record is refused', async () => {
    const { id, record } = purchase('cus_h3', 'pmf_h3')
    // a decision row whose id is taken: the whole record, hold included, is refused
    const taken = purchase('cus_h4', 'pmf_h4')
    await store.run([lockKey('holds', 'customer:h4')], async (t) => t.record(taken.record))
    record.decision.id = taken.id
    await expect(
      store.run([lockKey('holds', 'customer:h3')], async (t) => t.record(record)),
    ).rejects.toMatchObject({ code: '23505' })
    expect(await paymentOf(id)).toBeUndefined()
    const reference = record.hold?.gateway.payment.reference ?? ''
    const gatewayRows = await database.db
      .selectFrom('sandbox_gateway_payments')
      .select('reference')
      .where('reference', '=', reference)
      .execute()
    expect(gatewayRows).toEqual([])
  })

  it('leaves to the three steps what the sandbox cannot answer in the record', () => {
    // a decline, and the card whose answer never comes
    expect(purchase('cus_d1', 'pmf_d1', '4000000000000002').hold).toBeNull()
    expect(purchase('cus_d2', 'pmf_d2', '4000000000009979').hold).toBeNull()
    const token = holdInRecord(sandbox(), {
      tenantId: 'holds',
      decisionId: 'dec_token',
      customerId: null,
      amount: 100,
      currency: 'USD',
      source: { type: 'token', token: 'tok_sandbox_x' },
      now: new Date(),
    })
    expect(token).toBeNull()
  })
})

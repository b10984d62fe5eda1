// The offers' ledger over real tables, the real Payments service and the sandbox gateway: stock and
// credit reserved before an offer is made (and skipped, with the stock given back, when either
// fails); accepted, declined and expired exactly once — the payment operations and the stock counted,
// not assumed; two customers racing for the last unit; what a crash or a silent gateway leaves behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { paymentBooks } from '../../server/ledger/ledger.ts'
import { createLogger } from '../../server/logging.ts'
import { DatabaseOfferLedger } from '../../server/offers/ledger.ts'
import { OfferSweeper } from '../../server/offers/sweeper.ts'
import type { OfferMade, ReserveOutcome } from '../../server/offers/types.ts'
import { Payments } from '../../server/payments/payments.ts'
import { GatewayUnavailable, type MoneyGateway } from '../../server/payments/port.ts'
import { PaymentReconciler } from '../../server/payments/reconciler.ts'
import { createSandboxMoneyGateway } from '../../server/payments/sandbox-gateway.ts'
import { createTenant } from '../../server/tenants/tenants.ts'
import { createEndpoint } from '../../server/webhooks/webhooks.ts'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'
import { unbalanced } from '../support/money.ts'
import { reserveRequest, seedCustomer, seedOffer, seedTreatment } from './support.ts'

const tenantId = 'acme'
const logger = createLogger('silent')
let database: TestDatabase
let clock = new Date('2026-12-07T10:00:00Z')
const now = () => clock
let ledger: DatabaseOfferLedger
let payments: Payments

beforeAll(async () => {
  database = await createTestDatabase()
  for (const id of ['acme', 'globex']) await createTenant(database.db, { tenantId: id, name: id })
  await createEndpoint(database.db, 'test-secret', tenantId, {
    url: 'http://127.0.0.1:9/hooks',
    events: ['offer.accepted', 'offer.expired'],
    description: 'offers',
    createdBy: null,
  })
  const gateways = new Map(
    ['acme', 'globex'].map((account) => [
      account,
      createSandboxMoneyGateway({ db: database.db, account, now, noAnswerDelayMs: 10 }),
    ]),
  )
  const gatewayFor = async (id: string) => {
    const gateway = gateways.get(id)
    if (!gateway) throw new Error(`no gateway for ${id}`)
    return gateway
  }
  payments = new Payments({ db: database.db, gatewayFor, logger, now })
  ledger = new DatabaseOfferLedger({ db: database.db, payments, gatewayFor, logger, now })
})
afterAll(() => database.close())

function made(outcome: ReserveOutcome): OfferMade {
  if (!outcome.made) throw new Error(`expected an offer made, got ${outcome.reason}: ${outcome.message}`)
  return outcome.offer
}

async function stock(offerId: string) {
  return database.db
    .selectFrom('offers')
    .select(['stock_on_hand', 'stock_reserved'])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', offerId)
    .executeTakeFirstOrThrow()
}

async function operations(paymentId: string) {
  const rows = await database.db
    .selectFrom('payment_operations')
    .select(['operation', 'status', 'amount'])
    .where('tenant_id', '=', tenantId)
    .where('payment_id', '=', paymentId)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
  return rows.map((r) => `${r.operation}:${r.status}:${Number(r.amount)}`)
}

async function stats(offerId: string) {
  return database.db
    .selectFrom('offer_stats')
    .select(['presented', 'accepted', 'declined', 'expired', 'control'])
    .where('tenant_id', '=', tenantId)
    .where('offer_id', '=', offerId)
    .executeTakeFirst()
}

async function status(presentationId: string) {
  const row = await database.db
    .selectFrom('offer_presentations')
    .select(['status', 'reserved_quantity', 'hold_released_at'])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', presentationId)
    .executeTakeFirst()
  return row
}

async function webhookTypes() {
  const rows = await database.db
    .selectFrom('webhook_deliveries')
    .select(['event_type', 'body'])
    .where('tenant_id', '=', tenantId)
    .execute()
  return rows
}

async function problemOf(work: Promise<unknown>): Promise<string> {
  try {
    await work
  } catch (error) {
    return (error as { code?: string }).code ?? String(error)
  }
  throw new Error('expected a problem')
}

describe('reserve', () => {
  it('reserves the stock, holds price − discount on the stored card, and presents the offer with its treatment', async () => {
    const offerId = await seedOffer(database.db, tenantId, {
      price: 1500,
      onHand: 3,
      reservationSeconds: 600,
    })
    const treatmentId = await seedTreatment(database.db, tenantId, offerId)
    const customer = await seedCustomer(database.db, tenantId)
    const offer = made(
      await ledger.reserve(
        reserveRequest(tenantId, offerId, customer, clock, { discount: 300, treatmentId }),
      ),
    )
    expect(offer).toMatchObject({
      quantity: 1,
      price: 1500,
      discount: 300,
      amount: 1200,
      currency: 'USD',
      expires_at: new Date(clock.getTime() + 600_000).toISOString(),
      treatment: { id: treatmentId, channel: 'web', text: 'Add thirty minutes for $15' },
      why: { rule: 'upsell-readings' },
    })
    expect(offer.id).toMatch(/^ofr_/)
    expect(await stock(offerId)).toEqual({ stock_on_hand: 3, stock_reserved: 1 })
    const payment = await payments.get(tenantId, offer.payment_id ?? '')
    expect(payment).toMatchObject({
      kind: 'hold',
      status: 'authorized',
      amount_authorized: 1200,
      customer_id: customer.customerId,
      payment_method_id: customer.paymentMethodId,
    })
    expect(await stats(offerId)).toMatchObject({ presented: 1, accepted: 0 })
    expect(await status(offer.id)).toMatchObject({ status: 'presented', reserved_quantity: 1 })
  })

  it('skips an offer with no stock left, holding nothing', async () => {
    const offerId = await seedOffer(database.db, tenantId, { onHand: 0 })
    const customer = await seedCustomer(database.db, tenantId)
    const outcome = await ledger.reserve(reserveRequest(tenantId, offerId, customer, clock))
    expect(outcome).toMatchObject({ made: false, reason: 'out_of_stock' })
    const holds = await database.db
      .selectFrom('payments')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('customer_id', '=', customer.customerId)
      .execute()
    expect(holds).toEqual([])
    expect(await stats(offerId)).toBeUndefined()
  })

  it('skips without a stored method, or with another customer’s, and gives the stock back', async () => {
    const offerId = await seedOffer(database.db, tenantId, { onHand: 1 })
    const customer = await seedCustomer(database.db, tenantId)
    const other = await seedCustomer(database.db, tenantId)
    for (const paymentMethodId of [null, other.paymentMethodId, 'pm_unknown']) {
      const outcome = await ledger.reserve(
        reserveRequest(tenantId, offerId, { customerId: customer.customerId, paymentMethodId }, clock),
      )
      expect(outcome, String(paymentMethodId)).toMatchObject({ made: false, reason: 'no_payment_method' })
    }
    expect(await stock(offerId)).toEqual({ stock_on_hand: 1, stock_reserved: 0 })
  })

  it('skips an offer whose hold is declined, with the reserved stock released and nothing presented', async () => {
    const offerId = await seedOffer(database.db, tenantId, { onHand: 1 })
    const customer = await seedCustomer(database.db, tenantId, 'insufficient_funds')
    const outcome = await ledger.reserve(reserveRequest(tenantId, offerId, customer, clock))
    expect(outcome).toMatchObject({ made: false, reason: 'credit_declined' })
    expect(outcome.made ? '' : outcome.message).toContain('insufficient_funds')
    expect(await stock(offerId)).toEqual({ stock_on_hand: 1, stock_reserved: 0 })
    const rows = await database.db
      .selectFrom('offer_presentations')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('offer_id', '=', offerId)
      .execute()
    expect(rows).toEqual([])
    const failed = await database.db
      .selectFrom('payments')
      .select(['status', 'failure_code'])
      .where('tenant_id', '=', tenantId)
      .where('customer_id', '=', customer.customerId)
      .execute()
    expect(failed).toEqual([{ status: 'failed', failure_code: 'insufficient_funds' }])
    // the last unit is still there for the next customer
    const next = await seedCustomer(database.db, tenantId)
    made(await ledger.reserve(reserveRequest(tenantId, offerId, next, clock)))
  })

  it('asks the outside stock check for provider stock, and skips when it says none or fails', async () => {
    const customer = await seedCustomer(database.db, tenantId)
    const inStock = await seedOffer(database.db, tenantId, {
      stockMode: 'provider',
      onHand: 0,
      sku: 'gift-card-25',
    })
    const soldOut = await seedOffer(database.db, tenantId, { stockMode: 'provider', sku: 'gift-sold-out' })
    const broken = await seedOffer(database.db, tenantId, { stockMode: 'provider', sku: 'gift-stock-error' })
    made(await ledger.reserve(reserveRequest(tenantId, inStock, customer, clock)))
    expect(await stock(inStock)).toEqual({ stock_on_hand: 0, stock_reserved: 0 })
    expect(await ledger.reserve(reserveRequest(tenantId, soldOut, customer, clock))).toMatchObject({
      made: false,
      reason: 'out_of_stock',
    })
    expect(await ledger.reserve(reserveRequest(tenantId, broken, customer, clock))).toMatchObject({
      made: false,
      reason: 'stock_check_failed',
    })
  })

  it('refuses an archived offer or another tenant’s', async () => {
    const customer = await seedCustomer(database.db, tenantId)
    const archived = await seedOffer(database.db, tenantId, { status: 'archived' })
    const theirs = await seedOffer(database.db, 'globex')
    for (const offerId of [archived, theirs])
      expect(await ledger.reserve(reserveRequest(tenantId, offerId, customer, clock))).toMatchObject({
        made: false,
        reason: 'not_in_catalog',
      })
  })

  it('records a held-out control without reserving or showing anything', async () => {
    const offerId = await seedOffer(database.db, tenantId, { onHand: 1 })
    const customer = await seedCustomer(database.db, tenantId)
    await ledger.holdOut(reserveRequest(tenantId, offerId, customer, clock))
    expect(await stock(offerId)).toEqual({ stock_on_hand: 1, stock_reserved: 0 })
    expect(await stats(offerId)).toMatchObject({ presented: 0, control: 1 })
    const row = await database.db
      .selectFrom('offer_presentations')
      .select(['id', 'status', 'payment_id'])
      .where('tenant_id', '=', tenantId)
      .where('offer_id', '=', offerId)
      .executeTakeFirstOrThrow()
    expect(row).toMatchObject({ status: 'control', payment_id: null })
    expect(await ledger.get(tenantId, row.id)).toBeUndefined()
    expect(await problemOf(ledger.accept(tenantId, row.id, { channel: 'web' }))).toBe('not_found')
  })
})

describe('accept', () => {
  it('captures the hold, takes the stock, makes the order and counts the take — once', async () => {
    const offerId = await seedOffer(database.db, tenantId, { price: 2500, onHand: 2 })
    const customer = await seedCustomer(database.db, tenantId)
    const offer = made(await ledger.reserve(reserveRequest(tenantId, offerId, customer, clock)))
    const order = await ledger.accept(tenantId, offer.id, { channel: 'web' })
    expect(order).toMatchObject({
      presentation_id: offer.id,
      quantity: 1,
      amount: 2500,
      currency: 'USD',
      payment_id: offer.payment_id,
      channel: 'web',
    })
    expect(order.sku).toMatch(/^sku-/)
    expect(await stock(offerId)).toEqual({ stock_on_hand: 1, stock_reserved: 0 })
    const paymentId = offer.payment_id ?? ''
    expect(await operations(paymentId)).toEqual(['authorize:succeeded:2500', 'capture:succeeded:2500'])
    expect(await paymentBooks(database.db, tenantId, paymentId)).toEqual({
      held: 0,
      captured: 2500,
      refunded: 0,
    })
    expect(await unbalanced(database.db, tenantId)).toEqual([])

    // accepting again: the same order, no second capture, the stock and the take rate unmoved
    expect(await ledger.accept(tenantId, offer.id, { channel: 'phone' })).toEqual(order)
    expect(await operations(paymentId)).toHaveLength(2)
    expect(await stock(offerId)).toEqual({ stock_on_hand: 1, stock_reserved: 0 })
    expect(await stats(offerId)).toMatchObject({ presented: 1, accepted: 1 })
    expect(await ledger.get(tenantId, offer.id)).toMatchObject({
      status: 'accepted',
      order: { id: order.id },
    })
    const accepted = (await webhookTypes()).filter(
      (d) => d.event_type === 'offer.accepted' && d.body.includes(order.id),
    )
    expect(accepted).toHaveLength(1)
    // a declined accept afterwards changes nothing
    expect(await problemOf(ledger.decline(tenantId, offer.id, { channel: 'web' }))).toBe('offer_resolved')
  })

  it('an offer made to a campaign’s contact: the contact shows its order', async () => {
    const offerId = await seedOffer(database.db, tenantId)
    const customer = await seedCustomer(database.db, tenantId)
    await database.db
      .insertInto('campaigns')
      .values({ tenant_id: tenantId, id: 'cmp_spring', name: 'Spring', offer_id: offerId, channel: 'email' })
      .execute()
    await database.db
      .insertInto('campaign_contacts')
      .values({
        tenant_id: tenantId,
        id: 'cc_ann',
        campaign_id: 'cmp_spring',
        customer_id: customer.customerId,
        status: 'emailed',
      })
      .execute()
    const offer = made(
      await ledger.reserve(
        reserveRequest(tenantId, offerId, customer, clock, { channel: 'email', campaignContactId: 'cc_ann' }),
      ),
    )
    const order = await ledger.accept(tenantId, offer.id, { channel: 'web' })
    const contact = await database.db
      .selectFrom('campaign_contacts')
      .select(['order_id', 'status'])
      .where('tenant_id', '=', tenantId)
      .where('id', '=', 'cc_ann')
      .executeTakeFirstOrThrow()
    // the order is linked; the contact's status stays the campaign's to keep
    expect(contact).toEqual({ order_id: order.id, status: 'emailed' })
    expect(await stats(offerId)).toMatchObject({ presented: 1, accepted: 1 })
    const byChannel = await database.db
      .selectFrom('offer_stats')
      .select('channel')
      .where('tenant_id', '=', tenantId)
      .where('offer_id', '=', offerId)
      .execute()
    expect(byChannel).toEqual([{ channel: 'email' }])
  })

  it('two accepts of one offer at once: one capture, one order, the same answer to both', async () => {
    const offerId = await seedOffer(database.db, tenantId, { onHand: 1 })
    const customer = await seedCustomer(database.db, tenantId)
    const offer = made(await ledger.reserve(reserveRequest(tenantId, offerId, customer, clock)))
    const settled = await Promise.allSettled([
      ledger.accept(tenantId, offer.id, { channel: 'web' }),
      ledger.accept(tenantId, offer.id, { channel: 'web' }),
    ])
    const orders = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.id] : []))
    expect(orders.length).toBeGreaterThanOrEqual(1)
    expect(new Set(orders).size).toBe(1)
    const count = await database.db
      .selectFrom('offer_orders')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('presentation_id', '=', offer.id)
      .execute()
    expect(count).toHaveLength(1)
    expect(await operations(offer.payment_id ?? '')).toEqual([
      'authorize:succeeded:1500',
      'capture:succeeded:1500',
    ])
    expect(await stock(offerId)).toEqual({ stock_on_hand: 0, stock_reserved: 0 })
  })

  it('refuses an offer past its expiry and releases its stock and hold there and then, once', async () => {
    const offerId = await seedOffer(database.db, tenantId, { onHand: 1, reservationSeconds: 60 })
    const customer = await seedCustomer(database.db, tenantId)
    const offer = made(await ledger.reserve(reserveRequest(tenantId, offerId, customer, clock)))
    const later = new Date(clock.getTime() + 61_000)
    expect(await problemOf(ledger.accept(tenantId, offer.id, { channel: 'web', now: later }))).toBe(
      'offer_expired',
    )
    expect(await problemOf(ledger.accept(tenantId, offer.id, { channel: 'web', now: later }))).toBe(
      'offer_expired',
    )
    expect(await ledger.expire(later)).toBe(0)
    expect(await stock(offerId)).toEqual({ stock_on_hand: 1, stock_reserved: 0 })
    expect(await operations(offer.payment_id ?? '')).toEqual(['authorize:succeeded:1500', 'void:succeeded:0'])
    expect(await stats(offerId)).toMatchObject({ expired: 1, accepted: 0 })
  })

  it('does not find another tenant’s offer', async () => {
    const offerId = await seedOffer(database.db, tenantId)
    const customer = await seedCustomer(database.db, tenantId)
    const offer = made(await ledger.reserve(reserveRequest(tenantId, offerId, customer, clock)))
    expect(await problemOf(ledger.accept('globex', offer.id, { channel: 'web' }))).toBe('not_found')
    expect(await problemOf(ledger.decline('globex', offer.id, { channel: 'web' }))).toBe('not_found')
    expect(await ledger.get('globex', offer.id)).toBeUndefined()
    expect(await status(offer.id)).toMatchObject({ status: 'presented' })
  })

  it('an Idempotency-Key used to accept one offer is refused for another', async () => {
    const offerId = await seedOffer(database.db, tenantId)
    const customer = await seedCustomer(database.db, tenantId)
    const first = made(await ledger.reserve(reserveRequest(tenantId, offerId, customer, clock)))
    const second = made(await ledger.reserve(reserveRequest(tenantId, offerId, customer, clock)))
    const order = await ledger.accept(tenantId, first.id, { channel: 'web', idempotencyKey: 'accept-1' })
    expect(await ledger.accept(tenantId, first.id, { channel: 'web', idempotencyKey: 'accept-1' })).toEqual(
      order,
    )
    expect(
      await problemOf(ledger.accept(tenantId, second.id, { channel: 'web', idempotencyKey: 'accept-1' })),
    ).toBe('idempotency_key_reused')
    expect(await status(second.id)).toMatchObject({ status: 'presented' })
  })

  it('a free offer (discounted to nothing) holds and captures nothing', async () => {
    const offerId = await seedOffer(database.db, tenantId, { price: 500, stockMode: 'unlimited' })
    const offer = made(
      await ledger.reserve(
        reserveRequest(tenantId, offerId, { customerId: null, paymentMethodId: null }, clock, {
          discount: 800,
        }),
      ),
    )
    expect(offer).toMatchObject({ amount: 0, payment_id: null })
    expect(await ledger.accept(tenantId, offer.id, { channel: 'web' })).toMatchObject({
      amount: 0,
      payment_id: null,
    })
  })
})

describe('decline and expiry', () => {
  it('a decline gives the stock back and voids the hold, once', async () => {
    const offerId = await seedOffer(database.db, tenantId, { onHand: 1 })
    const customer = await seedCustomer(database.db, tenantId)
    const offer = made(await ledger.reserve(reserveRequest(tenantId, offerId, customer, clock)))
    await ledger.decline(tenantId, offer.id, { channel: 'web' })
    await ledger.decline(tenantId, offer.id, { channel: 'web' })
    expect(await stock(offerId)).toEqual({ stock_on_hand: 1, stock_reserved: 0 })
    const paymentId = offer.payment_id ?? ''
    expect(await operations(paymentId)).toEqual(['authorize:succeeded:1500', 'void:succeeded:0'])
    expect(await paymentBooks(database.db, tenantId, paymentId)).toEqual({
      held: 0,
      captured: 0,
      refunded: 0,
    })
    expect(await stats(offerId)).toMatchObject({ presented: 1, declined: 1 })
    expect(await status(offer.id)).toMatchObject({ status: 'declined', reserved_quantity: 0 })
    expect((await status(offer.id))?.hold_released_at).not.toBeNull()
    expect(await problemOf(ledger.accept(tenantId, offer.id, { channel: 'web' }))).toBe('offer_resolved')
    // nothing left for the sweeper: a later expiry pass and hold release leave it declined, voided once
    await ledger.expire(new Date(clock.getTime() + 3_600_000))
    expect(await ledger.releaseHolds()).toBe(0)
    expect(await status(offer.id)).toMatchObject({ status: 'declined' })
    expect(await operations(paymentId)).toHaveLength(2)
    expect(await stats(offerId)).toMatchObject({ declined: 1, expired: 0 })
  })

  it('expiry releases the stock and the hold of every lapsed offer, once, and announces it', async () => {
    const offerId = await seedOffer(database.db, tenantId, { onHand: 2, reservationSeconds: 120 })
    const a = made(
      await ledger.reserve(
        reserveRequest(tenantId, offerId, await seedCustomer(database.db, tenantId), clock),
      ),
    )
    const b = made(
      await ledger.reserve(
        reserveRequest(
          tenantId,
          offerId,
          await seedCustomer(database.db, tenantId),
          new Date(clock.getTime() + 60_000),
        ),
      ),
    )
    expect(await stock(offerId)).toEqual({ stock_on_hand: 2, stock_reserved: 2 })
    // a lapses first; b is still good
    const sweeper = new OfferSweeper({ ledger, logger })
    const at = new Date(clock.getTime() + 121_000)
    clock = at
    expect(await sweeper.sweep()).toMatchObject({ expired: 1, holds: 0 })
    expect(await stock(offerId)).toEqual({ stock_on_hand: 2, stock_reserved: 1 })
    expect(await status(a.id)).toMatchObject({ status: 'expired', reserved_quantity: 0 })
    expect(await status(b.id)).toMatchObject({ status: 'presented' })
    expect(await sweeper.sweep()).toMatchObject({ expired: 0 })
    expect(await operations(a.payment_id ?? '')).toEqual(['authorize:succeeded:1500', 'void:succeeded:0'])
    expect(await operations(b.payment_id ?? '')).toEqual(['authorize:succeeded:1500'])
    expect(await problemOf(ledger.accept(tenantId, a.id, { channel: 'web' }))).toBe('offer_expired')
    expect(await ledger.accept(tenantId, b.id, { channel: 'web' })).toMatchObject({ amount: 1500 })
    expect(await stock(offerId)).toEqual({ stock_on_hand: 1, stock_reserved: 0 })
    const expired = (await webhookTypes()).filter(
      (d) => d.event_type === 'offer.expired' && d.body.includes(a.id),
    )
    expect(expired).toHaveLength(1)
    expect(await stats(offerId)).toMatchObject({ presented: 2, expired: 1, accepted: 1 })
    clock = new Date(clock.getTime() + 3_600_000)
  })

  it('two sweepers at once expire each offer once', async () => {
    const offerId = await seedOffer(database.db, tenantId, { onHand: 5, reservationSeconds: 30 })
    const offers: OfferMade[] = []
    for (let i = 0; i < 5; i++)
      offers.push(
        made(
          await ledger.reserve(
            reserveRequest(tenantId, offerId, await seedCustomer(database.db, tenantId), clock),
          ),
        ),
      )
    const at = new Date(clock.getTime() + 31_000)
    const [x, y] = await Promise.all([ledger.expire(at, 3), ledger.expire(at, 3)])
    const rest = await ledger.expire(at)
    expect((x ?? 0) + (y ?? 0) + rest).toBe(5)
    expect(await stock(offerId)).toEqual({ stock_on_hand: 5, stock_reserved: 0 })
    for (const offer of offers)
      expect(await operations(offer.payment_id ?? '')).toEqual([
        'authorize:succeeded:1500',
        'void:succeeded:0',
      ])
    expect(await stats(offerId)).toMatchObject({ presented: 5, expired: 5 })
  })
})

describe('the last unit', () => {
  it('two customers racing for the last unit: one gets it, the other is told it is out of stock', async () => {
    const offerId = await seedOffer(database.db, tenantId, { onHand: 1 })
    const ann = await seedCustomer(database.db, tenantId)
    const bo = await seedCustomer(database.db, tenantId)
    const outcomes = await Promise.all([
      ledger.reserve(reserveRequest(tenantId, offerId, ann, clock)),
      ledger.reserve(reserveRequest(tenantId, offerId, bo, clock)),
    ])
    expect(outcomes.filter((o) => o.made)).toHaveLength(1)
    expect(outcomes.filter((o) => !o.made)).toEqual([
      { made: false, reason: 'out_of_stock', message: expect.stringContaining('none left') },
    ])
    expect(await stock(offerId)).toEqual({ stock_on_hand: 1, stock_reserved: 1 })
    // exactly one hold was placed
    const holds = await database.db
      .selectFrom('payments')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('customer_id', 'in', [ann.customerId, bo.customerId])
      .execute()
    expect(holds).toHaveLength(1)
  })

  it('ten customers racing for three units: three offers made, never more', async () => {
    const offerId = await seedOffer(database.db, tenantId, { onHand: 3 })
    const customers = await Promise.all(Array.from({ length: 10 }, () => seedCustomer(database.db, tenantId)))
    const outcomes = await Promise.all(
      customers.map((c) => ledger.reserve(reserveRequest(tenantId, offerId, c, clock))),
    )
    expect(outcomes.filter((o) => o.made)).toHaveLength(3)
    expect(outcomes.filter((o) => !o.made).every((o) => !o.made && o.reason === 'out_of_stock')).toBe(true)
    expect(await stock(offerId)).toEqual({ stock_on_hand: 3, stock_reserved: 3 })
  })
})

describe('what a silent gateway leaves behind', () => {
  it('a hold whose answer never came: skipped now, the stock kept until the answer is known, then both released', async () => {
    const offerId = await seedOffer(database.db, tenantId, { onHand: 1 })
    const customer = await seedCustomer(database.db, tenantId, 'no_answer')
    const outcome = await ledger.reserve(reserveRequest(tenantId, offerId, customer, clock))
    expect(outcome).toMatchObject({ made: false, reason: 'credit_declined' })
    expect(outcome.made ? '' : outcome.message).toContain('did not answer')
    // the hold may have been placed: its reservation stays until the answer is known
    expect(await stock(offerId)).toEqual({ stock_on_hand: 1, stock_reserved: 1 })
    const later = new Date(clock.getTime() + 120_000)
    expect(await ledger.finishReservations(later)).toBe(0)
    // the payments' reconciler learns that the hold was placed
    await new PaymentReconciler({ db: database.db, payments, logger, now: () => later }).sweep(later)
    expect(await ledger.finishReservations(later)).toBe(1)
    expect(await stock(offerId)).toEqual({ stock_on_hand: 1, stock_reserved: 0 })
    const hold = await database.db
      .selectFrom('payments')
      .select(['id', 'status'])
      .where('tenant_id', '=', tenantId)
      .where('customer_id', '=', customer.customerId)
      .executeTakeFirstOrThrow()
    expect(hold.status).toBe('voided')
    expect(await operations(hold.id)).toEqual(['authorize:succeeded:1500', 'void:succeeded:0'])
    expect(await ledger.finishReservations(later)).toBe(0)
    expect(await stats(offerId)).toBeUndefined()
  })
})

describe('an accept whose capture went unanswered', () => {
  it('is refused as unavailable, and finished by the sweeper with the same keys: one capture, one order', async () => {
    // the sandbox, with its captures made but their answers lost while silent is on
    let silent = true
    const sandbox = createSandboxMoneyGateway({ db: database.db, account: tenantId, now })
    const flaky: MoneyGateway = {
      ...sandbox,
      async capture(call) {
        const answer = await sandbox.capture(call)
        if (silent) throw new GatewayUnavailable('capture: timed out')
        return answer
      },
    }
    const flakyPayments = new Payments({ db: database.db, gatewayFor: async () => flaky, logger, now })
    const flakyLedger = new DatabaseOfferLedger({
      db: database.db,
      payments: flakyPayments,
      gatewayFor: async () => flaky,
      logger,
      now,
    })
    const offerId = await seedOffer(database.db, tenantId, { onHand: 1 })
    const customer = await seedCustomer(database.db, tenantId)
    const offer = made(await flakyLedger.reserve(reserveRequest(tenantId, offerId, customer, clock)))
    expect(
      await problemOf(flakyLedger.accept(tenantId, offer.id, { channel: 'web', idempotencyKey: 'k-silent' })),
    ).toBe('unavailable')
    expect(await status(offer.id)).toMatchObject({ status: 'accepting', reserved_quantity: 1 })
    // neither a decline nor the expiry can take it now
    expect(await problemOf(flakyLedger.decline(tenantId, offer.id, { channel: 'web' }))).toBe(
      'offer_resolved',
    )
    expect(await flakyLedger.expire(new Date(clock.getTime() + 3_600_000))).toBeGreaterThanOrEqual(0)
    expect(await status(offer.id)).toMatchObject({ status: 'accepting' })

    silent = false
    // still in flight a moment later: left alone; long after: finished
    expect(await flakyLedger.finishAccepts(new Date(clock.getTime() - 1))).toBe(0)
    const sweeper = new OfferSweeper({ ledger: flakyLedger, logger })
    clock = new Date(clock.getTime() + 120_000)
    expect(await sweeper.sweep()).toMatchObject({ accepts: 1 })
    expect(await status(offer.id)).toMatchObject({ status: 'accepted', reserved_quantity: 0 })
    expect(await operations(offer.payment_id ?? '')).toEqual([
      'authorize:succeeded:1500',
      'capture:succeeded:1500',
    ])
    expect(await stock(offerId)).toEqual({ stock_on_hand: 0, stock_reserved: 0 })
    const order = await flakyLedger.accept(tenantId, offer.id, { channel: 'web', idempotencyKey: 'k-silent' })
    expect(order).toMatchObject({ amount: 1500, payment_id: offer.payment_id })
    expect(await paymentBooks(database.db, tenantId, offer.payment_id ?? '')).toEqual({
      held: 0,
      captured: 1500,
      refunded: 0,
    })
    expect(await unbalanced(database.db, tenantId)).toEqual([])
  })
})

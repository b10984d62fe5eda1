// The offers' ledger: an offer's stock and the customer's credit are reserved before it is made, and
// every offer made is settled exactly once — accepted (the hold captured, the stock taken, an order),
// declined or expired (the stock given back, the hold voided).
//
// Money calls are never made inside a transaction that holds a row lock (payments.ts's rule), so
// each step that moves money is written down first, in a status the sweeper can finish or undo:
//   reserve  stock reserved + row `reserving`  →  hold  →  `presented` (or the row deleted and the
//            stock given back when the hold is declined; left `reserving` when the gateway did not answer)
//   accept   `presented` → `accepting` (one caller wins the conditional update)  →  capture  →
//            `accepted` with its order and the stock taken (or `expired` when the hold cannot be taken)
//   decline  `presented` → `declined`, stock given back, in one transaction  →  void
//   expire   `presented` past expires_at → `expired` (SKIP LOCKED batches), stock given back  →  void
// Stock goes back in the transaction that sets the locked row's reserved_quantity to 0 as its status
// leaves presented (or reserving), so it goes back once; holds are
// voided with a key per presentation (`offer:<id>:void`), so a repeated void moves nothing twice, and
// hold_released_at says it was done. OfferSweeper (sweeper.ts) retries whatever a crash left halfway.
import { sql, type Transaction } from 'kysely'
import type { Db } from '../../db/connect.ts'
import { jsonb } from '../../db/json.ts'
import type { Database } from '../../db/schema.ts'
import { ProblemError } from '../http/problem.ts'
import { newId } from '../ids.ts'
import type { Logger } from '../logging.ts'
import { PaymentError, type PaymentOutcome, type Payments } from '../payments/payments.ts'
import type { MoneyGateway } from '../payments/port.ts'
import { findStoredMethod, storedMethodSource } from '../payments/stored-methods.ts'
import { enqueueEvent } from '../webhooks/webhooks.ts'
import { type StockCheck, sandboxStockCheck } from './stock-check.ts'
import type {
  OfferChannel,
  OfferLedger,
  OfferMade,
  OfferOrder,
  OfferWhy,
  PresentationStatus,
  ReserveOutcome,
  ReserveRequest,
  TreatmentView,
} from './types.ts'

type Trx = Transaction<Database>

export type { StockCheck } from './stock-check.ts'
export { sandboxStockCheck } from './stock-check.ts'

export interface OfferLedgerOptions {
  db: Db
  payments: Pick<Payments, 'hold' | 'capture' | 'void' | 'byKey'>
  gatewayFor: (tenantId: string) => Promise<MoneyGateway>
  logger: Logger
  /** the ledger's clock when a call brings none; tests pass one they move by hand */
  now?: () => Date
  stockCheck?: StockCheck
}

/** An offer as GET /v1/offers/{id} shows it: what was made, where it stands, and its order. */
export interface OfferView extends OfferMade {
  status: 'presented' | 'accepted' | 'declined' | 'expired'
  channel: OfferChannel
  presented_at: string
  resolved_at: string | null
  order: OfferOrder | null
}

type PresentationRow = Awaited<ReturnType<typeof lockPresentation>>

/** Keys of the money calls made for a presentation: a retry, a second process or the sweeper repeats them harmlessly. */
export const holdKey = (presentationId: string) => `offer:${presentationId}:hold`
export const captureKey = (presentationId: string) => `offer:${presentationId}:capture`
export const voidKey = (presentationId: string) => `offer:${presentationId}:void`

export class DatabaseOfferLedger implements OfferLedger {
  private readonly db: Db
  readonly now: () => Date
  private readonly stockCheck: StockCheck

  constructor(private readonly deps: OfferLedgerOptions) {
    this.db = deps.db
    this.now = deps.now ?? (() => new Date())
    this.stockCheck = deps.stockCheck ?? sandboxStockCheck
  }

  async reserve(request: ReserveRequest): Promise<ReserveOutcome> {
    const { tenantId, now } = request
    const quantity = request.quantity ?? 1
    const discount = request.discount ?? 0
    if (!Number.isSafeInteger(quantity) || quantity < 1)
      throw new RangeError('quantity is a whole number of at least 1')
    if (!Number.isSafeInteger(discount) || discount < 0)
      throw new RangeError('discount is a whole number of minor units, at least 0')

    const offer = await findOffer(this.db, tenantId, request.offerId)
    if (offer?.status !== 'active')
      return skip('not_in_catalog', `${request.offerId} is not an active offer of the catalog`)
    const price = Number(offer.price)
    const amount = Math.max(0, price * quantity - discount)

    // 1. stock: an outside check is asked before anything is written
    if (offer.stock_mode === 'provider') {
      try {
        const answer = await this.stockCheck({ tenantId, offerId: offer.id, sku: offer.sku, quantity })
        if (!answer.available)
          return skip('out_of_stock', `${offer.sku}: ${answer.message ?? 'the stock check found none'}`)
      } catch (error) {
        this.deps.logger.warn({ err: error, sku: offer.sku }, 'offer stock check failed')
        return skip('stock_check_failed', `${offer.sku}: the stock check did not answer`)
      }
    }
    // 2. credit: which of the customer's methods would carry the hold (nothing is held yet)
    const source = amount > 0 ? await this.holdSource(request) : null
    if (amount > 0 && !source)
      return skip('no_payment_method', 'the customer has no stored payment method to hold the price on')

    // 3. the reservation, written before the hold is asked, so a crash leaves it for the sweeper
    const id = newId('ofr')
    const tracked = offer.stock_mode === 'tracked'
    const expiresAt = new Date(now.getTime() + offer.reservation_seconds * 1000)
    const reserved = await this.db.transaction().execute(async (trx) => {
      if (tracked) {
        const taken = await trx
          .updateTable('offers')
          .set((eb) => ({ stock_reserved: eb('stock_reserved', '+', quantity) }))
          .where('tenant_id', '=', tenantId)
          .where('id', '=', offer.id)
          .where(sql<boolean>`stock_on_hand - stock_reserved >= ${quantity}`)
          .executeTakeFirst()
        if (taken.numUpdatedRows === 0n) return false
      }
      await trx
        .insertInto('offer_presentations')
        .values({
          tenant_id: tenantId,
          id,
          offer_id: offer.id,
          customer_id: request.customerId,
          decision_id: request.decisionId ?? null,
          campaign_contact_id: request.campaignContactId ?? null,
          channel: request.channel,
          segment: request.segment,
          treatment_id: request.treatmentId,
          // nothing to hold: the offer is made at once
          status: amount > 0 ? 'reserving' : 'presented',
          quantity,
          price,
          discount,
          currency: offer.currency,
          payment_method_id: amount > 0 ? request.paymentMethodId : null,
          priority: request.priority,
          propensity: request.propensity,
          why: jsonb(request.why),
          presented_at: now,
          expires_at: expiresAt,
          reserved_quantity: tracked ? quantity : 0,
        })
        .execute()
      if (amount === 0)
        await bumpStats(trx, tenantId, offer.id, request.segment, request.channel, 'presented')
      return true
    })
    if (!reserved) return skip('out_of_stock', `${offer.sku}: none left to offer`)
    if (!source) return { made: true, offer: await this.made(tenantId, id) }

    // 4. the hold, outside any transaction
    let outcome: PaymentOutcome
    try {
      outcome = await this.deps.payments.hold({
        tenantId,
        amount,
        currency: offer.currency,
        source,
        key: holdKey(id),
        // never the decision's id: a decision's payment is its purchase's (paymentOfDecision), and the
        // offer's hold is found through its presentation instead
        decisionId: null,
        customerId: request.customerId,
        paymentMethodId: request.paymentMethodId,
        description: offer.name,
      })
    } catch (error) {
      if (!(error instanceof PaymentError)) throw error
      await this.abandon(tenantId, id)
      return skip('credit_declined', `${offer.sku}: the hold could not be placed (${error.message})`)
    }
    const { payment, operation } = outcome
    if (operation.status === 'succeeded' && payment.status === 'authorized') {
      const presented = await this.db.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('offer_presentations')
          .set({ status: 'presented', payment_id: payment.id })
          .where('tenant_id', '=', tenantId)
          .where('id', '=', id)
          .where('status', '=', 'reserving')
          .executeTakeFirst()
        if (row.numUpdatedRows === 0n) return false
        await bumpStats(trx, tenantId, offer.id, request.segment, request.channel, 'presented')
        return true
      })
      if (presented) return { made: true, offer: await this.made(tenantId, id) }
      // the sweeper gave the reservation up while the gateway answered: the hold goes back too
      await this.voidHold(tenantId, id, payment.id)
      return skip('credit_declined', `${offer.sku}: the hold came back after the reservation lapsed`)
    }
    if (operation.status === 'declined' || operation.status === 'failed') {
      await this.abandon(tenantId, id)
      return skip(
        'credit_declined',
        `${offer.sku}: the hold for ${amount} ${offer.currency} was declined (${operation.decline_code ?? 'declined'})`,
      )
    }
    // no answer yet: the row stays `reserving` (its stock with it) until the sweeper learns the answer
    return skip('credit_declined', `${offer.sku}: the payment provider did not answer in time`)
  }

  async holdOut(request: ReserveRequest): Promise<void> {
    const offer = await findOffer(this.db, request.tenantId, request.offerId)
    if (!offer) return
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('offer_presentations')
        .values({
          tenant_id: request.tenantId,
          id: newId('ofr'),
          offer_id: offer.id,
          customer_id: request.customerId,
          decision_id: request.decisionId ?? null,
          campaign_contact_id: request.campaignContactId ?? null,
          channel: request.channel,
          segment: request.segment,
          treatment_id: request.treatmentId,
          status: 'control',
          quantity: request.quantity ?? 1,
          price: Number(offer.price),
          discount: request.discount ?? 0,
          currency: offer.currency,
          priority: request.priority,
          propensity: request.propensity,
          why: jsonb(request.why),
          presented_at: request.now,
          resolved_at: request.now,
        })
        .execute()
      await bumpStats(trx, request.tenantId, offer.id, request.segment, request.channel, 'control')
    })
  }

  async accept(
    tenantId: string,
    presentationId: string,
    by: { channel?: OfferChannel; now?: Date; idempotencyKey?: string } = {},
  ): Promise<OfferOrder> {
    const now = by.now ?? this.now()
    const key = by.idempotencyKey ?? null

    // 1. claim it: one caller moves it from presented to accepting; a repeat finds it accepting or accepted
    const claim = await this.db.transaction().execute(async (trx) => {
      const row = await lockPresentation(trx, tenantId, presentationId)
      if (!row || !isShown(row.status)) throw notFound(presentationId)
      if (key) {
        const other = await trx
          .selectFrom('offer_presentations')
          .select('id')
          .where('tenant_id', '=', tenantId)
          .where('accept_key', '=', key)
          .where('id', '!=', presentationId)
          .executeTakeFirst()
        if (other)
          throw new ProblemError(
            'idempotency_key_reused',
            'This Idempotency-Key was used to accept another offer.',
          )
      }
      if (row.status === 'accepted') return { row, order: await findOrder(trx, tenantId, presentationId) }
      if (row.status === 'accepting') return { row, order: null }
      if (row.status === 'declined') throw new ProblemError('offer_resolved', 'This offer was declined.')
      if (row.status === 'expired') throw new ProblemError('offer_expired', expiredMessage(row))
      if (row.expires_at && row.expires_at.getTime() <= now.getTime()) return { row, expired: true as const }
      await trx
        .updateTable('offer_presentations')
        // resolved_at: when the accept began, so the sweeper can tell one in flight from one left behind
        .set({ status: 'accepting', accept_key: key, resolved_at: now })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', presentationId)
        .execute()
      return { row, order: null }
    })
    if ('expired' in claim) {
      await this.settleExpired(tenantId, [presentationId], now)
      throw new ProblemError('offer_expired', expiredMessage(claim.row))
    }
    if (claim.order) return claim.order
    const row = claim.row

    // 2. the capture, outside any lock, keyed by the presentation
    const amount = amountOf(row)
    if (row.payment_id && amount > 0) {
      let outcome: PaymentOutcome | undefined
      try {
        outcome = await this.deps.payments.capture(tenantId, row.payment_id, amount, {
          key: captureKey(presentationId),
        })
      } catch (error) {
        if (!(error instanceof PaymentError)) throw error
        // a second accept of this offer raced the first to the payment: the first's capture is the answer
        outcome = await this.deps.payments.byKey(tenantId, captureKey(presentationId))
        if (!outcome) {
          // the hold is no longer there to take (it lapsed, or was voided): nothing moved
          await this.failAccept(tenantId, row, now)
          throw new ProblemError(
            'payment_declined',
            `The offer's hold could not be captured: ${error.message}`,
          )
        }
      }
      const { operation } = outcome
      if (operation.status === 'declined' || operation.status === 'failed') {
        await this.failAccept(tenantId, row, now)
        throw new ProblemError(
          'payment_declined',
          `The offer's hold could not be captured (${operation.decline_code ?? 'declined'}).`,
        )
      }
      if (operation.status !== 'succeeded')
        throw new ProblemError(
          'unavailable',
          'The payment provider has not answered yet; accept again (with the same Idempotency-Key) to learn the result.',
        )
    }

    // 3. the order, the stock taken and the take rate, together; only the first to get here writes them
    return this.db.transaction().execute(async (trx) => {
      const done = await trx
        .updateTable('offer_presentations')
        .set({ status: 'accepted', resolved_at: now, reserved_quantity: 0 })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', presentationId)
        .where('status', '=', 'accepting')
        .executeTakeFirst()
      if (done.numUpdatedRows === 0n) {
        const order = await findOrder(trx, tenantId, presentationId)
        if (!order)
          throw new ProblemError('conflict', 'The offer changed while it was being accepted; try again.')
        return order
      }
      const orderId = newId('ord')
      // the units reserved, as the claim read them: only this transaction moves them from here
      const reservedUnits = row.reserved_quantity
      if (reservedUnits > 0)
        await trx
          .updateTable('offers')
          .set((eb) => ({
            stock_on_hand: eb('stock_on_hand', '-', reservedUnits),
            stock_reserved: eb('stock_reserved', '-', reservedUnits),
            updated_at: now,
          }))
          .where('tenant_id', '=', tenantId)
          .where('id', '=', row.offer_id)
          .execute()
      await trx
        .insertInto('offer_orders')
        .values({
          tenant_id: tenantId,
          id: orderId,
          presentation_id: presentationId,
          offer_id: row.offer_id,
          customer_id: row.customer_id,
          quantity: row.quantity,
          amount,
          currency: row.currency,
          payment_id: row.payment_id,
          channel: by.channel ?? row.channel,
          created_at: now,
        })
        .execute()
      await bumpStats(trx, tenantId, row.offer_id, row.segment, row.channel, 'accepted')
      // a campaign's offer (an e-mail's accept link, a call-out's key): its contact shows the order
      if (row.campaign_contact_id)
        await trx
          .updateTable('campaign_contacts')
          .set({ order_id: orderId, updated_at: now })
          .where('tenant_id', '=', tenantId)
          .where('id', '=', row.campaign_contact_id)
          .execute()
      const stored = await findOrder(trx, tenantId, presentationId)
      if (!stored) throw new Error(`the order of ${presentationId} was not written`)
      await enqueueEvent(trx, tenantId, 'offer.accepted', { order: stored }, now)
      return stored
    })
  }

  async decline(
    tenantId: string,
    presentationId: string,
    by: { channel?: OfferChannel; now?: Date } = {},
  ): Promise<void> {
    const now = by.now ?? this.now()
    const outcome = await this.db.transaction().execute(async (trx) => {
      const row = await lockPresentation(trx, tenantId, presentationId)
      if (!row || !isShown(row.status)) throw notFound(presentationId)
      if (row.status === 'declined') return 'already' as const
      if (row.status === 'accepted' || row.status === 'accepting')
        throw new ProblemError('offer_resolved', 'This offer was accepted.')
      if (row.status === 'expired') throw new ProblemError('offer_expired', expiredMessage(row))
      if (row.expires_at && row.expires_at.getTime() <= now.getTime()) return 'expired' as const
      await resolve(trx, row, 'declined', now)
      return row
    })
    if (outcome === 'already') return
    if (outcome === 'expired') {
      await this.settleExpired(tenantId, [presentationId], now)
      throw new ProblemError('offer_expired', 'This offer has expired; its stock and hold were released.')
    }
    if (outcome.payment_id) await this.voidHold(tenantId, presentationId, outcome.payment_id)
  }

  async expire(now: Date = this.now(), limit = 100): Promise<number> {
    const expired = await this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('offer_presentations')
        .selectAll()
        .where('status', '=', 'presented')
        .where('expires_at', '<=', now)
        .orderBy('expires_at')
        .limit(limit)
        .forUpdate()
        .skipLocked()
        .execute()
      for (const row of rows) await resolve(trx, row, 'expired', now)
      return rows
    })
    for (const row of expired) if (row.payment_id) await this.voidHold(row.tenant_id, row.id, row.payment_id)
    return expired.length
  }

  /** An offer made, as the merchant API shows it; undefined for another tenant's id or one never shown. */
  async get(tenantId: string, presentationId: string): Promise<OfferView | undefined> {
    const row = await this.db
      .selectFrom('offer_presentations')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', presentationId)
      .executeTakeFirst()
    if (!row || !isShown(row.status)) return undefined
    const made = await this.made(tenantId, presentationId)
    const status = row.status === 'accepting' ? 'presented' : (row.status as OfferView['status'])
    return {
      ...made,
      status,
      channel: row.channel as OfferChannel,
      presented_at: row.presented_at.toISOString(),
      resolved_at: row.resolved_at?.toISOString() ?? null,
      order:
        row.status === 'accepted' ? ((await findOrder(this.db, tenantId, presentationId)) ?? null) : null,
    }
  }

  // ---- the sweeper's work: what a crash or an unanswered money call left halfway ----

  /** Reservations whose hold never came back as made: voided if it did come back, and given up. */
  async finishReservations(olderThan: Date, limit = 50): Promise<number> {
    const rows = await this.db
      .selectFrom('offer_presentations')
      .select(['tenant_id', 'id'])
      .where('status', '=', 'reserving')
      .where('presented_at', '<', olderThan)
      .limit(limit)
      .execute()
    let finished = 0
    for (const row of rows) {
      const hold = await this.deps.payments.byKey(row.tenant_id, holdKey(row.id))
      // still unanswered: the payments' reconciler learns the answer first
      if (hold && (hold.operation.status === 'pending' || hold.operation.status === 'unknown')) continue
      if (hold?.payment.status === 'authorized')
        await this.deps.payments.void(row.tenant_id, hold.payment.id, { key: voidKey(row.id) })
      await this.abandon(row.tenant_id, row.id)
      finished++
    }
    return finished
  }

  /** Accepts claimed but not finished (the capture's answer never came, or the process died). */
  async finishAccepts(olderThan: Date, limit = 50): Promise<number> {
    const rows = await this.db
      .selectFrom('offer_presentations')
      .select(['tenant_id', 'id', 'channel', 'accept_key'])
      .where('status', '=', 'accepting')
      .where('resolved_at', '<', olderThan)
      .limit(limit)
      .execute()
    let finished = 0
    for (const row of rows) {
      try {
        await this.accept(row.tenant_id, row.id, {
          channel: row.channel as OfferChannel,
          ...(row.accept_key ? { idempotencyKey: row.accept_key } : {}),
        })
        finished++
      } catch (error) {
        if (error instanceof ProblemError && error.code === 'payment_declined') finished++
        else this.deps.logger.warn({ err: error, presentation_id: row.id }, 'offer accept deferred')
      }
    }
    return finished
  }

  /** Holds of declined or expired offers not voided yet. */
  async releaseHolds(limit = 50): Promise<number> {
    const rows = await this.db
      .selectFrom('offer_presentations')
      .select(['tenant_id', 'id', 'payment_id'])
      .where('status', 'in', ['declined', 'expired'])
      .where('payment_id', 'is not', null)
      .where('hold_released_at', 'is', null)
      .limit(limit)
      .execute()
    let released = 0
    for (const row of rows)
      if (row.payment_id && (await this.voidHold(row.tenant_id, row.id, row.payment_id))) released++
    return released
  }

  // ---- steps ----

  /** The stored method's token the price is held on: the customer's own, issued by the tenant's gateway. */
  private async holdSource(request: ReserveRequest) {
    if (!request.paymentMethodId) return null
    const method = await findStoredMethod(this.db, request.tenantId, request.paymentMethodId)
    if (!method || (request.customerId !== null && method.customer_id !== request.customerId)) return null
    const stored = storedMethodSource(method)
    if (!stored) return null
    const gateway = await this.deps.gatewayFor(request.tenantId)
    return stored.gateway === gateway.name ? stored.source : null
  }

  /** A reservation given up before it was shown: the stock goes back and the row goes (it was never an offer). */
  private async abandon(tenantId: string, presentationId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const row = await trx
        .deleteFrom('offer_presentations')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', presentationId)
        .where('status', '=', 'reserving')
        .returning(['offer_id', 'reserved_quantity'])
        .executeTakeFirst()
      if (row && row.reserved_quantity > 0)
        await releaseStock(trx, tenantId, row.offer_id, row.reserved_quantity)
    })
  }

  /** A claimed accept whose hold could not be taken: the offer has expired, its stock goes back. */
  private async failAccept(tenantId: string, row: NonNullable<PresentationRow>, now: Date): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const locked = await lockPresentation(trx, tenantId, row.id)
      if (locked?.status !== 'accepting') return
      await resolve(trx, locked, 'expired', now)
      // nothing is left to void: the gateway no longer holds it
      await trx
        .updateTable('offer_presentations')
        .set({ hold_released_at: now })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', row.id)
        .execute()
    })
  }

  /** Presented offers found past their expiry by an accept or a decline: expired now, as the sweeper would. */
  private async settleExpired(tenantId: string, ids: string[], now: Date): Promise<void> {
    for (const id of ids) {
      const row = await this.db.transaction().execute(async (trx) => {
        const locked = await lockPresentation(trx, tenantId, id)
        if (locked?.status !== 'presented') return null
        await resolve(trx, locked, 'expired', now)
        return locked
      })
      if (row?.payment_id) await this.voidHold(tenantId, id, row.payment_id)
    }
  }

  /** Voids a resolved offer's hold (once: keyed by the presentation) and records it. Never throws. */
  private async voidHold(tenantId: string, presentationId: string, paymentId: string): Promise<boolean> {
    try {
      const outcome = await this.deps.payments.void(tenantId, paymentId, { key: voidKey(presentationId) })
      const { status } = outcome.operation
      // unanswered: the payments' reconciler learns the answer, and the next pass looks again
      if (status === 'pending' || status === 'unknown') return false
      // declined or given up: the gateway holds nothing to release (it lapsed or was cancelled), or
      // never will answer; either way, asking again would change nothing
      if (status !== 'succeeded')
        this.deps.logger.warn(
          {
            presentation_id: presentationId,
            payment_id: paymentId,
            status,
            code: outcome.operation.decline_code,
          },
          'offer hold not voided by the gateway; it lapses there by itself',
        )
    } catch (error) {
      // a hold that is already gone (lapsed, voided) has nothing left to release
      if (!(error instanceof PaymentError && error.code === 'invalid_state')) {
        this.deps.logger.warn({ err: error, presentation_id: presentationId }, 'offer hold release deferred')
        return false
      }
    }
    await this.db
      .updateTable('offer_presentations')
      .set({ hold_released_at: this.now() })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', presentationId)
      .where('hold_released_at', 'is', null)
      .execute()
    return true
  }

  private async made(tenantId: string, presentationId: string): Promise<OfferMade> {
    const row = await this.db
      .selectFrom('offer_presentations as p')
      .innerJoin('offers as o', (j) =>
        j.onRef('o.tenant_id', '=', 'p.tenant_id').onRef('o.id', '=', 'p.offer_id'),
      )
      .selectAll('p')
      .select(['o.sku', 'o.name', 'o.description'])
      .where('p.tenant_id', '=', tenantId)
      .where('p.id', '=', presentationId)
      .executeTakeFirstOrThrow()
    const treatment = row.treatment_id
      ? await this.db
          .selectFrom('offer_treatments')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where('id', '=', row.treatment_id)
          .executeTakeFirst()
      : undefined
    return {
      id: row.id,
      sku: row.sku,
      name: row.name,
      description: row.description,
      quantity: row.quantity,
      price: Number(row.price),
      discount: Number(row.discount),
      amount: amountOf(row),
      currency: row.currency,
      expires_at: (row.expires_at ?? row.presented_at).toISOString(),
      treatment: treatment ? treatmentView(treatment) : null,
      payment_id: row.payment_id,
      why: row.why as unknown as OfferWhy,
    }
  }
}

// ---- queries: the database first, the caller's transaction where rows are locked ----

function findOffer(db: Db | Trx, tenantId: string, offerId: string) {
  return db
    .selectFrom('offers')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', offerId)
    .executeTakeFirst()
}

function lockPresentation(trx: Trx, tenantId: string, presentationId: string) {
  return trx
    .selectFrom('offer_presentations')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', presentationId)
    .forUpdate()
    .executeTakeFirst()
}

async function findOrder(
  db: Db | Trx,
  tenantId: string,
  presentationId: string,
): Promise<OfferOrder | undefined> {
  const row = await db
    .selectFrom('offer_orders as r')
    .innerJoin('offers as o', (j) =>
      j.onRef('o.tenant_id', '=', 'r.tenant_id').onRef('o.id', '=', 'r.offer_id'),
    )
    .selectAll('r')
    .select('o.sku')
    .where('r.tenant_id', '=', tenantId)
    .where('r.presentation_id', '=', presentationId)
    .executeTakeFirst()
  if (!row) return undefined
  return {
    id: row.id,
    presentation_id: row.presentation_id,
    sku: row.sku,
    quantity: row.quantity,
    amount: Number(row.amount),
    currency: row.currency,
    payment_id: row.payment_id,
    channel: row.channel as OfferChannel,
    created_at: row.created_at.toISOString(),
  }
}

/** presented → declined | expired: the stock goes back and the take rate counts it, in the caller's transaction. */
async function resolve(
  trx: Trx,
  row: NonNullable<PresentationRow>,
  status: 'declined' | 'expired',
  now: Date,
): Promise<void> {
  await trx
    .updateTable('offer_presentations')
    .set({ status, resolved_at: now, reserved_quantity: 0 })
    .where('tenant_id', '=', row.tenant_id)
    .where('id', '=', row.id)
    .execute()
  if (row.reserved_quantity > 0) await releaseStock(trx, row.tenant_id, row.offer_id, row.reserved_quantity)
  await bumpStats(trx, row.tenant_id, row.offer_id, row.segment, row.channel, status)
  if (status === 'expired')
    await enqueueEvent(
      trx,
      row.tenant_id,
      'offer.expired',
      {
        offer: {
          id: row.id,
          offer_id: row.offer_id,
          customer_id: row.customer_id,
          expired_at: now.toISOString(),
        },
      },
      now,
    )
}

function releaseStock(trx: Trx, tenantId: string, offerId: string, units: number) {
  return trx
    .updateTable('offers')
    .set((eb) => ({ stock_reserved: eb('stock_reserved', '-', units) }))
    .where('tenant_id', '=', tenantId)
    .where('id', '=', offerId)
    .execute()
}

type StatsColumn = 'presented' | 'accepted' | 'declined' | 'expired' | 'control'

function bumpStats(
  trx: Trx,
  tenantId: string,
  offerId: string,
  segment: string,
  channel: string,
  column: StatsColumn,
) {
  return trx
    .insertInto('offer_stats')
    .values({ tenant_id: tenantId, offer_id: offerId, segment, channel, [column]: 1 })
    .onConflict((oc) =>
      oc
        .columns(['tenant_id', 'offer_id', 'segment', 'channel'])
        .doUpdateSet({ [column]: sql<number>`offer_stats.${sql.ref(column)} + 1` }),
    )
    .execute()
}

// ---- pure helpers ----

/** What acceptance captures: the catalog price for the quantity, less the discount, never below 0. */
function amountOf(row: { price: unknown; quantity: number; discount: unknown }): number {
  return Math.max(0, Number(row.price) * row.quantity - Number(row.discount))
}

/** The statuses a contact was shown; reserving, accepting's inner step and control rows never were. */
function isShown(status: string): boolean {
  return (
    ['presented', 'accepting', 'accepted', 'declined', 'expired'] satisfies PresentationStatus[]
  ).includes(status as 'presented')
}

function notFound(presentationId: string): ProblemError {
  return new ProblemError('not_found', `No offer ${presentationId}`)
}

function expiredMessage(row: { expires_at: Date | null }): string {
  return `This offer expired at ${row.expires_at?.toISOString() ?? 'its expiry'}; its stock and hold were released.`
}

function skip(reason: Extract<ReserveOutcome, { made: false }>['reason'], message: string): ReserveOutcome {
  return { made: false, reason, message }
}

function treatmentView(row: {
  id: string
  name: string
  channel: string
  segment: string
  style: string
  pace: string
  language: string
  prompt: string | null
  script: string | null
  text: string | null
  image_url: string | null
}): TreatmentView {
  return {
    id: row.id,
    name: row.name,
    channel: row.channel as TreatmentView['channel'],
    segment: row.segment,
    style: row.style as TreatmentView['style'],
    pace: row.pace as TreatmentView['pace'],
    language: row.language,
    prompt: row.prompt,
    script: row.script,
    text: row.text,
    image_url: row.image_url,
  }
}

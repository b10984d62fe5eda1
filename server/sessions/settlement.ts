// Settlement: an ended session's rated charge becomes money moved, once. The tenant's
// billing_settings.settlement says how a hold is settled (the seed's three ways):
//   capture_and_release   capture the charge; the rest of the hold is released;
//   reverse_and_recharge  charge the amount anew through the card's gateway token, then void the
//                         hold (charged first, so a declined new charge still leaves the hold to
//                         capture: the merchant is never left unpaid for time given);
//   credit_difference     capture the whole hold, then refund the hold minus the charge.
// Whatever the setting: a session never connected (charge 0) voids its hold in full; a hold that
// lapsed is charged anew through the token; checking / EFT has no hold and is charged directly.
//
// Exactly once: every gateway call carries a key made from the session id and its purpose
// (`${sessionId}:capture`, …), stored by Payments before the call; a repeat — a retry, a second
// process, the sweeper after a crash — returns the first call's result and moves nothing twice.
// An answer that does not come (unknown) leaves the session ended; the sweeper comes back after
// the reconciler has learnt what happened. The last step is one transaction: the session settled,
// its reservation replaced by what was billed, representatives' pay accrued, session.settled queued.

import type { Transaction } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { Database } from '../../db/schema.ts'
import type { Logger } from '../logging.ts'
import type { PaymentSource } from '../payments/port.ts'
import { accrueSessionPay } from '../representatives/pay.ts'
import { enqueueEvent } from '../webhooks/webhooks.ts'
import { unsealBankSource } from './sealed-source.ts'
import { findSession, type SessionRow, view } from './views.ts'

/** A payment as Sessions reads it back from Payments (server/payments/payments.ts). */
export interface PaymentState {
  id: string
  /** pending | authorized | captured | voided | expired | refunded | failed | unknown */
  status: string
  amount_authorized: number
  amount_captured: number
  amount_refunded: number
  failure_code: string | null
  failure_message: string | null
}

/** What one money call came to: the payment as it now stands and the operation made for the key. */
export interface MoneyOutcome {
  payment: PaymentState
  /** status: pending | succeeded | declined | failed | unknown */
  operation: { status: string; decline_code: string | null; message: string | null }
}

export interface MoneyRequest {
  tenantId: string
  amount: number
  currency: string
  source: PaymentSource
  decisionId?: string | undefined
  sessionId?: string | undefined
  customerId?: string | undefined
  paymentMethodId?: string | undefined
  key: string
}

/** What Sessions needs of the Payments service (server/payments/payments.ts). */
export interface SessionPayments {
  hold(request: MoneyRequest): Promise<MoneyOutcome>
  charge(request: MoneyRequest): Promise<MoneyOutcome>
  capture(
    tenantId: string,
    paymentId: string,
    amount: number,
    options: { key: string },
  ): Promise<MoneyOutcome>
  void(tenantId: string, paymentId: string, options: { key: string }): Promise<MoneyOutcome>
  refund(tenantId: string, paymentId: string, amount: number, options: { key: string }): Promise<MoneyOutcome>
  get(tenantId: string, paymentId: string): Promise<PaymentState | undefined>
}

export interface SettlementDeps {
  db: Db
  secret: string
  logger: Logger
  payments: SessionPayments
}

/** A gateway answer is still outstanding: the session stays ended and is settled on a later pass. */
export class SettlementPending extends Error {
  override name = 'SettlementPending'
}

const undecided = new Set(['pending', 'unknown'])

/** The call's operation was answered (succeeded, declined or given up); else come back later. */
function answered(outcome: MoneyOutcome, purpose: string): MoneyOutcome {
  if (undecided.has(outcome.operation.status))
    throw new SettlementPending(
      `the gateway has not answered the ${purpose} of payment ${outcome.payment.id} yet`,
    )
  return outcome
}

const succeeded = (outcome: MoneyOutcome) => outcome.operation.status === 'succeeded'

interface Outcome {
  /** how the money moved */
  settlement: string
  /** what was collected from the customer */
  collected: number
  failure: { code: string; message: string } | null
}

export type SettlementMode = 'capture_and_release' | 'reverse_and_recharge' | 'credit_difference'

async function settlementMode(db: Db, tenantId: string): Promise<SettlementMode> {
  const row = await db
    .selectFrom('billing_settings')
    .select('settlement')
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst()
  const mode = row?.settlement
  return mode === 'reverse_and_recharge' || mode === 'credit_difference' ? mode : 'capture_and_release'
}

/** the gateway token the card of this session's hold can be charged again with, if the gateway gave one */
async function tokenOf(db: Db, session: SessionRow): Promise<string | null> {
  if (!session.payment_method_id) return null
  const row = await db
    .selectFrom('payment_methods')
    .select('gateway_token')
    .where('tenant_id', '=', session.tenant_id)
    .where('id', '=', session.payment_method_id)
    .executeTakeFirst()
  return row?.gateway_token ?? null
}

function declined(outcome: MoneyOutcome, fallback: string): { code: string; message: string } {
  return {
    code: outcome.operation.decline_code ?? outcome.payment.failure_code ?? outcome.operation.status,
    message: outcome.operation.message ?? outcome.payment.failure_message ?? fallback,
  }
}

async function moveMoney(deps: SettlementDeps, session: SessionRow): Promise<Outcome> {
  const { db, payments } = deps
  const tenantId = session.tenant_id
  const id = session.id
  const charge = Number(session.charge_amount ?? 0)
  const base = {
    tenantId,
    currency: session.currency,
    decisionId: session.decision_id,
    sessionId: id,
    customerId: session.customer_id ?? undefined,
    paymentMethodId: session.payment_method_id ?? undefined,
  }
  const chargeAnew = async (source: PaymentSource): Promise<MoneyOutcome> =>
    answered(await payments.charge({ ...base, amount: charge, source, key: `${id}:charge` }), 'charge')

  // checking / EFT: no hold, one direct charge at the end
  if (!session.hold_payment_id) {
    if (charge === 0) return { settlement: 'reversed', collected: 0, failure: null }
    if (!session.payment_source_sealed)
      return {
        settlement: 'direct_charge',
        collected: 0,
        failure: { code: 'no_payment_source', message: 'The bank account was not kept for the charge.' },
      }
    const paid = await chargeAnew(unsealBankSource(deps.secret, session.payment_source_sealed))
    return succeeded(paid)
      ? { settlement: 'direct_charge', collected: charge, failure: null }
      : {
          settlement: 'direct_charge',
          collected: 0,
          failure: declined(paid, 'The bank declined the charge.'),
        }
  }

  const hold = await payments.get(tenantId, session.hold_payment_id)
  if (!hold) throw new Error(`session ${id} names hold ${session.hold_payment_id}, which does not exist`)
  if (undecided.has(hold.status)) throw new SettlementPending(`hold ${hold.id} is still ${hold.status}`)
  const releaseHold = async () => {
    if (hold.status === 'authorized')
      answered(await payments.void(tenantId, hold.id, { key: `${id}:void` }), 'void')
  }

  // never connected (or nothing to charge): the hold is reversed in full
  if (charge === 0) {
    await releaseHold()
    return { settlement: 'reversed', collected: 0, failure: null }
  }

  // a hold that lapsed before the end can no longer be captured: charge anew through the token
  const token = await tokenOf(db, session)
  const afterExpiry = async (): Promise<Outcome> => {
    if (!token)
      return {
        settlement: 'charged_after_expiry',
        collected: 0,
        failure: {
          code: 'authorization_expired',
          message: 'The hold lapsed and the card cannot be charged again.',
        },
      }
    const paid = await chargeAnew({ type: 'token', token })
    return succeeded(paid)
      ? { settlement: 'charged_after_expiry', collected: charge, failure: null }
      : {
          settlement: 'charged_after_expiry',
          collected: 0,
          failure: declined(paid, 'The card was declined.'),
        }
  }
  if (hold.status === 'expired') return afterExpiry()

  const capture = async (amount: number, settlement: string): Promise<Outcome> => {
    const captured = answered(
      await payments.capture(tenantId, hold.id, amount, { key: `${id}:capture` }),
      'capture',
    )
    if (succeeded(captured)) return { settlement, collected: amount, failure: null }
    if (captured.payment.status === 'expired' || captured.operation.decline_code === 'authorization_expired')
      return afterExpiry()
    return { settlement, collected: 0, failure: declined(captured, 'The gateway refused the capture.') }
  }

  const mode = await settlementMode(db, tenantId)
  if (mode === 'reverse_and_recharge' && token) {
    const paid = answered(
      await payments.charge({
        ...base,
        amount: charge,
        source: { type: 'token', token },
        key: `${id}:charge`,
      }),
      'charge',
    )
    // the new charge declined: the hold still stands, and is captured instead
    if (!succeeded(paid)) return capture(charge, 'capture_and_release')
    await releaseHold()
    return { settlement: 'reverse_and_recharge', collected: charge, failure: null }
  }
  if (mode === 'credit_difference') {
    const held = Number(hold.amount_authorized)
    const captured = await capture(held, 'credit_difference')
    if (captured.failure || captured.settlement !== 'credit_difference') return captured
    if (held > charge)
      answered(await payments.refund(tenantId, hold.id, held - charge, { key: `${id}:refund` }), 'refund')
    return { settlement: 'credit_difference', collected: charge, failure: null }
  }
  // capture_and_release, and reverse_and_recharge without a token to charge anew
  return capture(charge, 'capture_and_release')
}

/**
 * Settles an ended session: moves the money (above), then in one transaction marks it settled,
 * replaces its reservation with what was billed, accrues representatives' pay and queues
 * session.settled. Anything else than an ended session is left alone, so any process may call this
 * at any time; SettlementPending says to come back later.
 */
export async function settleSession(
  deps: SettlementDeps,
  clock: () => Date,
  tenantId: string,
  sessionId: string,
): Promise<void> {
  const session = await findSession(deps.db, tenantId, sessionId)
  if (session?.status !== 'ended') return
  const outcome = await moveMoney(deps, session)
  const now = clock()
  await deps.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('sessions')
      .set({
        status: 'settled',
        settled_at: now,
        settlement: outcome.settlement,
        failure_code: outcome.failure?.code ?? null,
        failure_message: outcome.failure?.message ?? null,
        payment_source_sealed: null,
        next_settle_at: null,
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', sessionId)
      .where('status', '=', 'ended')
      .executeTakeFirst()
    // another process settled it first: it did the rest
    if (!updated.numUpdatedRows) return
    // the reservation (the grant) gives way to what was used and what was collected
    await trx
      .updateTable('usage_events')
      .set({ seconds: session.billed_seconds ?? 0, amount: outcome.collected, currency: session.currency })
      .where('tenant_id', '=', tenantId)
      .where('decision_id', '=', session.decision_id)
      .execute()
    await accrueRepresentativesPay(trx, session, outcome.collected, now)
    // announced in the same transaction: a settled session is always announced, once
    const after = await findSession(trx, tenantId, sessionId)
    if (after) await enqueueEvent(trx, tenantId, 'session.settled', await view(trx, after), now)
  })
}

/**
 * Representatives' pay for this session's legs (server/representatives/pay.ts): one pay_accruals
 * row per leg, unique, so a repeat adds nothing, and its ledger entries, in this same transaction.
 * A share plan is a share of what was collected: a declined final charge pays no share.
 */
async function accrueRepresentativesPay(
  trx: Transaction<Database>,
  session: SessionRow,
  collected: number,
  at: Date,
): Promise<void> {
  const legs = await trx
    .selectFrom('session_legs')
    .select(['id', 'party', 'representative_id', 'connected_at', 'disconnected_at'])
    .where('tenant_id', '=', session.tenant_id)
    .where('session_id', '=', session.id)
    .execute()
  await accrueSessionPay(trx, {
    tenantId: session.tenant_id,
    sessionId: session.id,
    legs,
    billingStartedAt: session.billing_started_at,
    billingEndedAt: session.billing_ended_at,
    chargeTotal: collected,
    currency: session.currency,
    at,
  })
}

// A purchase's money: an approved card purchase places a hold for what it pays — the amount asked
// less the decision's discounts (payableOf) — or is charged at once when the merchant asks for
// automatic capture (checking / EFT is always charged directly), after its decision has committed,
// so no subject lock is held across the gateway call — unless the gateway keeps its books in this
// database, when the hold is written with the decision (holdForRecord; hold-in-record.ts).
// A gateway decline turns the stored decision into block or temporary_block with the gateway's
// reason (figure 9 of the seed: a correctable refusal — funds, security code, postal code, a
// processing error, no answer — is temporary; a refused or expired card is final), and the
// approval stops counting against the allowances.
//
// Money allowances count what a purchase holds or took: the open hold while it is authorized, then
// what was captured less what was refunded; a voided, lapsed or failed payment counts nothing.
// purchaseUsage() (purchase-usage.ts) keeps the decision's usage row so, in the transaction that
// records each answer.
import { sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { PaymentDeclineOutcomes } from '../../rules/schema.ts'
import type { AuthorizationRequest, DecisionResponse } from '../authorizations/schema.ts'
import type { HoldInRecord, HoldsInRecord } from './hold-in-record.ts'
import type { DecisionPayment, Payment, PaymentOutcome } from './payment.ts'
import type { Payments } from './payments.ts'
import type { DeclineCode, PaymentSource } from './port.ts'
import { findStoredMethod, storedMethodSource } from './stored-methods.ts'

export type { DecisionPayment } from './payment.ts'

export function decisionPayment(payment: Payment): DecisionPayment {
  return {
    id: payment.id,
    kind: payment.kind,
    status: payment.status,
    currency: payment.currency,
    amount_authorized: payment.amount_authorized,
    amount_captured: payment.amount_captured,
    amount_refunded: payment.amount_refunded,
    failure_code: payment.failure_code,
    expires_at: payment.expires_at?.toISOString() ?? null,
  }
}

/** Correctable refusals: the buyer can fix the card details or try again. */
const temporaryDeclines = new Set<string>([
  'insufficient_funds',
  'incorrect_cvc',
  'incorrect_zip',
  'processing_error',
  'no_answer',
])

/** What a decline turns the purchase into: the rule set's setting for its code, else the default above. */
export function outcomeForDecline(
  code: DeclineCode | 'no_answer',
  ruleSet: PaymentDeclineOutcomes = {},
): 'block' | 'temporary_block' {
  return ruleSet[code] ?? (temporaryDeclines.has(code) ? 'temporary_block' : 'block')
}

const declineReasons: Record<DeclineCode | 'no_answer', string> = {
  generic_decline: 'The card issuer declined the payment.',
  insufficient_funds: 'The card has insufficient funds for this amount.',
  incorrect_cvc: 'The card’s security code is incorrect.',
  incorrect_zip: 'The billing postal code does not match the card.',
  expired_card: 'The card has expired.',
  processing_error: 'The payment could not be processed; try again.',
  authorization_expired: 'The hold lapsed.',
  amount_too_large: 'The amount is more than the card allows.',
  not_supported: 'This payment method cannot be charged this way.',
  no_answer: 'The payment provider did not answer in time; try again.',
}

/**
 * What an approved purchase holds, captures or charges: its amount less the decision's discounts.
 * A decision from before discounts were reckoned has no `amount`, and pays what was asked.
 */
export function payableOf(decision: DecisionResponse, body: AuthorizationRequest): number {
  return decision.amount?.payable ?? body.amount?.value ?? 0
}

/** The gateway's source for the request's payment method, or null when Tollgate moves no money for it. */
export function paymentSourceOf(body: AuthorizationRequest): PaymentSource | null {
  const method = body.payment_method
  if (!method) return null
  const address = method.billing_address
    ? {
        line1: method.billing_address.line1 ?? null,
        postal_code: method.billing_address.postal_code ?? null,
        country: method.billing_address.country ?? null,
      }
    : null
  if ((method.type === 'card' || method.type === 'debit') && method.card)
    return {
      type: 'card',
      card: {
        number: method.card.number.replace(/\D/g, ''),
        exp_month: method.card.exp_month,
        exp_year: method.card.exp_year,
        cvc: method.card.cvc ?? null,
        holder_name: method.card.holder_name ?? null,
      },
      billing_address: address,
    }
  if ((method.type === 'checking' || method.type === 'eft') && method.bank_account)
    return {
      type: 'bank_account',
      routing_number: method.bank_account.routing_number,
      account_number: method.bank_account.account_number.replace(/\D/g, ''),
      holder_name: body.customer.name ?? null,
    }
  return null
}

/** A purchase whose hold could be written with its decision: a typed card, held (manual capture). */
export function mayHoldInRecord(
  body: AuthorizationRequest & { capture?: 'manual' | 'automatic' | undefined },
) {
  if (body.kind !== 'purchase' || !body.amount || body.amount.value <= 0 || body.capture === 'automatic')
    return false
  return paymentSourceOf(body)?.type === 'card'
}

/**
 * The approved purchase's hold as rows of its decision's record, when the tenant's gateway can place
 * it there (server/payments/hold-in-record.ts): a typed card held for the amount (manual capture).
 * null for anything else, which payForPurchase places once the decision has committed.
 */
export function holdForRecord(
  holds: HoldsInRecord | null,
  tenantId: string,
  decision: DecisionResponse,
  body: AuthorizationRequest & { capture?: 'manual' | 'automatic' | undefined },
  now: Date,
): HoldInRecord | null {
  if (!holds || decision.outcome !== 'approve' || !mayHoldInRecord(body) || !body.amount) return null
  const source = paymentSourceOf(body)
  // discounted to nothing: there is nothing to hold
  const amount = payableOf(decision, body)
  if (source?.type !== 'card' || amount <= 0) return null
  return holds({
    tenantId,
    decisionId: decision.id,
    customerId: decision.customer?.id ?? null,
    amount,
    currency: body.amount.currency,
    source,
    now,
  })
}

/**
 * Places the approved purchase's hold (or charge) and records what came of it on the stored
 * decision: its payment, or the decline that turned it into a block. Returns the response to send.
 * The payment's key is the decision's id, so a retry never holds twice.
 */
export async function payForPurchase(
  deps: { db: Db; payments: Payments },
  tenantId: string,
  decision: DecisionResponse,
  body: AuthorizationRequest & { capture?: 'manual' | 'automatic' | undefined },
  /** the deciding rule set's settings.payment_declines */
  declines?: PaymentDeclineOutcomes,
): Promise<DecisionResponse> {
  const amount = payableOf(decision, body)
  if (decision.outcome !== 'approve' || body.kind !== 'purchase' || !body.amount || amount <= 0)
    return decision
  const customerId = decision.customer?.id ?? null
  let source = paymentSourceOf(body)
  let paymentMethodId: string | null = null
  if (body.payment_method?.type === 'stored' && body.payment_method.id) {
    // a stored method is charged through the token its gateway gave (server/payments/stored-methods.ts)
    const stored = await findStoredMethod(deps.db, tenantId, body.payment_method.id)
    source = stored ? (storedMethodSource(stored)?.source ?? null) : null
    paymentMethodId = stored?.id ?? null
  } else if (customerId && decision.payment_method?.fingerprint)
    paymentMethodId = await storedMethodId(deps.db, tenantId, customerId, decision.payment_method.fingerprint)
  if (!source) return decision
  const direct = source.type === 'bank_account' || body.capture === 'automatic'
  const request = {
    tenantId,
    amount,
    currency: body.amount.currency,
    source,
    decisionId: decision.id,
    customerId,
    paymentMethodId,
    key: `${decision.id}:${direct ? 'charge' : 'hold'}`,
    description: `Purchase ${decision.id}`,
  }
  const outcome = direct ? await deps.payments.charge(request) : await deps.payments.hold(request)
  const response = respond(decision, outcome, declines)
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('decisions')
      // json, not jsonb, as the decision was first written: a replay returns the same bytes
      .set({
        outcome: response.outcome,
        response: sql<string>`cast(${JSON.stringify(response)}::text as json)`,
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', decision.id)
      .execute()
    if (response.outcome !== 'approve')
      await trx
        .updateTable('usage_events')
        .set({ voided_at: new Date() })
        .where('tenant_id', '=', tenantId)
        .where('decision_id', '=', decision.id)
        .where('voided_at', 'is', null)
        .execute()
  })
  return response
}

function respond(
  decision: DecisionResponse,
  outcome: PaymentOutcome,
  declines: PaymentDeclineOutcomes | undefined,
): DecisionResponse & { payment: DecisionPayment } {
  const payment = decisionPayment(outcome.payment)
  const status = outcome.payment.status
  if (status === 'authorized' || status === 'captured') return { ...decision, payment }
  const code = (status === 'unknown' ? 'no_answer' : (outcome.payment.failure_code ?? 'generic_decline')) as
    | DeclineCode
    | 'no_answer'
  return {
    ...decision,
    outcome: outcomeForDecline(code, declines),
    reasons: [
      ...decision.reasons,
      {
        rule: 'payment',
        type: 'payment_declined',
        message: declineReasons[code] ?? declineReasons.generic_decline,
        reason_code: `payment.${code}`,
      },
    ],
    limits: { ...decision.limits, max_amount: null, max_duration_seconds: null },
    payment,
  }
}

async function storedMethodId(db: Db, tenantId: string, customerId: string, fingerprint: string) {
  const row = await db
    .selectFrom('payment_methods')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('customer_id', '=', customerId)
    .where('fingerprint', '=', fingerprint)
    .executeTakeFirst()
  return row?.id ?? null
}

/** The payment of a purchase decision, the latest when there are several. */
export async function paymentOfDecision(
  db: Db,
  tenantId: string,
  decisionId: string,
): Promise<string | null> {
  const row = await db
    .selectFrom('payments')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('decision_id', '=', decisionId)
    .where('session_id', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst()
  return row?.id ?? null
}

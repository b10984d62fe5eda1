// An approved purchase's hold placed inside its decision's transaction, when the tenant's gateway
// keeps its books in this database (the sandbox: MoneyGateway.holdInRecord). The gateway's rows,
// the payment, its answered operation and its ledger entries join the decision's record and commit
// with it, or not at all.
//
// Why this keeps the rule of payments.ts honest: there, the operation row is committed before the
// gateway is called, so a crash after the call leaves a row the reconciler can follow. Here the
// "call" is rows in the same transaction as the operation: if the commit fails, the gateway never
// held anything either, so no moment exists in which money is held without an operation recording
// it. A gateway outside the database (Stripe) has no holdInRecord and keeps the three steps, after
// the decision has committed; so do declines, tokens and the sandbox's no-answer card.
import type { HoldRecord, RecordRow } from '../decision-store/store.ts'
import { newId } from '../ids.ts'
import { accounts } from '../ledger/ledger.ts'
import type { DecisionPayment } from './payment.ts'
import type { MoneyGateway, PaymentSource } from './port.ts'

/** A hold placed in the record: what the response shows, the card's token, and the rows. */
export interface HoldInRecord {
  view: DecisionPayment
  /** what the gateway gave to charge the card again, kept on its payment method row */
  token: { gateway: string; token: string } | null
  record: HoldRecord
}

export interface HoldAsk {
  tenantId: string
  decisionId: string
  customerId: string | null
  amount: number
  currency: string
  source: PaymentSource
  now: Date
}

/** Places holds in decisions' records through this gateway; null for a hold it cannot place so. */
export type HoldsInRecord = (ask: HoldAsk) => HoldInRecord | null

/** The hold of an approved purchase as rows, through a gateway that answers in the record. */
export function holdInRecord(gateway: MoneyGateway, ask: HoldAsk): HoldInRecord | null {
  if (!gateway.holdInRecord || ask.source.type !== 'card') return null
  const paymentId = newId('pay')
  const operationId = newId('pop')
  // the key the three steps would use, so a later call for this decision finds this operation
  const key = `${ask.decisionId}:hold`
  const answered = gateway.holdInRecord({
    // as in payments.ts, the gateway is sent the operation's id
    idempotencyKey: operationId,
    amount: ask.amount,
    currency: ask.currency,
    source: ask.source,
  })
  if (!answered) return null
  const { answer } = answered
  const payment: RecordRow<'payment'> = {
    tenant_id: ask.tenantId,
    id: paymentId,
    decision_id: ask.decisionId,
    session_id: null,
    customer_id: ask.customerId,
    // the customer's payment method row of the same record (writes.ts: methodFrom)
    payment_method_id: null,
    kind: 'hold',
    status: 'authorized',
    currency: ask.currency,
    amount_authorized: answer.amount_authorized,
    amount_captured: answer.amount_captured,
    amount_refunded: answer.amount_refunded,
    gateway: gateway.name,
    gateway_reference: answer.reference,
    failure_code: null,
    failure_message: null,
    expires_at: answer.expires_at,
    created_at: ask.now,
    updated_at: ask.now,
  }
  const transactionId = newId('ltx')
  const entry = (account: string, debit: number, credit: number): RecordRow<'ledgerEntry'> => ({
    tenant_id: ask.tenantId,
    transaction_id: transactionId,
    at: ask.now,
    account,
    currency: ask.currency,
    debit,
    credit,
    kind: 'hold',
    payment_id: paymentId,
    session_id: null,
    representative_id: null,
    memo: '',
  })
  return {
    view: {
      id: paymentId,
      kind: 'hold',
      status: 'authorized',
      currency: ask.currency,
      amount_authorized: answer.amount_authorized,
      amount_captured: answer.amount_captured,
      amount_refunded: answer.amount_refunded,
      failure_code: null,
      expires_at: answer.expires_at?.toISOString() ?? null,
    },
    token: answer.token ? { gateway: gateway.name, token: answer.token } : null,
    record: {
      payment,
      operation: {
        tenant_id: ask.tenantId,
        id: operationId,
        payment_id: paymentId,
        operation: 'authorize',
        amount: ask.amount,
        idempotency_key: key,
        status: 'succeeded',
        attempts: 1,
        gateway_reference: answer.reference,
        decline_code: null,
        message: null,
        created_at: ask.now,
        completed_at: ask.now,
        next_check_at: null,
      },
      // what book() in payments.ts posts for a new hold: the memorandum pair
      ledger: [
        entry(accounts.holds, answer.amount_authorized, 0),
        entry(accounts.holdsOffset, 0, answer.amount_authorized),
      ],
      gateway: answered.rows,
    },
  }
}

// The gateway port for moving money (step 6). Every call carries an idempotency key that Tollgate
// generated and stored (payment_operations) before making it: a gateway given the same key again
// answers with the first call's result and moves no money twice. That is also how the reconciler
// learns what became of a call whose answer never arrived: it sends the same call, same key.
//
// Implementations: the sandbox (server/payments/sandbox-gateway.ts, the demo's default) and Stripe
// (server/payments/stripe-gateway.ts). Amounts are integer minor units of `currency`.
import type { RecordRow } from '../decision-store/store.ts'
import type { TransientCard } from './gateway.ts'

/** What is charged: a card given now (the number lives only for this call), a stored method's token, or a bank account. */
export type PaymentSource =
  | {
      type: 'card'
      card: TransientCard
      billing_address: { line1: string | null; postal_code: string | null; country: string | null } | null
    }
  | { type: 'token'; token: string }
  | { type: 'bank_account'; routing_number: string; account_number: string; holder_name: string | null }

/** Why a gateway refused, in the words of the seed's figure 9 and Stripe's decline codes. */
export type DeclineCode =
  | 'generic_decline'
  | 'insufficient_funds'
  | 'incorrect_cvc'
  | 'incorrect_zip'
  | 'expired_card'
  | 'processing_error'
  | 'authorization_expired'
  | 'amount_too_large'
  | 'not_supported'

export type GatewayAnswer =
  | {
      status: 'succeeded'
      /** the gateway's id for the payment (a PaymentIntent id for Stripe) */
      reference: string
      /** what the payment now stands at on the gateway */
      amount_authorized: number
      amount_captured: number
      amount_refunded: number
      /** when an uncaptured hold lapses; null for captured or direct charges */
      expires_at: Date | null
      /** a token the payment method can be charged with again, when the gateway gave one */
      token?: string | undefined
    }
  | { status: 'declined'; code: DeclineCode; message: string; reference?: string | undefined }

/** No answer came in time, or the connection failed after the request may have been sent. */
export class GatewayUnavailable extends Error {
  override name = 'GatewayUnavailable'
}

export interface MoneyGateway {
  /** recorded on each payment, so staff can tell which gateway holds it */
  readonly name: string
  /** true when the gateway can raise an open hold (incremental authorization) */
  readonly incrementalAuthorization: boolean
  /** place a hold for amount */
  authorize(call: {
    idempotencyKey: string
    amount: number
    currency: string
    source: PaymentSource
    description: string
  }): Promise<GatewayAnswer>
  /** take up to the held amount; the rest of the hold is released */
  capture(call: { idempotencyKey: string; reference: string; amount: number }): Promise<GatewayAnswer>
  /** release a hold in full */
  void(call: { idempotencyKey: string; reference: string }): Promise<GatewayAnswer>
  /** return captured money, whole or in part */
  refund(call: { idempotencyKey: string; reference: string; amount: number }): Promise<GatewayAnswer>
  /** charge at once with no hold (automatic capture; checking / EFT) */
  charge(call: {
    idempotencyKey: string
    amount: number
    currency: string
    source: PaymentSource
    description: string
  }): Promise<GatewayAnswer>
  /** raise an open hold to a new total; only when incrementalAuthorization */
  increment(call: { idempotencyKey: string; reference: string; amount: number }): Promise<GatewayAnswer>
  /**
   * What became of the call made with this key: its answer, or null when the gateway never received
   * it. Optional; the reconciler asks it about a hold or charge whose source (a card number that was
   * never stored) it cannot send again. Without it such a call stays unknown until it gives up.
   */
  find?(call: { idempotencyKey: string }): Promise<GatewayAnswer | null>
  /**
   * A gateway whose books are tables of this database (the sandbox) may answer a hold as rows to
   * write in the caller's transaction: its hold and Tollgate's record of it then commit together or
   * not at all (server/payments/hold-in-record.ts). null when it cannot answer so — without reading
   * or waiting, or with a decline — and the hold takes the usual three steps instead.
   */
  holdInRecord?(call: {
    idempotencyKey: string
    amount: number
    currency: string
    source: PaymentSource
  }): HoldAnswerInRecord | null
}

/** A successful hold as an in-database gateway answers it: the answer, and its own rows to write. */
export interface HoldAnswerInRecord {
  answer: GatewayAnswer & { status: 'succeeded' }
  rows: {
    request: RecordRow<'sandboxRequest'>
    payment: RecordRow<'sandboxPayment'>
    token: RecordRow<'sandboxToken'> | null
  }
}

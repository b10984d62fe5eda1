// What a payment is, as the Payments service (payments.ts), purchases and their holds written with a
// decision (hold-in-record.ts) see it: the payment, its operations, and what a decision shows of it.

export type PaymentKind = 'hold' | 'charge'
export type PaymentStatus =
  | 'pending'
  | 'authorized'
  | 'captured'
  | 'voided'
  | 'expired'
  | 'refunded'
  | 'failed'
  | 'unknown'
export type OperationKind = 'authorize' | 'capture' | 'void' | 'refund' | 'charge' | 'increment'
export type OperationStatus = 'pending' | 'succeeded' | 'declined' | 'failed' | 'unknown'

export interface Payment {
  id: string
  kind: PaymentKind
  status: PaymentStatus
  currency: string
  amount_authorized: number
  amount_captured: number
  amount_refunded: number
  gateway: string
  gateway_reference: string | null
  decision_id: string | null
  session_id: string | null
  customer_id: string | null
  payment_method_id: string | null
  failure_code: string | null
  failure_message: string | null
  expires_at: Date | null
  created_at: Date
  updated_at: Date
}

export interface PaymentOperation {
  id: string
  payment_id: string
  operation: OperationKind
  /** the amount asked for; for an increment, the new total */
  amount: number
  /** the caller's key; the gateway is sent the operation's id */
  idempotency_key: string
  status: OperationStatus
  attempts: number
  decline_code: string | null
  message: string | null
  created_at: Date
  completed_at: Date | null
  next_check_at: Date | null
}

/** What a money call came to: the payment as it now stands and the operation that was made. */
export interface PaymentOutcome {
  payment: Payment
  operation: PaymentOperation
}

/** What a decision's response shows of its payment. */
export interface DecisionPayment {
  id: string
  kind: 'hold' | 'charge'
  status: string
  currency: string
  amount_authorized: number
  amount_captured: number
  amount_refunded: number
  failure_code: string | null
  expires_at: string | null
}

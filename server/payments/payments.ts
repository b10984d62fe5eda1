// Payments: holds, captures, voids, refunds, increments and direct charges through the tenant's
// money gateway, each written down before it is made and booked on the ledger once answered.
//
// Every call follows the same three steps, so a crash or a lost answer never moves money twice:
// 1. the payment_operations row (with the caller's idempotency key) is committed first;
// 2. the gateway is called with the operation's id as its idempotency key;
// 3. one transaction records the answer on the operation and the payment, posts the ledger entries
//    and enqueues the webhook.
// (An approved purchase's hold through a gateway whose books are tables of this database, the
// sandbox, is instead written with its decision, answered: hold-in-record.ts says why that is safe.)
// A caller that retries with the same key gets the same operation: answered ones are returned as
// they are, unanswered ones are sent again with the same gateway key. A call the gateway did not
// answer (GatewayUnavailable, or any failure after the request may have left) leaves the operation
// and the payment `unknown`; the reconciler (reconciler.ts) sends it again with backoff.
//
// The ledger is derived from the payment's state, not from the call: after each answer the
// payment's open hold, captured and refunded amounts are compared with what its ledger entries
// already say, and the difference is posted. Applying the same answer twice posts nothing.
import type { Transaction } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { Database } from '../../db/schema.ts'
import { newId } from '../ids.ts'
import {
  accounts,
  type LedgerEntryInput,
  type LedgerKind,
  paymentBooks,
  postTransaction,
} from '../ledger/ledger.ts'
import type { Logger } from '../logging.ts'
import { enqueueEvent, type WebhookEvent } from '../webhooks/webhooks.ts'
import { type HoldsInRecord, holdInRecord } from './hold-in-record.ts'
import type {
  OperationKind,
  OperationStatus,
  Payment,
  PaymentKind,
  PaymentOperation,
  PaymentOutcome,
  PaymentStatus,
} from './payment.ts'
import { type GatewayAnswer, GatewayUnavailable, type MoneyGateway, type PaymentSource } from './port.ts'
import { purchaseUsage } from './purchase-usage.ts'
import { rememberToken } from './stored-methods.ts'

export type {
  OperationKind,
  OperationStatus,
  Payment,
  PaymentKind,
  PaymentOperation,
  PaymentOutcome,
  PaymentStatus,
} from './payment.ts'

export interface PaymentRequest {
  tenantId: string
  /** integer minor units of currency */
  amount: number
  currency: string
  source: PaymentSource
  decisionId?: string | null | undefined
  sessionId?: string | null | undefined
  customerId?: string | null | undefined
  /** the stored method, whose gateway token is remembered when the gateway gives one */
  paymentMethodId?: string | null | undefined
  /** the caller's stable key (e.g. `${sessionId}:hold`): a retry with it never moves money twice */
  key: string
  /** shown on the customer's statement by gateways that take one */
  description?: string | undefined
}

export type PaymentErrorCode =
  | 'not_found'
  | 'invalid_state'
  | 'invalid_amount'
  | 'key_reused'
  | 'not_supported'

/** A money call refused before the gateway was asked: nothing was written, nothing moved. */
export class PaymentError extends Error {
  override name = 'PaymentError'
  constructor(
    readonly code: PaymentErrorCode,
    message: string,
  ) {
    super(message)
  }
}

export interface PaymentsOptions {
  db: Db
  /** the tenant's gateway (services.gatewayFor) */
  gatewayFor: (tenantId: string) => Promise<MoneyGateway>
  logger: Logger
  now?: () => Date
  /** gateway attempts before an unanswered operation is given up as failed */
  maxAttempts?: number
  /** how long to wait before the reconciler sends an operation again, after `attempts` tries */
  backoffMs?: (attempts: number) => number
}

type Trx = Transaction<Database>

const openOperation = new Set<OperationStatus>(['pending', 'unknown'])

export const DEFAULT_MAX_ATTEMPTS = 8
/** 15 s, 30 s, 1 min … up to an hour between tries */
export function defaultBackoffMs(attempts: number): number {
  return Math.min(15_000 * 2 ** Math.max(0, attempts - 1), 3_600_000)
}

function toPayment(row: Record<string, unknown>): Payment {
  return {
    id: row.id as string,
    kind: row.kind as PaymentKind,
    status: row.status as PaymentStatus,
    currency: row.currency as string,
    amount_authorized: Number(row.amount_authorized),
    amount_captured: Number(row.amount_captured),
    amount_refunded: Number(row.amount_refunded),
    gateway: row.gateway as string,
    gateway_reference: (row.gateway_reference as string | null) ?? null,
    decision_id: (row.decision_id as string | null) ?? null,
    session_id: (row.session_id as string | null) ?? null,
    customer_id: (row.customer_id as string | null) ?? null,
    payment_method_id: (row.payment_method_id as string | null) ?? null,
    failure_code: (row.failure_code as string | null) ?? null,
    failure_message: (row.failure_message as string | null) ?? null,
    expires_at: (row.expires_at as Date | null) ?? null,
    created_at: row.created_at as Date,
    updated_at: row.updated_at as Date,
  }
}

function toOperation(row: Record<string, unknown>): PaymentOperation {
  return {
    id: row.id as string,
    payment_id: row.payment_id as string,
    operation: row.operation as OperationKind,
    amount: Number(row.amount),
    idempotency_key: row.idempotency_key as string,
    status: row.status as OperationStatus,
    attempts: Number(row.attempts),
    decline_code: (row.decline_code as string | null) ?? null,
    message: (row.message as string | null) ?? null,
    created_at: row.created_at as Date,
    completed_at: (row.completed_at as Date | null) ?? null,
    next_check_at: (row.next_check_at as Date | null) ?? null,
  }
}

/** A payment as the merchant API and webhooks show it (integer minor units, ISO times). */
export function paymentView(payment: Payment) {
  return {
    id: payment.id,
    kind: payment.kind,
    status: payment.status,
    currency: payment.currency,
    amount_authorized: payment.amount_authorized,
    amount_captured: payment.amount_captured,
    amount_refunded: payment.amount_refunded,
    gateway: payment.gateway,
    decision_id: payment.decision_id,
    session_id: payment.session_id,
    failure_code: payment.failure_code,
    failure_message: payment.failure_message,
    expires_at: payment.expires_at?.toISOString() ?? null,
    created_at: payment.created_at.toISOString(),
    updated_at: payment.updated_at.toISOString(),
  }
}

/** What a payment's status is once an operation on it ends without changing it. */
function restingStatus(payment: Payment, now: Date): PaymentStatus {
  if (payment.amount_captured > 0)
    return payment.amount_refunded >= payment.amount_captured ? 'refunded' : 'captured'
  if (payment.kind === 'charge' || !payment.gateway_reference) return 'failed'
  if (payment.expires_at && payment.expires_at.getTime() <= now.getTime()) return 'expired'
  return 'authorized'
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505'
}

export class Payments {
  private readonly db: Db
  private readonly now: () => Date
  private readonly maxAttempts: number
  private readonly backoffMs: (attempts: number) => number

  constructor(private readonly deps: PaymentsOptions) {
    this.db = deps.db
    this.now = deps.now ?? (() => new Date())
    this.maxAttempts = deps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS
    this.backoffMs = deps.backoffMs ?? defaultBackoffMs
  }

  /** Places a hold for amount. Declined: the payment is `failed` with the gateway's code. */
  hold(request: PaymentRequest): Promise<PaymentOutcome> {
    return this.open(request, 'hold')
  }

  /** Charges at once with no hold (automatic capture; checking / EFT). */
  charge(request: PaymentRequest): Promise<PaymentOutcome> {
    return this.open(request, 'charge')
  }

  /** Takes amount (≤ what the hold has left) from an authorized hold; the rest is released. */
  async capture(
    tenantId: string,
    paymentId: string,
    amount: number,
    options: { key?: string | undefined } = {},
  ): Promise<PaymentOutcome> {
    return this.follow(
      tenantId,
      paymentId,
      'capture',
      amount,
      options.key ?? `${paymentId}:capture`,
      (payment) => {
        if (payment.kind !== 'hold' || payment.status !== 'authorized')
          throw new PaymentError('invalid_state', `a ${payment.status} payment cannot be captured`)
        const left = payment.amount_authorized - payment.amount_captured
        if (amount > left) throw new PaymentError('invalid_amount', `at most ${left} can be captured`)
      },
    )
  }

  /** Releases an authorized hold in full. */
  async void(
    tenantId: string,
    paymentId: string,
    options: { key?: string | undefined } = {},
  ): Promise<PaymentOutcome> {
    return this.follow(tenantId, paymentId, 'void', 0, options.key ?? `${paymentId}:void`, (payment) => {
      if (payment.kind !== 'hold' || payment.status !== 'authorized')
        throw new PaymentError('invalid_state', `a ${payment.status} payment cannot be voided`)
    })
  }

  /** Gives back amount of what was captured, whole or in part. Without a key each call is a new refund. */
  async refund(
    tenantId: string,
    paymentId: string,
    amount: number,
    options: { key?: string | undefined } = {},
  ): Promise<PaymentOutcome> {
    return this.follow(tenantId, paymentId, 'refund', amount, options.key ?? newId('rfk'), (payment) => {
      if (payment.status !== 'captured')
        throw new PaymentError('invalid_state', `a ${payment.status} payment cannot be refunded`)
      const left = payment.amount_captured - payment.amount_refunded
      if (amount > left) throw new PaymentError('invalid_amount', `at most ${left} can be refunded`)
    })
  }

  /** Raises an open hold to newTotal, where the gateway offers incremental authorization. */
  async increment(
    tenantId: string,
    paymentId: string,
    newTotal: number,
    options: { key?: string | undefined } = {},
  ): Promise<PaymentOutcome> {
    const key = options.key ?? `${paymentId}:increment:${newTotal}`
    return this.follow(tenantId, paymentId, 'increment', newTotal, key, async (payment) => {
      if (payment.kind !== 'hold' || payment.status !== 'authorized')
        throw new PaymentError('invalid_state', `a ${payment.status} payment cannot be raised`)
      if (newTotal <= payment.amount_authorized)
        throw new PaymentError(
          'invalid_amount',
          `the new total must be more than ${payment.amount_authorized}`,
        )
      const gateway = await this.deps.gatewayFor(tenantId)
      if (!gateway.incrementalAuthorization)
        throw new PaymentError('not_supported', `the ${gateway.name} gateway cannot raise a hold`)
    })
  }

  /**
   * How this tenant's purchase holds can be placed in their decisions' records: when its gateway
   * keeps its books in this database (server/payments/hold-in-record.ts); null otherwise, and
   * when the gateway cannot be told (the three steps then say why, as they always have).
   */
  async holdsInRecord(tenantId: string): Promise<HoldsInRecord | null> {
    let gateway: MoneyGateway
    try {
      gateway = await this.deps.gatewayFor(tenantId)
    } catch {
      return null
    }
    if (!gateway.holdInRecord) return null
    return (ask) => holdInRecord(gateway, ask)
  }

  async get(tenantId: string, id: string): Promise<Payment | undefined> {
    const row = await this.db
      .selectFrom('payments')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst()
    return row ? toPayment(row) : undefined
  }

  /** What a money call made with this key came to, if one was made. */
  async byKey(tenantId: string, key: string): Promise<PaymentOutcome | undefined> {
    const operation = await this.findOperation(tenantId, key)
    return operation ? this.outcome(this.db, tenantId, operation.id) : undefined
  }

  async operations(tenantId: string, paymentId: string): Promise<PaymentOperation[]> {
    const rows = await this.db
      .selectFrom('payment_operations')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('payment_id', '=', paymentId)
      .orderBy('created_at')
      .orderBy('id')
      .execute()
    return rows.map(toOperation)
  }

  // ---- the three steps ----

  private async open(request: PaymentRequest, kind: PaymentKind): Promise<PaymentOutcome> {
    const operation: OperationKind = kind === 'hold' ? 'authorize' : 'charge'
    checkAmount(request.amount)
    if (!/^[A-Z]{3}$/.test(request.currency))
      throw new PaymentError('invalid_amount', 'currency is an ISO 4217 code')
    if (!request.key) throw new PaymentError('key_reused', 'an idempotency key is required')

    const existing = await this.findOperation(request.tenantId, request.key)
    if (existing)
      return this.retry(request.tenantId, existing, operation, request.amount, undefined, request.source)

    const gateway = await this.deps.gatewayFor(request.tenantId)
    const now = this.now()
    const paymentId = newId('pay')
    const operationId = newId('pop')
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('payments')
          .values({
            tenant_id: request.tenantId,
            id: paymentId,
            decision_id: request.decisionId ?? null,
            session_id: request.sessionId ?? null,
            customer_id: request.customerId ?? null,
            payment_method_id: request.paymentMethodId ?? null,
            kind,
            status: 'pending',
            currency: request.currency,
            gateway: gateway.name,
            created_at: now,
            updated_at: now,
          })
          .execute()
        await this.insertOperation(
          trx,
          request.tenantId,
          paymentId,
          operationId,
          operation,
          request.amount,
          request.key,
          now,
        )
      })
    } catch (err) {
      // the same key arrived twice at once: the other call wrote it first
      if (!isUniqueViolation(err)) throw err
      const raced = await this.findOperation(request.tenantId, request.key)
      if (!raced) throw err
      return this.retry(request.tenantId, raced, operation, request.amount, undefined, request.source)
    }
    return this.send(request.tenantId, operationId, {
      source: request.source,
      description: request.description,
    })
  }

  private async follow(
    tenantId: string,
    paymentId: string,
    operation: OperationKind,
    amount: number,
    key: string,
    check: (payment: Payment) => void | Promise<void>,
  ): Promise<PaymentOutcome> {
    if (operation !== 'void') checkAmount(amount)
    const existing = await this.findOperation(tenantId, key)
    if (existing) return this.retry(tenantId, existing, operation, amount, paymentId)

    const payment = await this.get(tenantId, paymentId)
    if (!payment) throw new PaymentError('not_found', `no payment ${paymentId}`)
    await check(payment)
    const operationId = newId('pop')
    const now = this.now()
    try {
      await this.db.transaction().execute(async (trx) => {
        // the payment is locked so two different calls cannot both pass the check on the same state
        const locked = await lockPayment(trx, tenantId, paymentId)
        if (locked.status !== payment.status || locked.amount_captured !== payment.amount_captured)
          throw new PaymentError('invalid_state', `the payment changed to ${locked.status}; try again`)
        await this.insertOperation(trx, tenantId, paymentId, operationId, operation, amount, key, now)
      })
    } catch (err) {
      if (!isUniqueViolation(err)) throw err
      const raced = await this.findOperation(tenantId, key)
      if (!raced) throw err
      return this.retry(tenantId, raced, operation, amount, paymentId)
    }
    return this.send(tenantId, operationId, {})
  }

  /** A call with a key already used: the same request gets its operation (sent again if unanswered). */
  private async retry(
    tenantId: string,
    existing: PaymentOperation,
    operation: OperationKind,
    amount: number,
    paymentId: string | undefined,
    source?: PaymentSource,
  ): Promise<PaymentOutcome> {
    if (
      existing.operation !== operation ||
      (operation !== 'void' && existing.amount !== amount) ||
      (paymentId !== undefined && existing.payment_id !== paymentId)
    )
      throw new PaymentError(
        'key_reused',
        `the key ${existing.idempotency_key} was used for another money call`,
      )
    if (openOperation.has(existing.status)) return this.send(tenantId, existing.id, source ? { source } : {})
    return this.outcome(this.db, tenantId, existing.id)
  }

  private async insertOperation(
    trx: Trx,
    tenantId: string,
    paymentId: string,
    operationId: string,
    operation: OperationKind,
    amount: number,
    key: string,
    now: Date,
  ) {
    await trx
      .insertInto('payment_operations')
      .values({
        tenant_id: tenantId,
        id: operationId,
        payment_id: paymentId,
        operation,
        amount,
        idempotency_key: key,
        status: 'pending',
        attempts: 0,
        created_at: now,
        // should this process die during the call, the reconciler takes it up after the backoff
        next_check_at: new Date(now.getTime() + this.backoffMs(1)),
      })
      .execute()
  }

  /**
   * Sends an unanswered operation to the gateway and records what came back. Used by callers and
   * by the reconciler (without a source: it asks the gateway what became of the key instead).
   */
  async send(
    tenantId: string,
    operationId: string,
    call: { source?: PaymentSource | undefined; description?: string | undefined; byReconciler?: boolean },
  ): Promise<PaymentOutcome> {
    const now = this.now()
    // the attempt is counted (and the next check scheduled) before the call leaves
    const counted = await this.db
      .updateTable('payment_operations')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('tenant_id', '=', tenantId)
      .where('id', '=', operationId)
      .where('status', 'in', ['pending', 'unknown'])
      .returningAll()
      .executeTakeFirst()
    if (!counted) return this.outcome(this.db, tenantId, operationId)
    const operation = toOperation(counted)
    await this.db
      .updateTable('payment_operations')
      .set({ next_check_at: new Date(now.getTime() + this.backoffMs(operation.attempts + 1)) })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', operationId)
      .execute()
    const payment = await this.get(tenantId, operation.payment_id)
    if (!payment) throw new PaymentError('not_found', `no payment ${operation.payment_id}`)
    const gateway = await this.deps.gatewayFor(tenantId)

    let answer: GatewayAnswer | null
    try {
      answer = await this.call(gateway, tenantId, payment, operation, call)
    } catch (err) {
      if (!(err instanceof GatewayUnavailable))
        this.deps.logger.warn({ err, operation: operation.id }, 'gateway call failed; its outcome is unknown')
      return this.unanswered(tenantId, operation, err, call.byReconciler ?? false)
    }
    if (answer === null) return this.settleNeverReceived(tenantId, operation)
    return this.apply(tenantId, operation.id, answer, call.byReconciler ?? false)
  }

  private async call(
    gateway: MoneyGateway,
    tenantId: string,
    payment: Payment,
    operation: PaymentOperation,
    call: { source?: PaymentSource | undefined; description?: string | undefined },
  ): Promise<GatewayAnswer | null> {
    const idempotencyKey = operation.id
    const description = call.description ?? `Tollgate ${payment.kind} ${payment.id}`
    if (operation.operation === 'authorize' || operation.operation === 'charge') {
      let source = call.source
      if (!source) {
        // the reconciler: a card number was never stored, so ask the gateway what became of the key
        if (gateway.find) return gateway.find({ idempotencyKey })
        const token = await this.storedToken(tenantId, payment)
        if (!token)
          throw new GatewayUnavailable('the source cannot be sent again and the gateway cannot be asked')
        source = { type: 'token', token }
      }
      const open = {
        idempotencyKey,
        amount: operation.amount,
        currency: payment.currency,
        source,
        description,
      }
      return operation.operation === 'authorize' ? gateway.authorize(open) : gateway.charge(open)
    }
    const reference = payment.gateway_reference
    if (!reference) throw new GatewayUnavailable('the payment has no gateway reference')
    switch (operation.operation) {
      case 'capture':
        return gateway.capture({ idempotencyKey, reference, amount: operation.amount })
      case 'void':
        return gateway.void({ idempotencyKey, reference })
      case 'refund':
        return gateway.refund({ idempotencyKey, reference, amount: operation.amount })
      case 'increment':
        return gateway.increment({ idempotencyKey, reference, amount: operation.amount })
    }
  }

  private async storedToken(tenantId: string, payment: Payment): Promise<string | null> {
    if (!payment.payment_method_id) return null
    const row = await this.db
      .selectFrom('payment_methods')
      .select(['gateway', 'gateway_token'])
      .where('tenant_id', '=', tenantId)
      .where('id', '=', payment.payment_method_id)
      .executeTakeFirst()
    return row?.gateway === payment.gateway ? (row.gateway_token ?? null) : null
  }

  /** No answer: the operation and the payment are unknown until the reconciler learns more. */
  private async unanswered(
    tenantId: string,
    operation: PaymentOperation,
    err: unknown,
    byReconciler: boolean,
  ): Promise<PaymentOutcome> {
    if (byReconciler && operation.attempts >= this.maxAttempts)
      return this.giveUp(tenantId, operation.id, err)
    const message = err instanceof Error ? err.message : String(err)
    return this.db.transaction().execute(async (trx) => {
      await lockPayment(trx, tenantId, operation.payment_id)
      await trx
        .updateTable('payment_operations')
        .set({ status: 'unknown', message })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', operation.id)
        .where('status', 'in', ['pending', 'unknown'])
        .execute()
      await trx
        .updateTable('payments')
        .set({ status: 'unknown', updated_at: this.now() })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', operation.payment_id)
        .execute()
      return this.outcome(trx, tenantId, operation.id)
    })
  }

  /** The gateway says it never received a hold or charge: nothing moved, so it failed. */
  private async settleNeverReceived(tenantId: string, operation: PaymentOperation): Promise<PaymentOutcome> {
    return this.fail(
      tenantId,
      operation.id,
      'never_received',
      'the payment provider never received the request',
    )
  }

  /** Too many tries without an answer: failed, and announced. */
  private async giveUp(tenantId: string, operationId: string, err: unknown): Promise<PaymentOutcome> {
    const reason = err instanceof Error ? err.message : String(err)
    return this.fail(
      tenantId,
      operationId,
      'no_answer',
      `no answer after ${this.maxAttempts} attempts: ${reason}`,
    )
  }

  private async fail(
    tenantId: string,
    operationId: string,
    code: string,
    message: string,
  ): Promise<PaymentOutcome> {
    return this.db.transaction().execute(async (trx) => {
      const payment = await lockPayment(
        trx,
        tenantId,
        (await this.operationRow(trx, tenantId, operationId)).payment_id,
      )
      const operation = await this.operationRow(trx, tenantId, operationId)
      if (!openOperation.has(operation.status)) return this.outcome(trx, tenantId, operationId)
      const now = this.now()
      await trx
        .updateTable('payment_operations')
        .set({ status: 'failed', decline_code: code, message, completed_at: now, next_check_at: null })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', operationId)
        .execute()
      const status = restingStatus(payment, now)
      await trx
        .updateTable('payments')
        .set({ status, failure_code: code, failure_message: message, updated_at: now })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', payment.id)
        .execute()
      const result = await this.outcome(trx, tenantId, operationId)
      await purchaseUsage(trx, tenantId, result.payment, now)
      await this.announce(trx, tenantId, 'payment.failed', result, now)
      return result
    })
  }

  /** Records the gateway's answer: the operation, the payment, the ledger and the webhook, together. */
  private async apply(
    tenantId: string,
    operationId: string,
    answer: GatewayAnswer,
    byReconciler: boolean,
  ): Promise<PaymentOutcome> {
    const result = await this.db.transaction().execute(async (trx) => {
      const first = await this.operationRow(trx, tenantId, operationId)
      const payment = await lockPayment(trx, tenantId, first.payment_id)
      const operation = await this.operationRow(trx, tenantId, operationId)
      // another caller (or the reconciler) recorded this answer already
      if (!openOperation.has(operation.status))
        return { outcome: await this.outcome(trx, tenantId, operationId) }
      const now = this.now()

      if (answer.status === 'declined') {
        await trx
          .updateTable('payment_operations')
          .set({
            status: 'declined',
            decline_code: answer.code,
            message: answer.message,
            gateway_reference: answer.reference ?? null,
            completed_at: now,
            next_check_at: null,
          })
          .where('tenant_id', '=', tenantId)
          .where('id', '=', operationId)
          .execute()
        const opening = operation.operation === 'authorize' || operation.operation === 'charge'
        const status: PaymentStatus = opening
          ? 'failed'
          : answer.code === 'authorization_expired'
            ? 'expired'
            : restingStatus(payment, now)
        const updated = { ...payment, status }
        await trx
          .updateTable('payments')
          .set({
            status,
            failure_code: answer.code,
            failure_message: answer.message,
            ...(opening && answer.reference ? { gateway_reference: answer.reference } : {}),
            updated_at: now,
          })
          .where('tenant_id', '=', tenantId)
          .where('id', '=', payment.id)
          .execute()
        await this.book(trx, tenantId, updated, operation.operation, now)
        const outcome = await this.outcome(trx, tenantId, operationId)
        await purchaseUsage(trx, tenantId, outcome.payment, now)
        await this.announce(trx, tenantId, 'payment.failed', outcome, now)
        return { outcome }
      }

      const status = statusAfter(operation.operation, answer)
      const updated: Payment = {
        ...payment,
        status,
        gateway_reference: answer.reference,
        amount_authorized: answer.amount_authorized,
        amount_captured: answer.amount_captured,
        amount_refunded: answer.amount_refunded,
        expires_at: status === 'authorized' ? answer.expires_at : null,
      }
      await trx
        .updateTable('payment_operations')
        .set({
          status: 'succeeded',
          gateway_reference: answer.reference,
          completed_at: now,
          next_check_at: null,
        })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', operationId)
        .execute()
      await trx
        .updateTable('payments')
        .set({
          status,
          gateway_reference: answer.reference,
          amount_authorized: updated.amount_authorized,
          amount_captured: updated.amount_captured,
          amount_refunded: updated.amount_refunded,
          expires_at: updated.expires_at,
          failure_code: null,
          failure_message: null,
          updated_at: now,
        })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', payment.id)
        .execute()
      await this.book(trx, tenantId, updated, operation.operation, now)
      if (answer.token && payment.payment_method_id)
        await rememberToken(trx, {
          tenantId,
          gateway: payment.gateway,
          token: answer.token,
          paymentMethodId: payment.payment_method_id,
        })
      const outcome = await this.outcome(trx, tenantId, operationId)
      await purchaseUsage(trx, tenantId, outcome.payment, now)
      const event = eventFor[operation.operation]
      if (event) await this.announce(trx, tenantId, event, outcome, now)
      return { outcome }
    })
    // A hold the caller never heard about (its answer came to the reconciler) is not wanted by
    // anyone: the caller was told it was unknown and went on without it. Release it.
    const { outcome } = result
    if (
      byReconciler &&
      outcome.operation.operation === 'authorize' &&
      outcome.payment.status === 'authorized'
    )
      return this.void(tenantId, outcome.payment.id, {
        key: `${outcome.operation.idempotency_key}:release-orphan`,
      })
    return outcome
  }

  /** Posts what the payment's state says and its ledger entries do not say yet. */
  private async book(
    trx: Trx,
    tenantId: string,
    payment: Payment,
    operation: OperationKind | 'expire',
    now: Date,
  ) {
    const books = await paymentBooks(trx, tenantId, payment.id)
    const held = payment.kind === 'hold' && payment.status === 'authorized' ? payment.amount_authorized : 0
    const common = {
      tenantId,
      currency: payment.currency,
      paymentId: payment.id,
      sessionId: payment.session_id,
      at: now,
    }
    let heldChange = held - books.held
    const newlyCaptured = payment.amount_captured - books.captured
    if (newlyCaptured > 0) {
      // the captured part of a hold leaves `holds` as it becomes revenue
      const fromHold = Math.min(newlyCaptured, Math.max(0, -heldChange))
      heldChange += fromHold
      const entries: LedgerEntryInput[] = [
        { account: accounts.gatewayReceivable, debit: newlyCaptured },
        { account: accounts.revenue, credit: newlyCaptured },
      ]
      if (fromHold > 0)
        entries.push(
          { account: accounts.holdsOffset, debit: fromHold },
          { account: accounts.holds, credit: fromHold },
        )
      await postTransaction(trx, { ...common, kind: operation === 'charge' ? 'charge' : 'capture', entries })
    }
    if (heldChange > 0) {
      const kind: LedgerKind = operation === 'increment' ? 'hold_increment' : 'hold'
      await postTransaction(trx, {
        ...common,
        kind,
        entries: [
          { account: accounts.holds, debit: heldChange },
          { account: accounts.holdsOffset, credit: heldChange },
        ],
      })
    } else if (heldChange < 0) {
      const kind: LedgerKind = operation === 'void' ? 'reversal' : 'release'
      await postTransaction(trx, {
        ...common,
        kind,
        memo: payment.status === 'expired' ? 'the hold lapsed' : '',
        entries: [
          { account: accounts.holdsOffset, debit: -heldChange },
          { account: accounts.holds, credit: -heldChange },
        ],
      })
    }
    const newlyRefunded = payment.amount_refunded - books.refunded
    if (newlyRefunded > 0)
      await postTransaction(trx, {
        ...common,
        kind: 'refund',
        entries: [
          { account: accounts.refunds, debit: newlyRefunded },
          { account: accounts.gatewayReceivable, credit: newlyRefunded },
        ],
      })
  }

  /** Marks authorized holds past their expiry as lapsed and releases them on the ledger. */
  async expireHolds(now: Date = this.now(), limit = 100): Promise<number> {
    const due = await this.db
      .selectFrom('payments')
      .select(['tenant_id', 'id'])
      .where('status', '=', 'authorized')
      .where('expires_at', '<=', now)
      .limit(limit)
      .execute()
    for (const { tenant_id: tenantId, id } of due)
      await this.db.transaction().execute(async (trx) => {
        const payment = await lockPayment(trx, tenantId, id)
        if (payment.status !== 'authorized' || !payment.expires_at || payment.expires_at > now) return
        const expired: Payment = { ...payment, status: 'expired' }
        await trx
          .updateTable('payments')
          .set({ status: 'expired', updated_at: now })
          .where('tenant_id', '=', tenantId)
          .where('id', '=', id)
          .execute()
        await this.book(trx, tenantId, expired, 'expire', now)
        await purchaseUsage(trx, tenantId, expired, now)
      })
    return due.length
  }

  private async announce(
    trx: Trx,
    tenantId: string,
    event: WebhookEvent,
    outcome: PaymentOutcome,
    now: Date,
  ) {
    await enqueueEvent(
      trx,
      tenantId,
      event,
      {
        payment: paymentView(outcome.payment),
        operation: {
          id: outcome.operation.id,
          operation: outcome.operation.operation,
          amount: outcome.operation.amount,
          status: outcome.operation.status,
          decline_code: outcome.operation.decline_code,
          message: outcome.operation.message,
        },
      },
      now,
    )
  }

  private async findOperation(tenantId: string, key: string): Promise<PaymentOperation | undefined> {
    const row = await this.db
      .selectFrom('payment_operations')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('idempotency_key', '=', key)
      .executeTakeFirst()
    return row ? toOperation(row) : undefined
  }

  private async operationRow(db: Trx | Db, tenantId: string, operationId: string): Promise<PaymentOperation> {
    const row = await db
      .selectFrom('payment_operations')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', operationId)
      .executeTakeFirstOrThrow()
    return toOperation(row)
  }

  private async outcome(db: Trx | Db, tenantId: string, operationId: string): Promise<PaymentOutcome> {
    const operation = await this.operationRow(db, tenantId, operationId)
    const payment = await db
      .selectFrom('payments')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', operation.payment_id)
      .executeTakeFirstOrThrow()
    return { payment: toPayment(payment), operation }
  }
}

const eventFor: Record<OperationKind, WebhookEvent | null> = {
  authorize: null,
  increment: null,
  capture: 'payment.captured',
  charge: 'payment.captured',
  void: 'payment.voided',
  refund: 'payment.refunded',
}

function statusAfter(
  operation: OperationKind,
  answer: GatewayAnswer & { status: 'succeeded' },
): PaymentStatus {
  switch (operation) {
    case 'authorize':
    case 'increment':
      return 'authorized'
    case 'capture':
    case 'charge':
      return 'captured'
    case 'void':
      return 'voided'
    case 'refund':
      return answer.amount_refunded >= answer.amount_captured ? 'refunded' : 'captured'
  }
}

function checkAmount(amount: number) {
  if (!Number.isSafeInteger(amount) || amount <= 0)
    throw new PaymentError('invalid_amount', 'amount is a positive whole number of minor units')
}

async function lockPayment(trx: Trx, tenantId: string, paymentId: string): Promise<Payment> {
  const row = await trx
    .selectFrom('payments')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', paymentId)
    .forUpdate()
    .executeTakeFirst()
  if (!row) throw new PaymentError('not_found', `no payment ${paymentId}`)
  return toPayment(row)
}

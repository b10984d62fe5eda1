// The reconciler: settles every money call whose answer never came. It sends an unknown (or
// stale pending) operation again with the same idempotency key, so the gateway answers with what
// it did the first time and moves nothing twice; a hold or charge whose card number was never
// stored is asked about instead (MoneyGateway.find). Each try is spaced by a growing backoff
// (payments.ts defaultBackoffMs); after the last try the operation is failed and announced, so
// nothing stays unknown forever. A hold whose answer only the reconciler heard is released: the
// caller was told it was unknown and went on without it. It also lapses holds past their expiry.
import type { Db } from '../../db/connect.ts'
import type { Logger } from '../logging.ts'
import type { Payments } from './payments.ts'

export class PaymentReconciler {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<unknown> | undefined

  constructor(
    private readonly deps: {
      db: Db
      payments: Payments
      logger: Logger
      now?: () => Date
      batchSize?: number
    },
  ) {}

  /** One pass: every operation due for a check, then lapsed holds. Returns how many were looked at. */
  async sweep(now: Date = this.deps.now?.() ?? new Date()): Promise<{ operations: number; expired: number }> {
    const due = await this.deps.db
      .selectFrom('payment_operations')
      .select(['tenant_id', 'id'])
      .where('status', 'in', ['pending', 'unknown'])
      .where('next_check_at', '<=', now)
      .orderBy('next_check_at')
      .limit(this.deps.batchSize ?? 50)
      .execute()
    for (const { tenant_id: tenantId, id } of due) {
      try {
        const { operation, payment } = await this.deps.payments.send(tenantId, id, { byReconciler: true })
        this.deps.logger.info(
          { operation: id, status: operation.status, payment: payment.id, payment_status: payment.status },
          'payment operation reconciled',
        )
      } catch (err) {
        this.deps.logger.error({ err, operation: id }, 'payment operation could not be reconciled')
      }
    }
    const expired = await this.deps.payments.expireHolds(now)
    return { operations: due.length, expired }
  }

  start(intervalMs = 10_000): void {
    if (this.timer) return
    this.timer = setInterval(() => {
      if (this.running) return
      this.running = this.sweep()
        .catch((err) => this.deps.logger.error({ err }, 'payment reconciliation failed'))
        .finally(() => {
          this.running = undefined
        })
    }, intervalMs)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    await this.running
  }
}

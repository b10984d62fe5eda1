// Sends the webhook outbox: picks due deliveries (SKIP LOCKED, so several processes share the
// work without sending one twice), signs and POSTs each with a per-request timeout, logs every
// attempt, and schedules retries with exponential backoff and jitter until the attempts run out.
import type { Selectable } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { WebhookDeliveriesTable } from '../../db/schema.ts'
import type { Logger } from '../logging.ts'
import { SIGNATURE_HEADER, signatureHeader } from './signature.ts'
import { unsealSecret } from './webhooks.ts'

/** the wait after the 1st, 2nd, … failed attempt; the last value repeats */
export const RETRY_DELAYS_SECONDS = [60, 300, 1800, 7200, 21_600, 43_200, 86_400] as const
const EXCERPT_CHARS = 500

/** ±20% jitter, so endpoints that failed together do not all come back at the same instant */
export function retryDelaySeconds(failedAttempts: number, random: () => number = Math.random): number {
  const index = Math.min(Math.max(failedAttempts, 1), RETRY_DELAYS_SECONDS.length) - 1
  const base = RETRY_DELAYS_SECONDS[index] ?? 86_400
  return Math.round(base * (0.8 + 0.4 * random()))
}

export interface DispatcherOptions {
  db: Db
  /** the deployment secret that seals endpoints' signing secrets */
  secret: string
  logger: Logger
  /** the clock for scheduling and signing; tests inject one */
  now?: () => Date
  random?: () => number
  /** per request, connection to last byte of the excerpt */
  timeoutMs?: number
  batchSize?: number
}

interface Attempt {
  tenantId: string
  id: string
  endpointId: string
  eventId: string
  eventType: string
  body: string
  attempts: number
  maxAttempts: number
}

interface AttemptResult {
  startedAt: Date
  durationMs: number
  status: number | null
  excerpt: string | null
  error: string | null
}

const attemptColumns = [
  'tenant_id',
  'id',
  'endpoint_id',
  'event_id',
  'event_type',
  'body',
  'attempts',
  'max_attempts',
] as const

function toAttempt(row: Pick<Selectable<WebhookDeliveriesTable>, (typeof attemptColumns)[number]>): Attempt {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    body: row.body,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
  }
}

const succeeded = (result: AttemptResult) =>
  result.status !== null && result.status >= 200 && result.status < 300

export class WebhookDispatcher {
  private readonly now: () => Date
  private readonly random: () => number
  private readonly timeoutMs: number
  private readonly batchSize: number
  private timer: NodeJS.Timeout | undefined
  private running: Promise<unknown> | undefined
  private stopped = true

  constructor(private readonly options: DispatcherOptions) {
    this.now = options.now ?? (() => new Date())
    this.random = options.random ?? Math.random
    this.timeoutMs = options.timeoutMs ?? 5_000
    this.batchSize = options.batchSize ?? 20
  }

  /** Starts polling for due deliveries. */
  start(intervalMs = 2_000): void {
    this.stopped = false
    const tick = () => {
      if (this.stopped) return
      this.running = this.runOnce()
        .catch((err) => this.options.logger.error({ err }, 'webhook dispatch failed'))
        .finally(() => {
          this.running = undefined
          if (!this.stopped) this.timer = setTimeout(tick, intervalMs)
        })
    }
    this.timer = setTimeout(tick, intervalMs)
  }

  /** Stops polling and waits for the pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    await this.running
  }

  /** Sends every delivery due now, once each; returns how many were attempted. */
  async runOnce(): Promise<number> {
    let total = 0
    for (;;) {
      const batch = await this.claim()
      if (!batch.length) return total
      total += batch.length
      await Promise.all(batch.map((delivery) => this.deliver(delivery)))
      if (batch.length < this.batchSize) return total
    }
  }

  /**
   * Sends one pending delivery now, on the same path as a due one (signing, attempt log, status),
   * and returns whether the receiver answered 2xx. For deliveries the poller never picks up
   * (no next attempt time), such as an endpoint's test event.
   */
  async sendNow(tenantId: string, deliveryId: string): Promise<boolean> {
    const row = await this.options.db
      .selectFrom('webhook_deliveries')
      .select(attemptColumns)
      .where('tenant_id', '=', tenantId)
      .where('id', '=', deliveryId)
      .where('status', '=', 'pending')
      .executeTakeFirst()
    if (!row) return false
    const result = await this.deliver(toAttempt(row))
    return result !== null && succeeded(result)
  }

  /** Takes due deliveries and pushes their next attempt past the request's deadline, as a lease. */
  private async claim(): Promise<Attempt[]> {
    const now = this.now()
    const leaseUntil = new Date(now.getTime() + this.timeoutMs + 60_000)
    return this.options.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('webhook_deliveries')
        .select(attemptColumns)
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .limit(this.batchSize)
        .forUpdate()
        .skipLocked()
        .execute()
      for (const row of rows)
        await trx
          .updateTable('webhook_deliveries')
          .set({ next_attempt_at: leaseUntil })
          .where('tenant_id', '=', row.tenant_id)
          .where('id', '=', row.id)
          .execute()
      return rows.map(toAttempt)
    })
  }

  /** Sends one claimed delivery and records the attempt; null when its endpoint is gone. */
  private async deliver(delivery: Attempt): Promise<AttemptResult | null> {
    const endpoint = await this.options.db
      .selectFrom('webhook_endpoints')
      .select(['url', 'secret_sealed', 'deleted_at'])
      .where('tenant_id', '=', delivery.tenantId)
      .where('id', '=', delivery.endpointId)
      .executeTakeFirst()
    if (!endpoint || endpoint.deleted_at) {
      await this.options.db
        .updateTable('webhook_deliveries')
        .set({ status: 'failed', next_attempt_at: null })
        .where('tenant_id', '=', delivery.tenantId)
        .where('id', '=', delivery.id)
        .execute()
      return null
    }
    const result = await this.send(
      endpoint.url,
      unsealSecret(this.options.secret, endpoint.secret_sealed),
      delivery,
    )
    await this.record(delivery, result)
    return result
  }

  private async send(url: string, signingSecret: string, delivery: Attempt): Promise<AttemptResult> {
    const startedAt = this.now()
    const started = performance.now()
    const timestamp = Math.floor(startedAt.getTime() / 1000)
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Tollgate-Webhooks/1',
          [SIGNATURE_HEADER]: signatureHeader(signingSecret, timestamp, delivery.body),
          'Tollgate-Event-Id': delivery.eventId,
          'Tollgate-Event-Type': delivery.eventType,
          'Tollgate-Delivery-Id': delivery.id,
        },
        body: delivery.body,
        // a redirect is the receiver's misconfiguration: log it rather than follow it elsewhere
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      })
      const text = await response.text()
      return {
        startedAt,
        durationMs: Math.round(performance.now() - started),
        status: response.status,
        excerpt: text.slice(0, EXCERPT_CHARS),
        error: null,
      }
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : ''
      return {
        startedAt,
        durationMs: Math.round(performance.now() - started),
        status: null,
        excerpt: null,
        error: timedOut
          ? `timed out after ${this.timeoutMs} ms`
          : `${err instanceof Error ? err.message : String(err)}${cause}`.slice(0, EXCERPT_CHARS),
      }
    }
  }

  private async record(delivery: Attempt, result: AttemptResult): Promise<void> {
    const attempt = delivery.attempts + 1
    const ok = succeeded(result)
    const exhausted = !ok && attempt >= delivery.maxAttempts
    const now = this.now()
    await this.options.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('webhook_attempts')
        .values({
          tenant_id: delivery.tenantId,
          delivery_id: delivery.id,
          attempt,
          started_at: result.startedAt,
          duration_ms: result.durationMs,
          response_status: result.status,
          response_excerpt: result.excerpt,
          error: result.error,
        })
        .execute()
      await trx
        .updateTable('webhook_deliveries')
        .set({
          attempts: attempt,
          last_attempt_at: result.startedAt,
          status: ok ? 'succeeded' : exhausted ? 'failed' : 'pending',
          delivered_at: ok ? now : null,
          next_attempt_at:
            ok || exhausted ? null : new Date(now.getTime() + retryDelaySeconds(attempt, this.random) * 1000),
        })
        .where('tenant_id', '=', delivery.tenantId)
        .where('id', '=', delivery.id)
        .execute()
    })
    if (!ok)
      this.options.logger.warn(
        {
          tenant_id: delivery.tenantId,
          delivery_id: delivery.id,
          attempt,
          status: result.status,
          error: result.error,
        },
        exhausted ? 'webhook delivery failed for good' : 'webhook delivery failed; will retry',
      )
  }
}

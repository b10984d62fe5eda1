// The sessions' background work, started with the service graph in every server process. Each pass:
//   1. ends a live session whose heartbeats stopped (silent longer than the tenant's
//      billing_settings.heartbeat_timeout_seconds, 90 by default) at its last heartbeat;
//   2. ends a live session whose billed time reached its grant, at the grant;
//   3. settles ended sessions not settled yet — a settlement cut short by a crash or an answer
//      the gateway still owes — with backoff;
//   4. fails a start that never got past its hold (the process died between the two);
//   5. voids a hold that came back authorized for a session that failed to start.
// Several processes may sweep at once: ending locks the session's row and checks its status, and
// every gateway call is keyed by the session, so two sweepers repeat each other's calls harmlessly.
import { sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { Logger } from '../logging.ts'
import { fail, OPENING_TIMEOUT_MS, type Sessions } from './service.ts'
import type { SessionPayments } from './settlement.ts'

const DEFAULT_HEARTBEAT_TIMEOUT_SECONDS = 90
/** rows taken per step per pass */
const BATCH = 50

export interface SweeperDeps {
  db: Db
  logger: Logger
  sessions: Sessions
  payments: SessionPayments
  /** how often a pass runs */
  intervalMs?: number
}

export class SessionSweeper {
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null

  constructor(private readonly deps: SweeperDeps) {}

  start(): void {
    if (this.timer) return
    this.timer = setInterval(() => {
      if (!this.running)
        this.running = this.sweep()
          .then(() => undefined)
          .catch((error: unknown) => this.deps.logger.error({ err: error }, 'session sweep failed'))
          .finally(() => {
            this.running = null
          })
    }, this.deps.intervalMs ?? 2000)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.running
  }

  /** One pass; returns what it did, for tests and logs. */
  async sweep(): Promise<{ ended: number; settled: number; failedStarts: number; released: number }> {
    const { db, sessions, logger } = this.deps
    const now = sessions.clock()
    const result = { ended: 0, settled: 0, failedStarts: 0, released: 0 }

    const silent = await db
      .selectFrom('sessions as s')
      .leftJoin('billing_settings as b', 'b.tenant_id', 's.tenant_id')
      .select(['s.tenant_id', 's.id', 's.last_heartbeat_at'])
      .where('s.status', '=', 'live')
      .where(
        's.last_heartbeat_at',
        '<',
        sql<Date>`${now}::timestamptz - make_interval(secs => coalesce(b.heartbeat_timeout_seconds, ${DEFAULT_HEARTBEAT_TIMEOUT_SECONDS}))`,
      )
      .limit(BATCH)
      .execute()
    for (const s of silent) {
      await this.attempt(s.id, () =>
        sessions.end(s.tenant_id, s.id, { reason: 'heartbeat_lost', at: s.last_heartbeat_at }),
      )
      result.ended++
    }

    const overrun = await db
      .selectFrom('sessions')
      .select(['tenant_id', 'id', 'billing_started_at', 'granted_seconds'])
      .where('status', '=', 'live')
      .where('billing_started_at', 'is not', null)
      .where('granted_seconds', 'is not', null)
      .where(sql<boolean>`billing_started_at + make_interval(secs => granted_seconds) <= ${now}::timestamptz`)
      .limit(BATCH)
      .execute()
    for (const s of overrun) {
      const at = new Date((s.billing_started_at as Date).getTime() + (s.granted_seconds ?? 0) * 1000)
      await this.attempt(s.id, () => sessions.end(s.tenant_id, s.id, { reason: 'granted_time_used', at }))
      result.ended++
    }

    const unsettled = await db
      .selectFrom('sessions')
      .select(['tenant_id', 'id', 'settle_attempts'])
      .where('status', '=', 'ended')
      .where('next_settle_at', '<=', now)
      .orderBy('next_settle_at')
      .limit(BATCH)
      .execute()
    for (const s of unsettled) {
      const settled = await this.attempt(s.id, () => sessions.settle(s.tenant_id, s.id))
      if (settled) result.settled++
      else {
        // 2 s, 4 s, 8 s … up to 5 minutes: the reconciler learns the gateway's answer meanwhile
        const delayMs = Math.min(300_000, 2000 * 2 ** Math.min(s.settle_attempts, 8))
        await db
          .updateTable('sessions')
          .set({ settle_attempts: s.settle_attempts + 1, next_settle_at: new Date(now.getTime() + delayMs) })
          .where('tenant_id', '=', s.tenant_id)
          .where('id', '=', s.id)
          .where('status', '=', 'ended')
          .execute()
      }
    }

    const stuck = await db
      .selectFrom('sessions')
      .select(['tenant_id', 'id', 'decision_id'])
      .where('status', '=', 'opening')
      .where('started_at', '<', new Date(now.getTime() - OPENING_TIMEOUT_MS))
      .limit(BATCH)
      .execute()
    for (const s of stuck) {
      const hold = await db
        .selectFrom('payments')
        .select('id')
        .where('tenant_id', '=', s.tenant_id)
        .where('session_id', '=', s.id)
        .executeTakeFirst()
      await fail(db, s.tenant_id, s.id, s.decision_id, now, {
        code: 'start_interrupted',
        message: 'The session’s start was interrupted before its hold came back; nothing will be charged.',
        paymentId: hold?.id,
      })
      result.failedStarts++
    }

    const orphans = await db
      .selectFrom('sessions as s')
      .innerJoin('payments as p', (j) =>
        j.onRef('p.tenant_id', '=', 's.tenant_id').onRef('p.session_id', '=', 's.id'),
      )
      .select(['s.tenant_id', 's.id', 'p.id as payment_id'])
      .where('s.status', '=', 'failed')
      .where('p.kind', '=', 'hold')
      .where('p.status', '=', 'authorized')
      .limit(BATCH)
      .execute()
    for (const o of orphans) {
      const released = await this.attempt(o.id, () =>
        this.deps.payments.void(o.tenant_id, o.payment_id, { key: `${o.id}:void` }).then(() => undefined),
      )
      if (released) result.released++
    }

    if (result.ended || result.settled || result.failedStarts || result.released)
      logger.info({ ...result }, 'sessions swept')
    return result
  }

  private async attempt(sessionId: string, work: () => Promise<unknown>): Promise<boolean> {
    try {
      await work()
      return true
    } catch (error) {
      this.deps.logger.warn({ err: error, session_id: sessionId }, 'session sweep step deferred')
      return false
    }
  }
}

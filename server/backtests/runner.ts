// The background worker that replays backtests. It claims one job at a time under a lease (so
// several server processes share the work and a crashed one's job is picked up again), replays
// the tenant's decisions in (created_at, id) order in batches with facts as of each decision's
// time, and saves the tallies and a cursor after every batch — so progress survives a reload and
// a restart resumes where the last batch ended. A cancelled job stops at the next batch.
import { type InsertObject, sql, type UpdateObject } from 'kysely'
import type { Db } from '../../db/connect.ts'
import { jsonb } from '../../db/json.ts'
import type { Database } from '../../db/schema.ts'
import {
  type ChangeCause,
  changeCauses,
  type RecordedReason,
  type RuleSummary,
} from '../../rules/change-causes.ts'
import { type CompiledRuleSet, compileRuleSet } from '../../rules/engine.ts'
import type { CapturedRequest } from '../../rules/request.ts'
import type { Logger } from '../logging.ts'
import type { BacktestRow, OutcomeMatrix, RuleHits } from './backtests.ts'
import { BatchedFactSources } from './batched-sources.ts'

export interface BacktestRunnerOptions {
  db: Db
  logger?: Logger
  /** decisions replayed together; each batch is one read, a few fact queries and one save */
  batchSize?: number
  /**
   * replays in flight at once. Their fact questions are answered together, so more is fewer round
   * trips; but a compiled rule set keeps 32 idle engines and builds a new one for each run beyond.
   */
  concurrency?: number
  /** how long a claimed job stays ours without a saved batch */
  leaseMs?: number
  /** how often an idle runner looks for queued jobs */
  pollMs?: number
  /** called after each saved batch; tests use it to slow a job down or stop between batches */
  afterBatch?: (job: { id: string; processed: number }) => Promise<void> | void
}

interface DecisionToReplay {
  id: string
  created_at: Date
  outcome: string
  customer_id: string | null
  request: unknown
  returning: unknown
}

/** Runs work over items with at most `limit` in flight, keeping the results in order. */
async function mapWithConcurrency<T, R>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const lane = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await work(items[index] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane))
  return results
}

export class BacktestRunner {
  private readonly db: Db
  private readonly batchSize: number
  private readonly concurrency: number
  private readonly leaseMs: number
  private readonly pollMs: number
  private loop: Promise<void> | null = null
  private stopping = false
  private wakeUp: (() => void) | null = null

  constructor(private readonly options: BacktestRunnerOptions) {
    this.db = options.db
    this.batchSize = options.batchSize ?? 500
    this.concurrency = options.concurrency ?? 32
    this.leaseMs = options.leaseMs ?? 60_000
    this.pollMs = options.pollMs ?? 1000
  }

  /** Works through queued jobs in the background until stop(). */
  start(): void {
    if (this.loop) return
    this.stopping = false
    this.loop = (async () => {
      while (!this.stopping) {
        try {
          if (await this.runOnce()) continue
        } catch (error) {
          this.options.logger?.error({ err: error }, 'backtest runner failed to claim a job')
        }
        if (this.stopping) break
        await new Promise<void>((resolve) => {
          this.wakeUp = resolve
          setTimeout(resolve, this.pollMs)
        })
        this.wakeUp = null
      }
    })()
  }

  /** Stops after the batch in progress; its job keeps its cursor and is resumed by the next runner. */
  async stop(): Promise<void> {
    this.stopping = true
    this.wakeUp?.()
    await this.loop
    this.loop = null
  }

  /** A job was queued: look now rather than at the next poll. */
  wake(): void {
    this.wakeUp?.()
  }

  /** Claims one job and runs it until it finishes, is cancelled or the runner stops. */
  async runOnce(): Promise<string | null> {
    const job = await this.claim()
    if (!job) return null
    await this.run(job)
    return job.row.id
  }

  /** Runs jobs until none is left to claim (tests and the benchmark). */
  async runUntilIdle(): Promise<void> {
    while (!this.stopping && (await this.runOnce()) !== null) {}
  }

  /** A queued job, or a running one whose lease ran out (its runner stopped or died). */
  private async claim(): Promise<{ row: BacktestRow; lease: Date } | null> {
    const lease = new Date(Date.now() + this.leaseMs)
    const row = await this.db.transaction().execute(async (trx) => {
      const next = await trx
        .selectFrom('backtests')
        .select(['tenant_id', 'id'])
        .where('status', 'in', ['queued', 'running'])
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', new Date())]))
        .orderBy('created_at')
        .limit(1)
        // two processes never claim the same job; PGlite is one connection, so there it is moot
        .forUpdate()
        .skipLocked()
        .executeTakeFirst()
      if (!next) return undefined
      return trx
        .updateTable('backtests')
        .set({ status: 'running', lease_until: lease, started_at: sql<Date>`coalesce(started_at, now())` })
        .where('tenant_id', '=', next.tenant_id)
        .where('id', '=', next.id)
        .returningAll()
        .executeTakeFirst()
    })
    return row ? { row, lease } : null
  }

  private async run(claimed: { row: BacktestRow; lease: Date }): Promise<void> {
    const { row: job } = claimed
    let lease = claimed.lease
    const log = this.options.logger
    try {
      const compiled = await this.compile(job)
      const timeZone = compiled.definition.settings.time_zone ?? (await this.tenantTimeZone(job.tenant_id))
      const sources = new BatchedFactSources(this.db, job.tenant_id)
      const matrix = structuredClone((job.matrix ?? {}) as OutcomeMatrix)
      const ruleHits = structuredClone((job.rule_hits ?? {}) as RuleHits)
      let processed = job.processed
      let changed = job.changed
      let cursorId = job.cursor_id
      if (cursorId === null) {
        const total = await this.inRange(job)
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirst()
        const saved = await this.save(job, lease, { total: Number(total?.n ?? 0) })
        if (!saved) return
        lease = saved
      }
      const started = performance.now()
      let replayedNow = 0

      while (!this.stopping) {
        const batch = await this.readBatch(job, cursorId)
        if (!batch.length) break
        const replays = await mapWithConcurrency(batch, this.concurrency, async (decision) => {
          const evaluation = await compiled.evaluate({
            request: decision.request as CapturedRequest,
            now: decision.created_at,
            timeZone,
            customer: { id: decision.customer_id, returning: decision.returning === true },
            sources: sources.asOf(decision.created_at),
          })
          return { decision, evaluation }
        })
        const changedReplays: typeof replays = []
        for (const replay of replays) {
          const { decision, evaluation } = replay
          const outcome = evaluation.resolution.outcome
          const row = matrix[decision.outcome] ?? {}
          row[outcome] = (row[outcome] ?? 0) + 1
          matrix[decision.outcome] = row
          for (const fired of evaluation.fired) ruleHits[fired.id] = (ruleHits[fired.id] ?? 0) + 1
          if (outcome !== decision.outcome) changedReplays.push(replay)
        }
        const recorded = await this.readDecidingInputs(
          job,
          changedReplays.map((c) => c.decision.id),
        )
        const changes = changedReplays.map(({ decision, evaluation }) => ({
          decision,
          outcome: evaluation.resolution.outcome,
          rules: changeCauses({
            now: {
              decidedBy: evaluation.resolution.decided_by,
              fired: evaluation.fired.map((f) => ({ id: f.id, name: f.name, type: f.type })),
            },
            before: {
              outcome: decision.outcome,
              ...(recorded.get(decision.id) ?? { reasons: [], fired: [] }),
            },
          }) satisfies ChangeCause[],
        }))
        const last = batch[batch.length - 1] as DecisionToReplay
        processed += batch.length
        changed += changes.length
        replayedNow += batch.length
        cursorId = last.id
        const elapsed = (performance.now() - started) / 1000
        const saved = await this.save(
          job,
          lease,
          {
            processed,
            changed,
            matrix: jsonb(matrix),
            rule_hits: jsonb(ruleHits),
            cursor_at: last.created_at,
            cursor_id: last.id,
            rate_per_second: elapsed > 0 ? replayedNow / elapsed : null,
          },
          changes.map((c) => ({
            tenant_id: job.tenant_id,
            backtest_id: job.id,
            decision_id: c.decision.id,
            decided_at: c.decision.created_at,
            old_outcome: c.decision.outcome,
            new_outcome: c.outcome,
            new_rules: jsonb(c.rules),
          })),
        )
        if (!saved) {
          log?.info({ backtest: job.id, processed }, 'backtest cancelled or taken over; stopping')
          return
        }
        lease = saved
        await this.options.afterBatch?.({ id: job.id, processed })
        if (batch.length < this.batchSize) break
      }
      if (this.stopping) {
        // hand the job back at once rather than when the lease runs out
        await this.save(job, lease, { lease_until: null })
        return
      }
      await this.save(job, lease, { status: 'completed', finished_at: new Date(), lease_until: null })
      log?.info({ backtest: job.id, processed, changed }, 'backtest completed')
    } catch (error) {
      log?.error({ err: error, backtest: job.id }, 'backtest failed')
      await this.save(job, lease, {
        status: 'failed',
        // what the console shows; the detail is in the log
        error:
          error instanceof Error && error.message.startsWith('invalid rule set')
            ? error.message
            : 'The replay failed; see the server log.',
        finished_at: new Date(),
        lease_until: null,
      }).catch(() => {})
    }
  }

  /** Drafts can change, so the version is compiled from its row when the job (re)starts, not cached. */
  private async compile(job: BacktestRow): Promise<CompiledRuleSet> {
    const version = await this.db
      .selectFrom('rule_set_versions')
      .select('definition')
      .where('tenant_id', '=', job.tenant_id)
      .where('rule_set_id', '=', job.rule_set_id)
      .where('version', '=', job.version)
      .executeTakeFirstOrThrow()
    return compileRuleSet(version.definition)
  }

  private async tenantTimeZone(tenantId: string): Promise<string> {
    const tenant = await this.db
      .selectFrom('tenants')
      .select('time_zone')
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst()
    return tenant?.time_zone ?? 'UTC'
  }

  /** The job's decisions: its tenant, its range, and its sample (by a hash of the id, so a resumed job samples the same ones). */
  private inRange(job: BacktestRow) {
    return this.db
      .selectFrom('decisions as d')
      .where('d.tenant_id', '=', job.tenant_id)
      .where('d.created_at', '>=', job.range_from)
      .where('d.created_at', '<', job.range_to)
      .$if(job.sample_rate !== null && job.sample_rate < 1, (q) =>
        q.where(sql<boolean>`(hashtext(d.id)::int8 & 65535) < ${Math.round((job.sample_rate ?? 1) * 65536)}`),
      )
  }

  /**
   * What the changed decisions were told and which rules fired for them, to name the rules that no
   * longer decide: read for the few that changed, not with every decision of the batch.
   */
  private async readDecidingInputs(
    job: BacktestRow,
    ids: string[],
  ): Promise<Map<string, { reasons: RecordedReason[]; fired: RuleSummary[] }>> {
    if (!ids.length) return new Map()
    const rows = await this.db
      .selectFrom('decisions')
      .select(['id', 'fired_rules', sql<unknown>`(response::jsonb -> 'reasons')`.as('reasons')])
      .where('tenant_id', '=', job.tenant_id)
      .where('id', 'in', ids)
      .execute()
    return new Map(
      rows.map((r) => [
        r.id,
        {
          reasons: Array.isArray(r.reasons) ? (r.reasons as RecordedReason[]) : [],
          fired: Array.isArray(r.fired_rules)
            ? (r.fired_rules as RuleSummary[]).map((f) => ({ id: f.id, name: f.name, type: f.type }))
            : [],
        },
      ]),
    )
  }

  private async readBatch(job: BacktestRow, cursorId: string | null): Promise<DecisionToReplay[]> {
    return (
      this.inRange(job)
        .select([
          'd.id',
          'd.created_at',
          'd.outcome',
          'd.customer_id',
          'd.request',
          sql<unknown>`(d.response::jsonb -> 'customer' -> 'returning')`.as('returning'),
        ])
        // The cursor decision's own created_at, read in SQL, keeps the database's full precision;
        // the plain >= lets the (tenant_id, created_at) index start at the cursor rather than
        // filtering from the start of the range on every batch.
        .$if(cursorId !== null, (q) =>
          q
            .where(
              sql<boolean>`d.created_at >= (select c.created_at from decisions c where c.tenant_id = ${job.tenant_id} and c.id = ${cursorId})`,
            )
            .where(
              sql<boolean>`(d.created_at, d.id) > (select c.created_at, c.id from decisions c where c.tenant_id = ${job.tenant_id} and c.id = ${cursorId})`,
            ),
        )
        .orderBy('d.created_at')
        .orderBy('d.id')
        .limit(this.batchSize)
        .execute()
    )
  }

  /**
   * Saves progress (and the batch's changed decisions) only while the job is still ours and running:
   * a cancel, or another runner that took over an expired lease, makes this a no-op and stops the run.
   * Returns the renewed lease, or null when the job is no longer ours.
   */
  private async save(
    job: BacktestRow,
    lease: Date,
    values: UpdateObject<Database, 'backtests'>,
    changes: InsertObject<Database, 'backtest_changes'>[] = [],
  ): Promise<Date | null> {
    const renewed = new Date(Date.now() + this.leaseMs)
    return this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('backtests')
        .set({ lease_until: renewed, ...values })
        .where('tenant_id', '=', job.tenant_id)
        .where('id', '=', job.id)
        .where('status', '=', 'running')
        // the lease we set is our fencing token
        .where('lease_until', '=', lease)
        .executeTakeFirst()
      if (Number(updated.numUpdatedRows) !== 1) return null
      if (changes.length)
        await trx
          .insertInto('backtest_changes')
          .values(changes)
          .onConflict((oc) => oc.doNothing())
          .execute()
      return renewed
    })
  }
}

// Shadow evaluation: every live decision is evaluated again with the rule set's shadow version,
// after the live transaction has committed, and the two outcomes are recorded side by side. It can
// never change the live answer or usage (it runs later, reads as of the decision's time and writes
// only shadow_results), and it costs the live path one enqueue: the queue is bounded in memory and
// drops (and counts) work rather than grow or slow decisions down.
import { Counter } from 'prom-client'
import type { Db } from '../../db/connect.ts'
import { jsonb } from '../../db/json.ts'
import type { CapturedRequest } from '../../rules/request.ts'
import type { DecisionResponse } from '../authorizations/schema.ts'
import { sqlFactSources } from '../authorizations/sources.ts'
import type { Logger } from '../logging.ts'
import type { Metrics } from '../metrics.ts'
import type { ActiveRuleSet, RuleSetCache } from '../rule-sets/active.ts'

export interface ShadowJob {
  tenantId: string
  ruleSetId: string
  version: number
  /** the tenant's zone, used when the shadow version does not set its own */
  tenantTimeZone: string
  decisionId: string
  decidedAt: Date
  request: CapturedRequest
  customer: { id: string | null; returning: boolean }
  liveOutcome: string
}

export interface ShadowEvaluatorOptions {
  db: Db
  ruleSets: RuleSetCache
  logger?: Logger
  metrics?: Metrics
  /** evaluations waiting at most; beyond it new ones are dropped */
  capacity?: number
  /** evaluations running at once, so shadow work never crowds out live decisions */
  concurrency?: number
}

export class ShadowEvaluator {
  /** evaluations dropped because the queue was full */
  dropped = 0
  evaluated = 0
  failed = 0
  private readonly queue: ShadowJob[] = []
  private running = 0
  private readonly capacity: number
  private readonly concurrency: number
  private idleWaiters: (() => void)[] = []
  private readonly counter: Counter<'result'> | null

  constructor(private readonly options: ShadowEvaluatorOptions) {
    this.capacity = options.capacity ?? 1000
    this.concurrency = options.concurrency ?? 2
    this.counter = options.metrics
      ? new Counter({
          name: 'tollgate_shadow_evaluations_total',
          help: 'Shadow evaluations of live decisions, by result: recorded, failed or dropped (queue full)',
          labelNames: ['result'],
          registers: [options.metrics.registry],
        })
      : null
  }

  /** Called by the live pipeline after its transaction committed. Never throws, never waits. */
  afterDecision(
    tenantId: string,
    active: ActiveRuleSet | null,
    request: CapturedRequest,
    decision: DecisionResponse,
  ): void {
    try {
      const ruleSet = active?.ruleSet
      if (!active || !ruleSet || ruleSet.shadowVersion === null) return
      this.enqueue({
        tenantId,
        ruleSetId: ruleSet.id,
        version: ruleSet.shadowVersion,
        tenantTimeZone: active.tenantTimeZone,
        decisionId: decision.id,
        decidedAt: new Date(decision.created_at),
        request,
        customer: { id: decision.customer?.id ?? null, returning: decision.customer?.returning ?? false },
        liveOutcome: decision.outcome,
      })
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'shadow evaluation not queued')
    }
  }

  /** Queues one evaluation; false when the queue is full and it was dropped. */
  enqueue(job: ShadowJob): boolean {
    if (this.queue.length >= this.capacity) {
      this.dropped++
      this.counter?.inc({ result: 'dropped' })
      return false
    }
    this.queue.push(job)
    this.pump()
    return true
  }

  /** Resolves when every queued evaluation has been recorded (tests, shutdown). */
  idle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  private pump(): void {
    while (this.running < this.concurrency) {
      const job = this.queue.shift()
      if (!job) break
      this.running++
      // off the live request's turn of the event loop
      setImmediate(() => {
        void this.evaluate(job).finally(() => {
          this.running--
          this.pump()
          if (this.running === 0 && this.queue.length === 0) {
            const waiters = this.idleWaiters
            this.idleWaiters = []
            for (const resolve of waiters) resolve()
          }
        })
      })
    }
  }

  private async evaluate(job: ShadowJob): Promise<void> {
    const { db } = this.options
    try {
      const compiled = await this.options.ruleSets.version(db, job.tenantId, job.ruleSetId, job.version)
      const evaluation = await compiled.evaluate({
        request: job.request,
        now: job.decidedAt,
        timeZone: compiled.definition.settings.time_zone ?? job.tenantTimeZone,
        customer: job.customer,
        // as of the decision's time: the live decision's own usage and anything after it do not count
        sources: sqlFactSources(db, job.tenantId, job.decidedAt),
      })
      await db
        .insertInto('shadow_results')
        .values({
          tenant_id: job.tenantId,
          rule_set_id: job.ruleSetId,
          version: job.version,
          decision_id: job.decisionId,
          decided_at: job.decidedAt,
          live_outcome: job.liveOutcome,
          shadow_outcome: evaluation.resolution.outcome,
          shadow_rules: jsonb(evaluation.fired.map((f) => ({ id: f.id, name: f.name, type: f.type }))),
        })
        .onConflict((oc) => oc.doNothing())
        .execute()
      this.evaluated++
      this.counter?.inc({ result: 'recorded' })
    } catch (error) {
      this.failed++
      this.counter?.inc({ result: 'failed' })
      this.options.logger?.warn({ err: error, decision: job.decisionId }, 'shadow evaluation failed')
    }
  }
}

// Prometheus metrics, one registry per running app so tests can start several apps in one process.
import cluster from 'node:cluster'
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client'

export class Metrics {
  readonly registry = new Registry()
  private readonly decisions = new Counter({
    name: 'tollgate_decisions_total',
    help: 'Decisions made, by outcome and by how the request arrived (api, phone)',
    labelNames: ['outcome', 'arrival'],
    registers: [this.registry],
  })
  private readonly decisionSeconds = new Histogram({
    name: 'tollgate_decision_duration_seconds',
    help: 'Time to decide an authorization, from capture to commit',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  })
  readonly httpSeconds = new Histogram({
    name: 'tollgate_http_request_duration_seconds',
    help: 'HTTP requests, by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2],
    registers: [this.registry],
  })

  /** how many authorizations shared each transaction (server/decision-store/batcher.ts) */
  readonly batchSize = new Histogram({
    name: 'tollgate_decision_batch_size',
    help: 'Authorizations decided in one shared database transaction',
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [this.registry],
  })
  /** decisions that ran again: conflict, later (waited for a provider outside) or failed (the transaction failed) */
  readonly batchRetries = new Counter({
    name: 'tollgate_decision_batch_retries_total',
    help: 'Decisions that ran again outside their batch: conflict (gave way to another of the batch), later (left its transaction to wait for a slow provider, then ran again in a later batch), failed (the shared transaction failed)',
    labelNames: ['reason'],
    registers: [this.registry],
  })

  constructor(options: { defaultMetrics?: boolean } = {}) {
    // With TOLLGATE_WORKERS, /metrics is answered by whichever worker takes the connection: each
    // series says which worker's it is, so a scraper (or the bench) can tell them apart.
    if (cluster.isWorker && cluster.worker)
      this.registry.setDefaultLabels({ worker: String(cluster.worker.id) })
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry })
  }

  recordDecision(outcome: string, arrival: string, seconds: number): void {
    this.decisions.inc({ outcome, arrival })
    this.decisionSeconds.observe(seconds)
  }
}

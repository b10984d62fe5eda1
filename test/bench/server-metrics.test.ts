// The bench's reading of /metrics: each scrape is one worker's, and a phase's figures come from the
// difference between the scrapes before and after it, worker by worker.
import { describe, expect, it } from 'vitest'
import { Metrics } from '../../server/metrics.ts'
import { between, parseWorkerCounters, type WorkerCounters } from './server-metrics.ts'

const scrape = `# HELP tollgate_decision_batch_size Authorizations decided in one shared database transaction
tollgate_decision_batch_size_bucket{le="1",worker="2"} 3
tollgate_decision_batch_size_sum{worker="2"} 40
tollgate_decision_batch_size_count{worker="2"} 10
nodejs_gc_duration_seconds_sum{kind="minor",worker="2"} 0.25
nodejs_gc_duration_seconds_count{kind="minor",worker="2"} 20
nodejs_gc_duration_seconds_sum{kind="major",worker="2"} 0.05
nodejs_gc_duration_seconds_count{kind="major",worker="2"} 1
`

describe('the bench reading /metrics', () => {
  it('reads one worker’s batch and GC counters from a scrape', () => {
    expect(parseWorkerCounters(scrape)).toEqual({
      worker: '2',
      counters: { batchSum: 40, batchCount: 10, gcSeconds: 0.3, gcCount: 21 },
    })
  })

  it('reads what the server’s own registry writes, unlabelled in a single process', async () => {
    const metrics = new Metrics()
    metrics.batchSize.observe(3)
    metrics.batchSize.observe(5)
    const { worker, counters } = parseWorkerCounters(await metrics.registry.metrics())
    expect(worker).toBe('-')
    expect(counters.batchSum).toBe(8)
    expect(counters.batchCount).toBe(2)
  })

  it('gives a phase’s mean batch and GC time per second from two scrapes of each worker', () => {
    const at = (
      batchSum: number,
      batchCount: number,
      gcSeconds: number,
      gcCount: number,
    ): WorkerCounters => ({
      batchSum,
      batchCount,
      gcSeconds,
      gcCount,
    })
    const before = new Map([
      ['1', at(100, 50, 1, 100)],
      ['2', at(10, 5, 0.5, 10)],
    ])
    const after = new Map([
      ['1', at(400, 100, 1.2, 110)],
      ['2', at(310, 55, 0.8, 30)],
      ['3', at(999, 1, 9, 9)], // only after: a worker started during the phase is left out
    ])
    const phase = between(before, after, 10)
    expect(phase.meanBatch).toBe(600 / 100)
    expect(phase.gcMsPerSecond).toBeCloseTo(((0.2 + 0.3) * 1000) / 10 / 2)
    expect(phase.gcMeanPauseMs).toBeCloseTo((0.5 * 1000) / 30)
  })
})

// What the Tollgate processes say of themselves on /metrics, per worker, for the bench: how many
// decisions shared a transaction, and how long garbage collection held each process. With several
// workers /metrics is answered by whichever takes the connection, so it is scraped on new
// connections until every worker has answered (each series carries its worker label).

/** One worker's counters at one moment. */
export interface WorkerCounters {
  batchSum: number
  batchCount: number
  gcSeconds: number
  gcCount: number
}

/** Parses the exposition text of one scrape into its worker's counters ("-" when unlabelled). */
export function parseWorkerCounters(text: string): { worker: string; counters: WorkerCounters } {
  const counters: WorkerCounters = { batchSum: 0, batchCount: 0, gcSeconds: 0, gcCount: 0 }
  let worker = '-'
  for (const line of text.split('\n')) {
    const match = /^(\w+)(?:\{([^}]*)\})? (\S+)$/.exec(line)
    if (!match) continue
    const [, name, labels = '', raw] = match
    const value = Number(raw)
    const labelled = /(?:^|,)worker="([^"]+)"/.exec(labels)
    if (labelled?.[1]) worker = labelled[1]
    if (name === 'tollgate_decision_batch_size_sum') counters.batchSum += value
    else if (name === 'tollgate_decision_batch_size_count') counters.batchCount += value
    else if (name === 'nodejs_gc_duration_seconds_sum') counters.gcSeconds += value
    else if (name === 'nodejs_gc_duration_seconds_count') counters.gcCount += value
  }
  return { worker, counters }
}

/** Every worker's counters: scrapes until `workers` distinct ones have answered, or tries run out. */
export async function scrapeWorkers(
  url: string,
  workers: number,
  tries = 30,
): Promise<Map<string, WorkerCounters>> {
  const seen = new Map<string, WorkerCounters>()
  for (let i = 0; i < tries && seen.size < workers; i++) {
    const response = await fetch(`${url}/metrics`, { headers: { connection: 'close' } })
    if (!response.ok) break
    const { worker, counters } = parseWorkerCounters(await response.text())
    seen.set(worker, counters)
  }
  return seen
}

/** What happened between two scrapes: mean batch size, and GC time per second per worker. */
export function between(
  before: Map<string, WorkerCounters>,
  after: Map<string, WorkerCounters>,
  seconds: number,
): { meanBatch: number | null; gcMsPerSecond: number | null; gcMeanPauseMs: number | null } {
  let batchSum = 0
  let batchCount = 0
  let gcSeconds = 0
  let gcCount = 0
  let workers = 0
  for (const [worker, end] of after) {
    const start = before.get(worker)
    if (!start) continue // a worker that answered only once (or was replaced) says nothing of the phase
    workers++
    batchSum += end.batchSum - start.batchSum
    batchCount += end.batchCount - start.batchCount
    gcSeconds += end.gcSeconds - start.gcSeconds
    gcCount += end.gcCount - start.gcCount
  }
  return {
    meanBatch: batchCount ? batchSum / batchCount : null,
    gcMsPerSecond: workers && seconds > 0 ? (gcSeconds * 1000) / seconds / workers : null,
    gcMeanPauseMs: gcCount ? (gcSeconds * 1000) / gcCount : null,
  }
}

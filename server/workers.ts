// TOLLGATE_WORKERS > 1: this process supervises that many server processes sharing one port
// (node:cluster), so one machine's cores all decide. A Node process runs JavaScript on one core; a
// decision costs JavaScript and PostgreSQL time in about equal parts, so on two cores one process
// leaves a core partly idle (BENCHMARKS.md). The workers are the same stateless servers that can
// run on many machines; each batches its own decisions, and PostgreSQL's locks keep allowances
// exact between them (test/concurrency/two-processes.test.ts).
import cluster, { type Worker } from 'node:cluster'
import type { Logger } from 'pino'

/** Restarting a worker that keeps dying at once would spin: wait this long first. */
const restartDelayMs = 1000

/**
 * Forks `count` workers with `env` added and resolves with the port once every one listens; if one
 * exits before that, the others are stopped and the start fails. Afterwards a worker that exits
 * unbidden is replaced; SIGTERM and SIGINT are passed on, and this process exits when the last
 * worker has.
 */
export async function superviseWorkers(
  count: number,
  env: Record<string, string>,
  logger: Logger,
): Promise<number> {
  let stopping = false
  // until every worker listens, a worker that exits fails the start instead of being replaced
  let serving = false
  const fork = (): Promise<number> => {
    const worker: Worker = cluster.fork(env)
    worker.on('exit', (code, signal) => {
      if (stopping) {
        if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0)
      } else if (serving) {
        logger.error({ worker: worker.id, code, signal }, 'server worker exited; starting another')
        setTimeout(() => void fork().catch(() => {}), restartDelayMs).unref()
      }
    })
    return new Promise((resolve, reject) => {
      // the worker's HTTP server says its port by message (server/main.ts): cluster's own
      // 'listening' also fires for the telephony bridge's listener
      const listening = (message: unknown) => {
        const port = (message as { tollgate?: unknown; port?: unknown } | null)?.port
        if ((message as { tollgate?: unknown } | null)?.tollgate !== 'listening' || typeof port !== 'number')
          return
        worker.off('message', listening)
        resolve(port)
      }
      worker.on('message', listening)
      worker.once('exit', (code) => reject(new Error(`server worker exited with ${code} before listening`)))
    })
  }
  const stopAll = (signal: NodeJS.Signals) => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal)
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.on(signal, () => {
      stopping = true
      stopAll(signal)
    })
  try {
    // the first alone: workers listening on port 0 share the port the first one was given
    const port = await fork()
    await Promise.all(Array.from({ length: count - 1 }, fork))
    serving = true
    return port
  } catch (error) {
    stopAll('SIGTERM')
    throw error
  }
}

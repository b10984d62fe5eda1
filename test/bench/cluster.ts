// BENCH_WORKERS > 1: that many Tollgate server processes behind one port, with node:cluster. The
// first worker starts alone (it migrates and seeds the demo tenant on the fresh database); the rest
// follow once it listens. Each worker prints its own "tollgate listening" line with the shared port.
import cluster from 'node:cluster'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const workers = Number(process.env.TOLLGATE_BENCH_WORKERS ?? 2)
const mainScript = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../server/main.ts')

cluster.setupPrimary({ exec: mainScript })

function fork(): Promise<void> {
  const worker = cluster.fork()
  return new Promise((resolve, reject) => {
    worker.once('listening', () => resolve())
    worker.once('exit', (code) => reject(new Error(`worker exited with ${code} before listening`)))
  })
}

await fork()
await Promise.all(Array.from({ length: workers - 1 }, fork))

for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.once(signal, () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal)
  })
cluster.on('exit', () => {
  if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0)
})

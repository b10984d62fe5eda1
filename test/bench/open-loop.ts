// An open-loop load: requests sent on a fixed schedule, `rate` a second, whether or not the ones
// before them have been answered, as merchants' servers send them. autocannon's connections each
// wait for an answer before sending again (and its rate option sends each second's quota in a
// burst), so a slow server gets fewer requests and its queueing never shows; here it does. Each
// latency runs from the moment the request was due, not from when it went out, so a generator that
// falls behind counts the delay against the server rather than hiding it (coordinated omission).
import * as hdr from 'hdr-histogram-js'
import { Pool } from 'undici'

export interface OpenLoopResult {
  /** requests due in the measured window */
  sent: number
  /** of those, answered 2xx */
  ok: number
  failed: number
  /** answered per second over the window (a server that keeps up answers at the offered rate) */
  perSecond: number
  p50: number
  p99: number
  p999: number
  max: number
}

export interface OpenLoopOptions {
  url: string
  /** requests per second */
  rate: number
  seconds: number
  /** the next request: path, headers and body */
  request: () => { path: string; headers: Record<string, string>; body: string }
  /** sockets at most; a request due while all are busy waits, and its wait counts */
  connections?: number
}

export async function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const pool = new Pool(options.url, { connections: options.connections ?? 256, pipelining: 1 })
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  })
  const total = Math.round(options.rate * options.seconds)
  const interval = 1000 / options.rate
  let sent = 0
  let ok = 0
  let failed = 0
  const inFlight = new Set<Promise<void>>()
  const start = performance.now()

  const send = (due: number) => {
    const { path, headers, body } = options.request()
    const done = pool
      .request({ method: 'POST', path, headers, body })
      .then(async (response) => {
        await response.body.dump()
        if (response.statusCode >= 200 && response.statusCode < 300) ok++
        else failed++
      })
      .catch(() => {
        failed++
      })
      .finally(() => {
        // microseconds, from when the request was due
        histogram.recordValue(Math.max(1, Math.round((performance.now() - due) * 1000)))
        inFlight.delete(done)
      })
    inFlight.add(done)
  }

  // every millisecond, send what has fallen due since the last tick
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now()
      while (sent < total && start + sent * interval <= now) send(start + sent++ * interval)
      if (sent >= total) {
        clearInterval(timer)
        resolve()
      }
    }
    const timer = setInterval(tick, 1)
  })
  await Promise.all(inFlight)
  const elapsed = (performance.now() - start) / 1000
  await pool.close()
  const ms = (percentile: number) => Math.round(histogram.getValueAtPercentile(percentile) / 100) / 10
  return {
    sent,
    ok,
    failed,
    perSecond: ok / elapsed,
    p50: ms(50),
    p99: ms(99),
    p999: ms(99.9),
    max: Math.round(histogram.maxValue / 100) / 10,
  }
}

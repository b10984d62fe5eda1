// The bench's session phase: whole billable sessions, one after another on each of `clients`
// connections — POST /v1/sessions (decision + hold), two representatives' legs, POST …/end (rated
// and settled before it answers) — counted as sessions per second, with the latency of a whole
// session from start to settled. Each session is a customer of its own, so the demo's two
// sessions a day never refuse one.
import type { BenchCustomer } from './workload.ts'

export interface SessionSample {
  ok: number
  seconds: number
  p50: number
  p99: number
  failures: number
  failureReasons: Record<string, number>
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0
}

export async function sessionPhase(options: {
  url: string
  apiKey: string
  lineId: string
  seconds: number
  clients: number
  /** a fresh customer per session */
  nextCustomer: () => BenchCustomer
}): Promise<SessionSample> {
  const { url, apiKey, lineId } = options
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) })
    const json = (await response.json()) as { id?: string; status?: string; legs?: { id: string }[] }
    if (response.status >= 300) throw new Error(`status ${response.status}`)
    return json
  }
  const latencies: number[] = []
  const failureReasons: Record<string, number> = {}
  const fail = (reason: string) => {
    failureReasons[reason] = (failureReasons[reason] ?? 0) + 1
  }
  const started = performance.now()
  const until = started + options.seconds * 1000
  const loop = async () => {
    while (performance.now() < until) {
      const c = options.nextCustomer()
      const begun = performance.now()
      try {
        const session = await post('/v1/sessions', {
          service_line_id: lineId,
          channel: 'phone',
          customer: { id: c.id, phone: c.phone, name: `Customer ${c.id}` },
          network: { ani: c.phone, dnis: '+18005550199' },
          entered: { phone: c.phone },
          payment_method: {
            type: 'card',
            card: c.card,
            billing_address: { line1: '1 Main St', postal_code: c.postalCode, country: 'US' },
          },
        })
        if (session.status !== 'live') {
          fail(`start ${session.status}`)
          continue
        }
        await post(`/v1/sessions/${session.id}/legs`, { party: 'representative' })
        await post(`/v1/sessions/${session.id}/legs`, { party: 'representative' })
        const ended = await post(`/v1/sessions/${session.id}/end`, { reason: 'completed' })
        if (ended.status !== 'settled') fail(`end ${ended.status}`)
        else latencies.push(performance.now() - begun)
      } catch (error) {
        fail(error instanceof Error ? error.message : String(error))
      }
    }
  }
  await Promise.all(Array.from({ length: options.clients }, loop))
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  return {
    ok: latencies.length,
    seconds,
    p50: Math.round(percentile(latencies, 50)),
    p99: Math.round(percentile(latencies, 99)),
    failures: Object.values(failureReasons).reduce((a, b) => a + b, 0),
    failureReasons,
  }
}

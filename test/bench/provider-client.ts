// CPU per outside-provider call, client side: ProviderClient (deadline, retry, breaker, cache, the
// answer's schema) against the sandbox credit bureau in a process of its own, beside a bare undici
// POST of the same query as the floor. Every query is new, so every call goes out.
//
//   npx tsx test/bench/provider-client.ts        (N calls, C at once: N=3000 C=4; three rounds)
import { request } from 'undici'
import { ProviderClient } from '../../server/providers/client.ts'
import { startServerProcess } from '../support/server-process.ts'

const total = Number(process.env.N ?? 3000)
const concurrency = Number(process.env.C ?? 4)
const sandbox = await startServerProcess({ script: 'test/bench/provider-sandbox.ts' })
const url = `${sandbox.url}/sandbox/providers/credit_bureau`
let n = 0
const query = () => ({
  name: `Person ${n}`,
  email: `p${n++}@example.com`,
  phone: '+12025550100',
  birth_date: null,
  address: null,
})

const client = new ProviderClient(
  {
    tenantId: 'bench',
    id: 'bureau',
    kind: 'credit_bureau',
    url,
    timeoutMs: 2000,
    retries: 1,
    failPolicy: 'fail_closed',
    cacheTtlSeconds: 600,
    breakerThreshold: 5,
    breakerResetMs: 30_000,
    secret: null,
    version: '1',
  },
  { baseUrl: () => null },
)

async function viaClient(): Promise<void> {
  const call = await client.call(query())
  if (call.status !== 'answered') throw new Error(`the sandbox did not answer: ${call.error}`)
}

async function bare(): Promise<void> {
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: query() }),
  })
  await response.body.json()
}

async function measure(name: string, one: () => Promise<void>): Promise<void> {
  for (let i = 0; i < 500; i++) await one() // warm-up
  const cpu = process.cpuUsage()
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = 0; i < total / concurrency; i++) await one()
    }),
  )
  const used = process.cpuUsage(cpu)
  console.log(
    `${name}: ${((used.user + used.system) / 1000 / total).toFixed(3)} ms of CPU per call, ${((performance.now() - started) / total).toFixed(3)} ms of wall time`,
  )
}

try {
  // alternating rounds: the first of each is still being compiled by V8 (bare undici measured
  // 0.155 ms a call in its first round, 0.03 ms from the second on), so read the last round
  for (let round = 1; round <= 3; round++) {
    await measure(`round ${round}: bare undici POST`, bare)
    await measure(`round ${round}: ProviderClient.call`, viaClient)
  }
} finally {
  await sandbox.stop()
}

// `npm run bench`: decisions per second and latency of POST /v1/authorizations, against a bare Hono
// echo server as the ceiling. Both servers run as child processes on loopback ports they pick;
// Tollgate starts on a fresh database (PostgreSQL database `tollgate_bench` when DATABASE_URL is
// set, dropped and recreated each run; otherwise a PGlite directory in a fresh temp dir), seeded
// by its own first-start bootstrap with the demo tenant and rule set.
//
//   BENCH_DURATION=12 BENCH_CONNECTIONS=48 BENCH_LATENCY_CONNECTIONS=4 BENCH_CUSTOMERS=5000 BENCH_WORKERS=1 npm run bench
//
// BENCH_WORKERS (PostgreSQL only; default 2 there, one per core of the bench machine) is the server's
// TOLLGATE_WORKERS: that many Tollgate processes on one port (server/workers.ts).
// BENCH_RATES (default 1500; 0 skips) adds open-loop phases: requests sent on a fixed schedule at each
// rate whether or not earlier ones were answered, which is how the target reads (test/bench/open-loop.ts).
// BENCH_CLOSED=0 leaves out Tollgate's closed-loop phases, for a curve of open-loop rates alone:
// BENCH_CLOSED=0 BENCH_FLOOR=0 BENCH_RATES=500,700,900,1200,1500
// BENCH_CPU_PROF=<dir> writes a V8 CPU profile of the Tollgate process there.
// BENCH_SESSION_CONNECTIONS (default 8; 0 skips) adds the session phase: whole sessions (start → two
// legs → end → settled) as sessions/s, p50/p99 of a whole session (test/bench/sessions.ts), on the
// demo tenant's "advice" service line.
// BENCH_NO_MONEY (default 1; 0 skips) adds a phase of the same mix whose purchases move no money
// (paid by phone bill: decided, never held), at BENCH_CONNECTIONS: the decision's own figure beside
// the one with holds.
// On PostgreSQL a floor phase runs too (BENCH_FLOOR=0 skips it): the same validation and one durable
// insert per request, the least any decision can cost in this stack (test/bench/floor-server.ts).
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import autocannon, { type Result } from 'autocannon'
import { sql } from 'kysely'
import { connect } from '../../db/connect.ts'
import { withAdminDb, withDatabase } from '../support/pg.ts'
import { type ServerProcess, startServerProcess } from '../support/server-process.ts'
import { busyCores, readCpuTimes } from './machine.ts'
import { openLoop } from './open-loop.ts'
import { between, scrapeWorkers } from './server-metrics.ts'
import { sessionPhase } from './sessions.ts'
import { makeAuthorization, makeCustomers, seededRandom } from './workload.ts'

/** "16,4" → [16, 4]; "0" → [] (the knobs' way of skipping their phases) */
function positiveNumbers(list: string): number[] {
  return list
    .split(',')
    .map(Number)
    .filter((n) => n > 0)
}

const duration = Number(process.env.BENCH_DURATION ?? 12)
// 10 s: with 3 s the first phase after start ran 20–30 % slower than the same load later (V8 still
// optimizing, each pooled connection still preparing the statements of each write shape)
const warmup = Number(process.env.BENCH_WARMUP ?? 10)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 48)
const customerCount = Number(process.env.BENCH_CUSTOMERS ?? 5000)
// phases after the first, one per number of connections (comma-separated; 0 skips them): the rates at
// which p99 stays low. 16 is about where 1,500 decisions/s must come with p99 ≤ 25 ms (Little's law:
// 16 in flight at 1,500/s is 10.7 ms each on average)
const latencyConnections = positiveNumbers(process.env.BENCH_LATENCY_CONNECTIONS ?? '16,4')
// open-loop phases, one per rate (requests/s, comma-separated; 0 skips them): requests sent on a
// fixed schedule whatever the server's answers, the direct measure of "1,500 decisions/s with p99 at
// most 25 ms" (test/bench/open-loop.ts)
const rates = positiveNumbers(process.env.BENCH_RATES ?? '1500')
// Tollgate's closed-loop phases; the echo and the floor run either way
const closedPhases = process.env.BENCH_CLOSED !== '0'
const adminUrl = process.env.DATABASE_URL || undefined
const workers = Number(process.env.BENCH_WORKERS ?? (adminUrl ? 2 : 1))
// remote: the sandbox providers run in a process of their own (PostgreSQL only: the bench repoints
// the demo tenant's providers in the database); local: the Tollgate server serves them itself
const providers = process.env.BENCH_PROVIDERS ?? (adminUrl ? 'remote' : 'local')
// BENCH_DATABASE_NAME: another name, for two benches on one PostgreSQL at once
const benchDatabase = process.env.BENCH_DATABASE_NAME ?? 'tollgate_bench'
const sessionConnections = Number(process.env.BENCH_SESSION_CONNECTIONS ?? 8)

const apiKey = `tg_demo_${randomBytes(24).toString('hex')}`
const runId = randomBytes(4).toString('hex')
const random = seededRandom(20261123)
// each phase has customers of its own, so every phase sees the same mix of first-time and returning ones
let customers = makeCustomers(customerCount, random)
let phasesRun = 0
let sent = 0

function nextRequest(moneyless = false) {
  return {
    path: '/v1/authorizations',
    headers: {
      authorization: `Bearer ${apiKey}`,
      'content-type': 'application/json',
      'idempotency-key': `bench-${runId}-${sent++}`,
    },
    body: JSON.stringify(makeAuthorization(customers, random, { moneyless })),
  }
}

/** What one phase's load gives: answered requests, their wall time and latency (ms). */
interface Sample {
  ok: number
  seconds: number
  p50: number
  p99: number
  failures: number
  /** why they failed, when the generator can tell ("status 503": 2 …) */
  failureReasons?: Record<string, number>
}

type Drive = (url: string, seconds: number) => Promise<Sample>

/** Closed loop: `clients` connections, each sending again as soon as it is answered (autocannon). */
const closedLoop =
  (clients: number, moneyless = false): Drive =>
  async (url, seconds) => {
    const result: Result = await autocannon({
      url,
      connections: clients,
      duration: seconds,
      timeout: 10,
      requests: [
        {
          method: 'POST',
          path: '/v1/authorizations',
          setupRequest: (request) => {
            const { headers, body } = nextRequest(moneyless)
            return { ...request, headers, body }
          },
        },
      ],
    })
    return {
      ok: result['2xx'],
      seconds: result.duration,
      p50: result.latency.p50,
      p99: result.latency.p99,
      failures: result.non2xx + result.errors + result.timeouts,
    }
  }

/** Whole sessions on `clients` connections, a fresh customer each (test/bench/sessions.ts). */
const wholeSessions =
  (clients: number): Drive =>
  (url, seconds) => {
    let next = 0
    return sessionPhase({
      url,
      apiKey,
      lineId: 'advice',
      seconds,
      clients,
      nextCustomer: () => {
        const customer = customers[next++ % customers.length]
        if (!customer) throw new Error('no customers')
        return customer
      },
    })
  }

/** Open loop: `rate` requests a second on a fixed schedule (test/bench/open-loop.ts). */
const fixedRate =
  (rate: number): Drive =>
  async (url, seconds) => {
    const result = await openLoop({ url, rate, seconds, request: nextRequest })
    return {
      ok: result.ok,
      seconds: result.seconds,
      p50: result.p50,
      p99: result.p99,
      failures: result.failed,
      failureReasons: result.failures,
    }
  }

interface Phase {
  name: string
  perSecond: number
  p50: number
  p99: number
  failures: number
  /** CPU milliseconds per request spent by the server's processes and by PostgreSQL's */
  serverCpuMs: number | null
  postgresCpuMs: number | null
  /** the sandbox providers' process, when they run in one of their own */
  sandboxCpuMs: number | null
  /** this process: the load generator */
  loadCpuMs: number
  /** cores of the machine kept busy on average, by every process and the kernel */
  busyCores: number | null
  /** Tollgate only, from its /metrics: decisions per shared transaction, GC time per second per worker */
  meanBatch: number | null
  gcMsPerSecond: number | null
  gcMeanPauseMs: number | null
}

// The machine may be busy with other work, which moves req/s; CPU time per request barely moves,
// so it is what to compare between two versions of the code. Linux only (/proc).
interface ProcStat {
  pid: number
  ppid: number
  comm: string
  ticks: number
}
function readProcesses(): ProcStat[] {
  const out: ProcStat[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const close = stat.lastIndexOf(')')
      const fields = stat.slice(close + 2).split(' ')
      out.push({
        pid: Number(entry),
        ppid: Number(fields[1]),
        comm: stat.slice(stat.indexOf('(') + 1, close),
        ticks: Number(fields[11]) + Number(fields[12]),
      })
    } catch {
      // the process ended while we read
    }
  }
  return out
}
let sandboxPid: number | null = null
function cpuSnapshot(serverPid: number): { server: number; postgres: number; sandbox: number } | null {
  if (process.platform !== 'linux') return null
  const processes = readProcesses()
  const tree = new Set([serverPid])
  for (let grew = true; grew; ) {
    grew = false
    for (const p of processes)
      if (tree.has(p.ppid) && !tree.has(p.pid)) {
        tree.add(p.pid)
        grew = true
      }
  }
  const sum = (keep: (p: ProcStat) => boolean) => processes.filter(keep).reduce((t, p) => t + p.ticks, 0)
  return {
    server: sum((p) => tree.has(p.pid)),
    postgres: sum((p) => p.comm === 'postgres'),
    sandbox: sum((p) => p.pid === sandboxPid),
  }
}
const msPerTick = 10 // USER_HZ is 100 on Linux
const cores = os.cpus().length

async function measure(
  name: string,
  server: ServerProcess,
  drive: Drive = closedLoop(connections),
  warm = warmup,
): Promise<Phase> {
  customers = makeCustomers(customerCount, random, customerCount * phasesRun++)
  if (warm > 0) await drive(server.url, warm)
  const pid = server.child.pid ?? 0
  const tollgate = name.startsWith('Tollgate')
  if (tollgate) await settleStatistics()
  const countersBefore = tollgate ? await scrapeWorkers(server.url, workers) : null
  const before = cpuSnapshot(pid)
  const loadBefore = process.cpuUsage()
  const machineBefore = readCpuTimes()
  const result = await drive(server.url, duration)
  const machineAfter = readCpuTimes()
  const loadUsed = process.cpuUsage(loadBefore)
  const after = cpuSnapshot(pid)
  const inServer = countersBefore
    ? between(countersBefore, await scrapeWorkers(server.url, workers), result.seconds)
    : { meanBatch: null, gcMsPerSecond: null, gcMeanPauseMs: null }
  const { failures } = result
  if (failures) {
    const reasons = Object.entries(result.failureReasons ?? {}).map(([reason, n]) => `${n} ${reason}`)
    process.stderr.write(
      `${name}: ${failures} requests failed or were not 2xx${reasons.length ? ` (${reasons.join(', ')})` : ''}\n`,
    )
  }
  const perRequest = (ticks: number) => (ticks * msPerTick) / Math.max(1, result.ok)
  return {
    name,
    perSecond: result.ok / result.seconds,
    p50: result.p50,
    p99: result.p99,
    failures,
    serverCpuMs: before && after ? perRequest(after.server - before.server) : null,
    postgresCpuMs: before && after ? perRequest(after.postgres - before.postgres) : null,
    sandboxCpuMs: before && after && sandboxPid ? perRequest(after.sandbox - before.sandbox) : null,
    loadCpuMs: (loadUsed.user + loadUsed.system) / 1000 / Math.max(1, result.ok),
    busyCores: machineBefore && machineAfter ? busyCores(machineBefore, machineAfter, cores) : null,
    ...inServer,
  }
}

async function outcomeMix(databaseUrl: string | undefined, dataDir: string): Promise<string> {
  const handle = await connect(databaseUrl ? { url: databaseUrl, poolSize: 1 } : { dataDir })
  try {
    const rows = await handle.db
      .selectFrom('decisions')
      .select(['outcome', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy('outcome')
      .orderBy('outcome')
      .execute()
    const customersSeen = await handle.db
      .selectFrom('customers')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow()
    return `${rows.map((r) => `${r.outcome} ${r.n}`).join(', ')}; ${customersSeen.n} customers`
  } finally {
    await handle.close()
  }
}

// The bench's database is new, and its tables grow from nothing to tens of thousands of rows in the
// first minute. Autovacuum looks at a database once a minute, so until it has, PostgreSQL plans with
// the statistics of nearly empty tables, and a connection keeps a statement's generic plan until
// they change. Seen with auto_explain: usage lookups scanning all of the tenant's usage_events
// through its primary key (4 ms each instead of 0.09). So after the first warm-up the bench analyzes
// the database once, as autovacuum would have by then in any database that has been running; every
// cached plan is then made again.
/** the bench's PostgreSQL database until it has been analyzed */
let unanalyzed: string | undefined
async function settleStatistics(): Promise<void> {
  if (!unanalyzed) return
  const url = unanalyzed
  unanalyzed = undefined
  const handle = await connect({ url, poolSize: 1 })
  try {
    await sql`analyze`.execute(handle.db)
  } finally {
    await handle.close()
  }
}

/** The demo tenant's providers, seeded with paths on the server itself, repointed at the sandbox process. */
async function pointProvidersAt(databaseUrl: string, sandboxUrl: string): Promise<void> {
  const handle = await connect({ url: databaseUrl, poolSize: 1 })
  try {
    await handle.db
      .updateTable('data_providers')
      .set({ url: sql<string>`${sandboxUrl}::text || url`, updated_at: new Date() })
      .where('tenant_id', '=', 'demo')
      .where('url', 'like', '/%')
      .execute()
  } finally {
    await handle.close()
  }
}

async function main(): Promise<void> {
  if (workers > 1 && !adminUrl) throw new Error('BENCH_WORKERS > 1 needs DATABASE_URL: PGlite is one process')
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tollgate-bench-'))
  let databaseUrl: string | undefined
  if (adminUrl) {
    await withAdminDb(adminUrl, async (sql) => {
      await sql.unsafe(`drop database if exists ${benchDatabase} with (force)`)
      await sql.unsafe(`create database ${benchDatabase}`)
    })
    databaseUrl = withDatabase(adminUrl, benchDatabase)
    unanalyzed = databaseUrl
  }
  const engine = adminUrl ? 'PostgreSQL' : 'PGlite'
  const cpus = os.cpus()
  console.log(
    `Tollgate bench — ${new Date().toISOString()} — ${cores} × ${cpus[0]?.model ?? 'cpu'}, node ${process.version}`,
  )
  console.log(
    `${engine}, ${workers} Tollgate process${workers > 1 ? 'es' : ''}, sandbox providers ${providers === 'remote' ? 'in a process of their own' : 'served by Tollgate'}, ${connections} connections, ${warmup} s warm-up + ${duration} s per phase, ${customerCount} customers per phase`,
  )

  const phases: Phase[] = []
  const echo = await startServerProcess({ script: 'test/bench/echo-server.ts' })
  try {
    phases.push(await measure('Hono JSON echo (ceiling)', echo))
  } finally {
    await echo.stop()
  }

  // the floor: validation and one durable write per request, in this stack (test/bench/floor-server.ts)
  if (databaseUrl && process.env.BENCH_FLOOR !== '0') {
    const floor = await startServerProcess({
      script: 'test/bench/floor-server.ts',
      env: { DATABASE_URL: databaseUrl, TOLLGATE_BOOTSTRAP_API_KEY: apiKey },
    })
    try {
      phases.push(await measure('floor: validate + one durable insert (PostgreSQL)', floor))
    } finally {
      await floor.stop()
    }
  }

  if (providers === 'remote' && !adminUrl)
    throw new Error(
      'BENCH_PROVIDERS=remote needs DATABASE_URL: the bench repoints the providers in the database',
    )
  const sandbox =
    providers === 'remote' ? await startServerProcess({ script: 'test/bench/provider-sandbox.ts' }) : null
  sandboxPid = sandbox?.child.pid ?? null
  const tollgate = await startServerProcess({
    script: 'server/main.ts',
    env: {
      DATABASE_URL: databaseUrl,
      TOLLGATE_DATA_DIR: dataDir,
      TOLLGATE_SECRET: randomBytes(32).toString('base64url'),
      TOLLGATE_BOOTSTRAP_API_KEY: apiKey,
      TOLLGATE_WORKERS: String(workers),
      LOG_LEVEL: 'info',
    },
    nodeArgs: process.env.BENCH_CPU_PROF
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
      : [],
    timeoutMs: 60_000,
  })
  try {
    if (sandbox && databaseUrl) await pointProvidersAt(databaseUrl, sandbox.url)
    if (closedPhases) phases.push(await measure(`Tollgate POST /v1/authorizations (${engine})`, tollgate))
    // the same server with few callers at once: what latency a decision has when nothing queues
    for (const clients of closedPhases ? latencyConnections : [])
      phases.push(
        await measure(
          `Tollgate POST /v1/authorizations (${engine}), ${clients} connections`,
          tollgate,
          closedLoop(clients),
        ),
      )
    if (closedPhases && process.env.BENCH_NO_MONEY !== '0')
      phases.push(
        await measure(
          `Tollgate POST /v1/authorizations (${engine}), purchases that move no money, ${connections} connections`,
          tollgate,
          closedLoop(connections, true),
        ),
      )
    // after the phases above the server is warm: a few seconds at the rate settle its batches; a
    // server that has run none warms up in full first
    for (const [i, rate] of rates.entries())
      phases.push(
        await measure(
          `Tollgate POST /v1/authorizations (${engine}), ${rate}/s offered (open loop)`,
          tollgate,
          fixedRate(rate),
          closedPhases || i > 0 ? Math.min(warmup, 5) : warmup,
        ),
      )
    if (sessionConnections > 0)
      phases.push(
        await measure(
          `Tollgate sessions: start → two legs → end → settled (${engine}), ${sessionConnections} connections — sessions/s, ms per whole session`,
          tollgate,
          wholeSessions(sessionConnections),
          Math.min(warmup, 5),
        ),
      )
  } finally {
    await tollgate.stop()
    await sandbox?.stop()
  }

  const ceiling = phases[0]
  const decisions = phases.find((p) => p.name.startsWith('Tollgate'))
  const floorPhase = phases.find((p) => p.name.startsWith('floor'))
  console.log('')
  console.log(
    '| phase | req/s | p50 ms | p99 ms | failed | server CPU ms/req | PostgreSQL CPU ms/req | sandbox providers CPU ms/req | load generator CPU ms/req | machine busy (cores) | mean batch | GC ms/s per worker (mean pause ms) |',
  )
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
  const cpu = (ms: number | null) => (ms === null ? 'n/a' : ms.toFixed(2))
  for (const p of phases)
    console.log(
      `| ${p.name} | ${Math.round(p.perSecond)} | ${p.p50} | ${p.p99} | ${p.failures} | ${cpu(p.serverCpuMs)} | ${cpu(p.postgresCpuMs)} | ${cpu(p.sandboxCpuMs)} | ${cpu(p.loadCpuMs)} | ${p.busyCores === null ? 'n/a' : `${p.busyCores.toFixed(2)} of ${cores}`} | ${p.meanBatch === null ? 'n/a' : p.meanBatch.toFixed(1)} | ${p.gcMsPerSecond === null ? 'n/a' : `${p.gcMsPerSecond.toFixed(1)} (${p.gcMeanPauseMs?.toFixed(1) ?? 'n/a'})`} |`,
    )
  if (ceiling && decisions)
    console.log(
      `\n${Math.round(decisions.perSecond)} decisions/s = ${((100 * decisions.perSecond) / ceiling.perSecond).toFixed(1)} % of the echo ceiling${floorPhase ? `, ${((100 * decisions.perSecond) / floorPhase.perSecond).toFixed(1)} % of the floor` : ''}`,
    )
  console.log(`outcomes: ${await outcomeMix(databaseUrl, dataDir)}`)
  rmSync(dataDir, { recursive: true, force: true })
  if (adminUrl)
    await withAdminDb(adminUrl, (sql) => sql.unsafe(`drop database if exists ${benchDatabase} with (force)`))
}

await main()

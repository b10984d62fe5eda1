// Counts the SQL statements and the Node CPU one authorization costs, in process, without HTTP or a
// load generator in the way: \`npx tsx test/bench/statements.ts\` against the local PostgreSQL
// (BENCH_DATABASE_URL, default postgres://postgres:postgres@127.0.0.1:5432/postgres). N sets how
// many authorizations, C how many run at once, COUNT=1 lists the statements by text.
import { Kysely } from 'kysely'
import { PostgresJSDialect } from 'kysely-postgres-js'
import postgres from 'postgres'
import { migrateToLatest } from '../../db/migrate.ts'
import type { Database } from '../../db/schema.ts'
import { createApp } from '../../server/app.ts'
import { createLogger } from '../../server/logging.ts'
import { Metrics } from '../../server/metrics.ts'
import { createServices } from '../../server/services.ts'
import { bootstrapIfEmpty } from '../../server/tenants/bootstrap.ts'
import { makeAuthorization, makeCustomers, seededRandom } from './workload.ts'

const baseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres'
const admin = postgres(baseUrl, { max: 1, onnotice: () => {} })
await admin.unsafe('drop database if exists tg_prof with (force)')
await admin.unsafe('create database tg_prof')
await admin.end()
const counts = new Map<string, number>()
let logging = false
const db = new Kysely<Database>({
  dialect: new PostgresJSDialect({
    postgres: postgres(Object.assign(new URL(baseUrl), { pathname: '/tg_prof' }).toString(), {
      max: 10,
      connection: { jit: 'off' }, // as db/connect.ts
      onnotice: () => {},
    }),
  }),
  log: (e) => {
    if (!logging) return
    statements++
    const k = e.query.sql.replace(/\s+/g, ' ').slice(0, 90)
    counts.set(k, (counts.get(k) ?? 0) + 1)
  },
})
const h = { db, close: () => db.destroy() }
await migrateToLatest(h.db)
const key = 'tg_demo_profilingkey0000000000001'
await bootstrapIfEmpty(h.db, { apiKey: key, adminEmail: 'a@b.c', adminPassword: 'x'.repeat(12) })
const app = createApp(
  createServices({ db: h.db, secret: 's', logger: createLogger('warn'), metrics: new Metrics() }),
)
const random = seededRandom(1)
const customers = makeCustomers(2000, random)
let statements = 0
const N = Number(process.env.N ?? 1500)
async function one() {
  const body = makeAuthorization(customers, random)
  const res = await app.request('/v1/authorizations', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      'idempotency-key': crypto.randomUUID(),
    },
    body: JSON.stringify(body),
  })
  if (res.status !== 201) console.log(res.status, await res.text())
  await res.arrayBuffer().catch(() => {})
}
for (let i = 0; i < 200; i++) await one()
logging = process.env.COUNT === '1'
const cpu0 = process.cpuUsage()
const t0 = performance.now()
const CONC = Number(process.env.C ?? 1)
await Promise.all(
  Array.from({ length: CONC }, async () => {
    for (let i = 0; i < N / CONC; i++) await one()
  }),
)
const wall = performance.now() - t0
const cpu = process.cpuUsage(cpu0)
console.log(
  `N=${N} C=${CONC} wall/req=${(wall / N).toFixed(2)}ms cpu/req=${((cpu.user + cpu.system) / 1000 / N).toFixed(2)}ms (user ${(cpu.user / 1000 / N).toFixed(2)}, system ${(cpu.system / 1000 / N).toFixed(2)}) rate=${((N / wall) * 1000).toFixed(0)}/s`,
)
if (logging) {
  console.log('statements/req', (statements / N).toFixed(2))
  for (const [k, v] of [...counts].sort((a, b) => b[1] - a[1])) console.log((v / N).toFixed(2), k)
}
await h.close()
// KEEP=1 leaves the database behind, to EXPLAIN its statements
if (process.env.KEEP !== '1') {
  const drop = postgres(baseUrl, { max: 1, onnotice: () => {} })
  await drop.unsafe('drop database if exists tg_prof with (force)')
  await drop.end()
}

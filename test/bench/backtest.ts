// Backtest throughput: seeds a tenant with ~100,000 recorded decisions (and their usage and some
// list entries) in a few bulk INSERT … SELECT generate_series statements, then times one backtest
// of the demo rule set over all of them through the real runner. Target: 100,000 in ≤ 60 s.
//
//   npx tsx test/bench/backtest.ts                      # embedded PGlite, in memory
//   BENCH_DATABASE_URL=postgres://… npx tsx test/bench/backtest.ts   # a scratch database on that server
//   BACKTEST_DECISIONS=20000 …                          # a smaller run
import { randomBytes } from 'node:crypto'
import os from 'node:os'
import { sql } from 'kysely'
import postgres from 'postgres'
import { connect, type DatabaseHandle } from '../../db/connect.ts'
import { migrateToLatest } from '../../db/migrate.ts'
import { createBacktest, getBacktest } from '../../server/backtests/backtests.ts'
import { BacktestRunner } from '../../server/backtests/runner.ts'
import { demoRuleSet } from '../../server/tenants/demo-rule-set.ts'
import { createTenant, installRuleSet } from '../../server/tenants/tenants.ts'

const decisions = Number(process.env.BACKTEST_DECISIONS ?? 100_000)
const customers = Math.max(1, Math.round(decisions / 20))
const targetSeconds = 60
const tenantId = 'bench'
const from = new Date('2026-01-01T00:00:00Z')
// spread over about a month, so daily, weekly and monthly allowances all see history
const stepSeconds = Math.max(1, Math.floor((30 * 86_400) / decisions))

async function open(): Promise<{ handle: DatabaseHandle; drop(): Promise<void>; label: string }> {
  const adminUrl = process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || undefined
  if (!adminUrl) return { handle: await connect({}), drop: async () => {}, label: 'PGlite (in memory)' }
  const name = `tollgate_bench_backtest_${randomBytes(4).toString('hex')}`
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
  await admin.unsafe(`create database ${name}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  const handle = await connect({ url: url.toString(), poolSize: 10 })
  return {
    handle,
    label: `PostgreSQL at ${url.host}`,
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`)
      await admin.end()
    },
  }
}

async function seed(handle: DatabaseHandle): Promise<void> {
  const { db } = handle
  await migrateToLatest(db)
  await createTenant(db, { tenantId, name: 'Backtest bench', timeZone: 'UTC' })
  await installRuleSet(db, tenantId, {
    id: 'authorizations',
    name: 'Authorizations',
    definition: demoRuleSet,
  })
  for (const kind of ['negative', 'positive'])
    await db
      .insertInto('lists')
      .values({ tenant_id: tenantId, id: kind, name: kind, kind, description: '' })
      .execute()

  const customer = sql`(g % ${customers})`
  await sql`
    insert into decisions (tenant_id, id, created_at, kind, channel, outcome, customer_id, amount_value,
      currency, rule_set_id, rule_set_version, request, facts, fired_rules, response, idempotency_key,
      request_hash, evaluation_micros)
    select ${tenantId}, 'dec_' || lpad(g::text, 9, '0'),
      ${from}::timestamptz + make_interval(secs => g * ${stepSeconds}),
      'purchase', 'web', case when g % 10 = 0 then 'limit' else 'approve' end,
      'cus_' || ${customer}, 1500 + (g % 7) * 500, 'USD', 'authorizations', 1,
      jsonb_build_object(
        'kind', 'purchase', 'channel', 'web',
        'amount', jsonb_build_object('value', 1500 + (g % 7) * 500, 'currency', 'USD'),
        'customer', jsonb_build_object('id', 'c-' || ${customer}, 'email', 'c' || ${customer} || '@example.com',
          'phone', '+1555' || lpad(${customer}::text, 7, '0'), 'name', null, 'birth_date', null),
        'network', jsonb_build_object('ip', '10.' || (${customer} / 65536) || '.' || ((${customer} / 256) % 256) || '.' || (${customer} % 256),
          'ani', null, 'dnis', null, 'device_id', null),
        'entered', jsonb_build_object('phone', null, 'ip', null),
        'payment_method', jsonb_build_object('type', 'card',
          'card', jsonb_build_object('bin', '424242', 'last4', '4242', 'brand', 'visa',
            'fingerprint', 'pmf_' || ${customer}, 'luhn_valid', true, 'exp_month', 12, 'exp_year', 2030),
          'billing_address', null),
        'items', '[]'::jsonb),
      '[]'::jsonb, '[]'::jsonb,
      json_build_object('customer', json_build_object('id', 'cus_' || ${customer}, 'returning', g > ${customers})),
      null, null, 100
    from generate_series(1, ${decisions}) g
  `.execute(db)
  await sql`
    insert into usage_events (tenant_id, decision_id, occurred_at, customer_id, phone, card_fingerprint, ip,
      sessions, purchases, seconds, amount, currency)
    select tenant_id, id, created_at, customer_id, request -> 'customer' ->> 'phone',
      request -> 'payment_method' -> 'card' ->> 'fingerprint', request -> 'network' ->> 'ip',
      0, 1, 0, amount_value, currency
    from decisions where tenant_id = ${tenantId} and outcome = 'approve'
  `.execute(db)
  // one customer in fifty has a listed phone, listed halfway through the month
  await sql`
    insert into list_entries (tenant_id, list_id, id, subject, value, reason, source, added_by, added_at)
    select ${tenantId}, 'negative', 'le_' || c, 'phone', '+1555' || lpad(c::text, 7, '0'), 'bench', 'bench', null,
      ${from}::timestamptz + interval '15 days'
    from generate_series(0, ${customers - 1}, 50) c
  `.execute(db)
  await sql`analyze`.execute(db)
}

const { handle, drop, label } = await open()
try {
  let started = performance.now()
  await seed(handle)
  const seedSeconds = (performance.now() - started) / 1000
  process.stdout.write(
    `backtest bench on ${label}: seeded ${decisions} decisions for ${customers} customers in ${seedSeconds.toFixed(1)} s\n`,
  )

  const job = await createBacktest(handle.db, tenantId, null, {
    ruleSetId: 'authorizations',
    version: 1,
    from,
    to: new Date(from.getTime() + 40 * 86_400_000),
    sampleRate: null,
  })
  started = performance.now()
  const cpuBefore = process.cpuUsage()
  await new BacktestRunner({ db: handle.db }).runOnce()
  const seconds = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  // CPU time of this process (with PGlite, the database's too): a figure that other load on the
  // machine does not inflate the way it does the wall clock
  const cpuSeconds = (cpu.user + cpu.system) / 1e6
  const done = await getBacktest(handle.db, tenantId, job.id)
  const perSecond = done.processed / seconds
  process.stdout.write(
    [
      `  status ${done.status}: replayed ${done.processed}/${done.total} in ${seconds.toFixed(1)} s = ${Math.round(perSecond)} decisions/s (target ${decisions} in ≤ ${targetSeconds} s)`,
      `  this process used ${cpuSeconds.toFixed(1)} s of CPU = ${Math.round(done.processed / cpuSeconds)} decisions per CPU-second; load average ${os.loadavg()[0]?.toFixed(1)} on ${os.availableParallelism()} cores`,
      `  changed ${done.changed}; matrix ${JSON.stringify(done.matrix)}`,
      `  ${decisions} decisions in ${seconds.toFixed(1)} s: ${seconds <= (targetSeconds * decisions) / 100_000 ? 'PASS' : 'FAIL'}`,
      '',
    ].join('\n'),
  )
  if (done.status !== 'completed') process.exitCode = 1
} finally {
  await handle.close()
  await drop()
}

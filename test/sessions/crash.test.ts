// A server killed with SIGKILL while sessions are live: after a restart, the sweeper ends each at
// its last heartbeat and settles it, so every hold ends captured (the connected ones) or released
// (the ones never connected) exactly once, and the ledger balances. A real server process on
// PostgreSQL (the test reads the same database while the server runs): needs TEST_DATABASE_URL.

import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey } from '../../server/api-keys/keys.ts'
import type { SessionView } from '../../server/sessions/schema.ts'
import { demoRuleSet } from '../../server/tenants/demo-rule-set.ts'
import { createTenant, installRuleSet } from '../../server/tenants/tenants.ts'
import { TEST_SECRET } from '../support/app.ts'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'
import { type ServerProcess, startServerProcess } from '../support/server-process.ts'
import { addLine, ledgerOff, newPerson, sessionBody } from './support.ts'

const onPostgres = Boolean(process.env.TEST_DATABASE_URL)

describe('a crash with live sessions', () => {
  if (!onPostgres) {
    it.skip('needs TEST_DATABASE_URL: the test reads the database the server process writes', () => {})
    return
  }

  let database: TestDatabase
  let key: string
  let dataDir: string
  let server: ServerProcess | undefined

  beforeAll(async () => {
    database = await createTestDatabase()
    const { db } = database
    await createTenant(db, { tenantId: 'acme', name: 'Acme', timeZone: 'UTC' })
    await installRuleSet(db, 'acme', {
      id: 'authorizations',
      name: 'Authorizations',
      definition: demoRuleSet,
    })
    await addLine(db, 'acme', {
      id: 'advice',
      rate_per_minute: 299,
      first_period_seconds: 1,
      increment_seconds: 1,
    })
    // a silent session is ended after 8 seconds: longer than this test takes to start them before the kill
    await db
      .insertInto('billing_settings')
      .values({ tenant_id: 'acme', heartbeat_timeout_seconds: 8 })
      .execute()
    key = (await createApiKey(db, 'acme', 'crash')).key
    dataDir = mkdtempSync(path.join(tmpdir(), 'tollgate-sessions-crash-'))
  }, 60_000)

  afterAll(async () => {
    await server?.stop()
    rmSync(dataDir, { recursive: true, force: true })
    await database?.close()
  })

  const start = () =>
    startServerProcess({
      env: { DATABASE_URL: database.url ?? '', TOLLGATE_DATA_DIR: dataDir, TOLLGATE_SECRET: TEST_SECRET },
    })
  const post = async (route: string, body: unknown) => {
    const response = await fetch(`${server?.url}${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    const text = await response.text()
    expect(response.status, text).toBeLessThan(300)
    return JSON.parse(text) as SessionView
  }

  it('every hold ends captured or released exactly once, and the ledger balances', async () => {
    server = await start()
    const connected: string[] = []
    const silent: string[] = []
    for (let i = 0; i < 6; i++) {
      const session = await post('/v1/sessions', sessionBody(newPerson(), 'advice'))
      expect(session.status).toBe('live')
      if (i < 4) {
        await post(`/v1/sessions/${session.id}/legs`, { party: 'representative' })
        connected.push(session.id)
      } else silent.push(session.id)
    }
    await new Promise((resolve) => setTimeout(resolve, 1200))
    for (const id of connected) await post(`/v1/sessions/${id}/heartbeat`, {})

    // two more are being ended — rated, captured, settled — when the process dies
    const ending: string[] = []
    for (let i = 0; i < 2; i++) {
      const session = await post('/v1/sessions', sessionBody(newPerson(), 'advice'))
      await post(`/v1/sessions/${session.id}/legs`, { party: 'representative' })
      ending.push(session.id)
    }
    await new Promise((resolve) => setTimeout(resolve, 1100))
    // a heartbeat after connecting, so they are billed whether or not their end arrives
    for (const id of ending) await post(`/v1/sessions/${id}/heartbeat`, {})
    for (const id of ending)
      void fetch(`${server.url}/v1/sessions/${id}/end`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: '{}',
      }).catch(() => {})
    connected.push(...ending)
    await new Promise((resolve) => setTimeout(resolve, 40))

    const exited = once(server.child, 'exit')
    server.child.kill('SIGKILL')
    await exited
    server = await start()

    const all = [...connected, ...silent]
    const deadline = Date.now() + 100_000
    let rows: {
      id: string
      status: string
      billed_seconds: number | null
      hold_payment_id: string | null
    }[] = []
    while (Date.now() < deadline) {
      rows = await database.db
        .selectFrom('sessions')
        .select(['id', 'status', 'billed_seconds', 'hold_payment_id'])
        .where('tenant_id', '=', 'acme')
        .where('id', 'in', all)
        .execute()
      if (rows.every((r) => r.status === 'settled')) break
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    expect(rows.map((r) => r.status)).toEqual(all.map(() => 'settled'))

    for (const row of rows) {
      const hold = await database.db
        .selectFrom('payments')
        .select(['status', 'amount_captured'])
        .where('tenant_id', '=', 'acme')
        .where('id', '=', row.hold_payment_id ?? '')
        .executeTakeFirstOrThrow()
      const operations = await database.db
        .selectFrom('payment_operations')
        .select(['operation', 'status'])
        .where('tenant_id', '=', 'acme')
        .where('payment_id', '=', row.hold_payment_id ?? '')
        .where('operation', 'in', ['capture', 'void'])
        .execute()
      expect(operations, row.id).toHaveLength(1)
      if (connected.includes(row.id)) {
        // billed up to the last heartbeat (or the end), about a second after connecting
        expect(row.billed_seconds).toBeGreaterThan(0)
        expect(hold.status).toBe('captured')
        expect(operations[0]).toMatchObject({ operation: 'capture', status: 'succeeded' })
      } else {
        expect(row.billed_seconds).toBe(0)
        expect(hold.status).toBe('voided')
        expect(operations[0]).toMatchObject({ operation: 'void', status: 'succeeded' })
      }
    }
    expect(await ledgerOff(database.db, 'acme')).toEqual([])
  }, 200_000)
})

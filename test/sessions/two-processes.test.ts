// Live sessions reserve against one allowance across processes: two real server processes on one
// PostgreSQL database, twenty simultaneous session starts by one caller whose grant (40 minutes,
// the day's whole minute allowance) leaves nothing for a second: exactly one goes live — although
// the demo's "two sessions a day" alone would have let two through. Needs TEST_DATABASE_URL.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey } from '../../server/api-keys/keys.ts'
import type { SessionView } from '../../server/sessions/schema.ts'
import { demoRuleSet } from '../../server/tenants/demo-rule-set.ts'
import { createTenant, installRuleSet } from '../../server/tenants/tenants.ts'
import { purchase, TEST_SECRET } from '../support/app.ts'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'
import { type ServerProcess, startServerProcess } from '../support/server-process.ts'
import { addLine, ledgerOff, newPerson, sessionBody } from './support.ts'

const CONCURRENT = 20
const onPostgres = Boolean(process.env.TEST_DATABASE_URL)

describe('session reservations, two processes on one PostgreSQL', () => {
  if (!onPostgres) {
    it.skip('needs TEST_DATABASE_URL: PGlite is an in-process database, so two processes cannot share one', () => {})
    return
  }

  let database: TestDatabase
  let key: string
  const servers: ServerProcess[] = []
  const dataDirs: string[] = []

  beforeAll(async () => {
    database = await createTestDatabase()
    const { db, url } = database
    if (!url) throw new Error('createTestDatabase gave no URL although TEST_DATABASE_URL is set')
    await createTenant(db, { tenantId: 'acme', name: 'Acme', timeZone: 'UTC' })
    await installRuleSet(db, 'acme', {
      id: 'authorizations',
      name: 'Authorizations',
      definition: demoRuleSet,
    })
    await addLine(db, 'acme', { id: 'hour', rate_per_minute: 100, hold_minutes: 60 })
    key = (await createApiKey(db, 'acme', 'two processes')).key
    for (let i = 0; i < 2; i++) {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'tollgate-sessions-two-'))
      dataDirs.push(dataDir)
      servers.push(
        await startServerProcess({
          env: { DATABASE_URL: url, TOLLGATE_DATA_DIR: dataDir, TOLLGATE_SECRET: TEST_SECRET },
        }),
      )
    }
  }, 120_000)

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()))
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true })
    await database?.close()
  })

  const post = async (server: ServerProcess, route: string, body: unknown) =>
    fetch(`${server.url}${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })

  it('twenty simultaneous starts by one caller: exactly one goes live', async () => {
    const [first, second] = servers
    if (!first || !second) throw new Error('both servers should be running')
    const person = newPerson()
    // the customer exists before the race (a small purchase), so neither process is creating it
    const seed = purchase({
      amount: { value: 100, currency: 'USD' },
      customer: { id: person.customerId, phone: person.phone, name: 'Test Person' },
      payment_method: {
        type: 'card',
        card: { number: person.card, exp_month: 12, exp_year: 2030, cvc: '123' },
      },
    })
    expect((await post(first, '/v1/authorizations', seed)).status).toBe(201)

    const sessions = await Promise.all(
      Array.from({ length: CONCURRENT }, async (_, i) => {
        const response = await post(i % 2 ? second : first, '/v1/sessions', sessionBody(person, 'hour'))
        expect(response.status).toBe(201)
        return (await response.json()) as SessionView
      }),
    )
    const live = sessions.filter((s) => s.status === 'live')
    expect(live).toHaveLength(1)
    expect(live[0]?.max_duration_seconds).toBe(2400)
    expect(sessions.filter((s) => s.status === 'refused')).toHaveLength(CONCURRENT - 1)
    expect(sessions.filter((s) => s.status === 'refused').every((s) => s.decision.outcome === 'limit')).toBe(
      true,
    )
    // one hold only
    const holds = await database.db
      .selectFrom('payments')
      .select('id')
      .where('tenant_id', '=', 'acme')
      .where('kind', '=', 'hold')
      .execute()
    expect(holds).toHaveLength(1)

    const ended = await (await post(second, `/v1/sessions/${live[0]?.id}/end`, {})).json()
    expect(ended).toMatchObject({ status: 'settled', settlement: 'reversed' })
    expect(await ledgerOff(database.db, 'acme')).toEqual([])
  })
})

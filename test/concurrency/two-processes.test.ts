// Allowances hold across processes: two real server processes on one PostgreSQL database, fifty
// simultaneous authorizations for a customer with one purchase left, split between them, yield
// exactly one approval. Needs TEST_DATABASE_URL: PGlite lives inside one process.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey } from '../../server/api-keys/keys.ts'
import { createTenant, installRuleSet } from '../../server/tenants/tenants.ts'
import { purchase, TEST_SECRET } from '../support/app.ts'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'
import { type ServerProcess, startServerProcess } from '../support/server-process.ts'
import { purchasesPerDay, tally } from './rule-set.ts'

const LIMIT = 3
const CONCURRENT = 50
const onPostgres = Boolean(process.env.TEST_DATABASE_URL)

describe('allowances under concurrency, two processes on one PostgreSQL', () => {
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
    // seeded before the servers start, so their first-start bootstrap finds a tenant and stays out
    await createTenant(db, { tenantId: 'acme', name: 'Acme', timeZone: 'UTC' })
    await installRuleSet(db, 'acme', {
      id: 'authorizations',
      name: 'Authorizations',
      definition: purchasesPerDay(LIMIT),
    })
    key = (await createApiKey(db, 'acme', 'two processes')).key

    for (let i = 0; i < 2; i++) {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'tollgate-two-processes-'))
      dataDirs.push(dataDir)
      servers.push(
        await startServerProcess({
          env: { DATABASE_URL: url, TOLLGATE_DATA_DIR: dataDir, TOLLGATE_SECRET: TEST_SECRET },
        }),
      )
    }
  }, 90_000)

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()))
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true })
    await database?.close()
  })

  async function decide(server: ServerProcess, body: unknown, idempotencyKey: string): Promise<string> {
    const response = await fetch(`${server.url}/v1/authorizations`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'idempotency-key': idempotencyKey,
      },
      body: JSON.stringify(body),
    })
    expect(response.status).toBe(201)
    return ((await response.json()) as { outcome: string }).outcome
  }

  it('two servers, fifty concurrent purchases with one left: exactly one approval', async () => {
    const [first, second] = servers
    if (!first || !second) throw new Error('both servers should be running')
    const body = purchase({
      customer: { id: 'c-two-processes', phone: '+15555550133', name: 'Two Processes' },
    })
    // both processes know the customer before the race, so neither is creating it
    expect(await decide(first, body, 'seed-0')).toBe('approve')
    expect(await decide(second, body, 'seed-1')).toBe('approve')
    const countUsage = async () =>
      Number(
        (
          await database.db
            .selectFrom('usage_events')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('tenant_id', '=', 'acme')
            .executeTakeFirstOrThrow()
        ).n,
      )
    const before = await countUsage()

    const outcomes = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) => decide(i % 2 ? second : first, body, `race-${i}`)),
    )

    expect(tally(outcomes)).toEqual({ approve: 1, limit: CONCURRENT - 1 })
    expect(await countUsage()).toBe(before + 1)
    const approvals = await database.db
      .selectFrom('decisions')
      .select('id')
      .where('tenant_id', '=', 'acme')
      .where('outcome', '=', 'approve')
      .execute()
    expect(approvals).toHaveLength(LIMIT)
  })
})

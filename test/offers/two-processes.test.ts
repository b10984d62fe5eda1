// Two server processes on one PostgreSQL, each with its own service graph, reserve the same offer
// for ten customers each at the same moment, with five units in stock: five offers are made, no
// more, each with one hold, and the stock reserved is five. Needs TEST_DATABASE_URL: PGlite lives
// inside one process.
import { type ChildProcessByStdio, spawn } from 'node:child_process'
import path from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTenant } from '../../server/tenants/tenants.ts'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'
import { seedCustomer, seedOffer } from './support.ts'

const onPostgres = Boolean(process.env.TEST_DATABASE_URL)
const root = path.resolve(import.meta.dirname, '../..')

interface Server {
  child: ChildProcessByStdio<Writable, Readable, Readable>
  ready: Promise<void>
  result: Promise<{ pid: number; outcomes: string[] }>
}

function startServer(url: string, offerId: string, customers: string[]): Server {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/offers/reserve-process.ts'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: url,
      TENANT_ID: 'race',
      OFFER_ID: offerId,
      CUSTOMERS: customers.join(','),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const stderr: string[] = []
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk))
  const lines = createInterface({ input: child.stdout })
  let readyResolve: () => void = () => {}
  const ready = new Promise<void>((resolve) => {
    readyResolve = resolve
  })
  const result = new Promise<{ pid: number; outcomes: string[] }>((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`server exited with ${code}: ${stderr.join('').slice(-2000)}`)),
    )
    lines.on('line', (line) => {
      if (line === 'ready') return readyResolve()
      if (line.startsWith('{')) resolve(JSON.parse(line) as { pid: number; outcomes: string[] })
    })
  })
  return { child, ready, result }
}

describe('two server processes racing for the last units of an offer', () => {
  if (!onPostgres) {
    it.skip('needs TEST_DATABASE_URL: PGlite is an in-process database, so two processes cannot share one', () => {})
    return
  }

  let database: TestDatabase
  let offerId: string
  const servers: Server[] = []

  beforeAll(async () => {
    database = await createTestDatabase()
    if (!database.url) throw new Error('createTestDatabase gave no URL although TEST_DATABASE_URL is set')
    await createTenant(database.db, { tenantId: 'race', name: 'race' })
    offerId = await seedOffer(database.db, 'race', { onHand: 5 })
    const customers: string[] = []
    for (let i = 0; i < 20; i++) {
      const c = await seedCustomer(database.db, 'race')
      customers.push(`${c.customerId}:${c.paymentMethodId}`)
    }
    servers.push(
      startServer(database.url, offerId, customers.slice(0, 10)),
      startServer(database.url, offerId, customers.slice(10)),
    )
    await Promise.all(servers.map((s) => s.ready))
  }, 120_000)

  afterAll(async () => {
    for (const s of servers) if (s.child.exitCode === null) s.child.kill('SIGKILL')
    await database?.close()
  })

  it('makes exactly as many offers as there are units, each with one hold', async () => {
    for (const s of servers) s.child.stdin.write('go\n')
    const results = await Promise.all(servers.map((s) => s.result))
    const outcomes = results.flatMap((r) => r.outcomes)
    expect(outcomes).toHaveLength(20)
    expect(outcomes.filter((o) => o === 'made')).toHaveLength(5)
    expect(outcomes.filter((o) => o !== 'made').every((o) => o === 'out_of_stock')).toBe(true)
    const stock = await database.db
      .selectFrom('offers')
      .select(['stock_on_hand', 'stock_reserved'])
      .where('tenant_id', '=', 'race')
      .where('id', '=', offerId)
      .executeTakeFirstOrThrow()
    expect(stock).toEqual({ stock_on_hand: 5, stock_reserved: 5 })
    const presented = await database.db
      .selectFrom('offer_presentations')
      .select(['payment_id'])
      .where('tenant_id', '=', 'race')
      .where('status', '=', 'presented')
      .execute()
    expect(presented).toHaveLength(5)
    const holds = await database.db
      .selectFrom('payments')
      .select(['id', 'status'])
      .where('tenant_id', '=', 'race')
      .execute()
    expect(holds).toHaveLength(5)
    expect(holds.every((h) => h.status === 'authorized')).toBe(true)
    expect(new Set(presented.map((p) => p.payment_id))).toEqual(new Set(holds.map((h) => h.id)))
  }, 120_000)
})

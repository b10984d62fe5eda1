// The live wallboard's feed: viewers of one workspace share one poll of the tables; a viewer gets
// the board at once, then only when something on it changed (not every poll); the poll stops with
// the last viewer; another workspace's viewers get their own board.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServiceLine } from '../../server/billing/service-lines.ts'
import { createTenant } from '../../server/tenants/tenants.ts'
import { type Wallboard, WallboardFeed } from '../../server/wallboard/wallboard.ts'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'

let database: TestDatabase

beforeAll(async () => {
  database = await createTestDatabase()
  for (const tenantId of ['acme', 'globex']) {
    await createTenant(database.db, { tenantId, name: tenantId, timeZone: 'UTC' })
    await createServiceLine(database.db, tenantId, null, {
      id: 'line',
      name: `${tenantId} line`,
      currency: 'USD',
      rate_per_minute: 100,
      first_period_seconds: 60,
      increment_seconds: 60,
      hold_policy: 'minutes',
      hold_minutes: 5,
    })
  }
})
afterAll(() => database.close())

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Resolves once the list holds n boards (the feed polls every few ms here). */
async function boards(list: Wallboard[], n: number): Promise<Wallboard[]> {
  for (let i = 0; i < 400 && list.length < n; i++) await tick(5)
  return list
}

describe('the wallboard feed', () => {
  it('gives each viewer the board at once, then only changes, and stops polling with the last viewer', async () => {
    let polls = 0
    const feed = new WallboardFeed({ db: database.db, intervalMs: 10 })
    const snapshot = feed.snapshot.bind(feed)
    feed.snapshot = (tenantId) => {
      polls += 1
      return snapshot(tenantId)
    }
    const first: Wallboard[] = []
    const second: Wallboard[] = []
    const other: Wallboard[] = []
    const stopFirst = feed.subscribe('acme', (board) => first.push(board))
    await boards(first, 1)
    const stopSecond = feed.subscribe('acme', (board) => second.push(board))
    const stopOther = feed.subscribe('globex', (board) => other.push(board))
    await boards(second, 1)
    await boards(other, 1)
    expect(first[0]?.queues.map((q) => q.name)).toEqual(['acme line'])
    expect(other[0]?.queues.map((q) => q.name)).toEqual(['globex line'])

    // several polls with nothing new: nobody is told again
    const before = polls
    for (let i = 0; i < 50 && polls < before + 4; i++) await tick(10)
    expect(polls).toBeGreaterThanOrEqual(before + 4)
    expect(first).toHaveLength(1)
    expect(second).toHaveLength(1)

    await database.db
      .insertInto('calls')
      .values({
        tenant_id: 'acme',
        id: 'call_1',
        channel_uuid: 'uuid-1',
        bridge_id: 'b',
        dnis: '9001',
        service_line_id: 'line',
        stage: 'waiting',
        started_at: new Date(),
        enqueued_at: new Date(),
      })
      .execute()
    await boards(first, 2)
    await boards(second, 2)
    expect(first[1]?.queues[0]?.waiting).toBe(1)
    expect(second[1]?.queues[0]?.waiting).toBe(1)
    expect(other).toHaveLength(1)

    stopFirst()
    stopSecond()
    stopOther()
    const after = polls
    await tick(60)
    expect(polls).toBeLessThanOrEqual(after + 2)
    feed.close()
  })
})

// Two hundred callers reserving at once — each asked for twice, as two bridges racing on one call
// would — against sixty representatives: nobody is booked twice, a dual or triple call gets all its
// representatives or none, and round after round every caller is served. PGlite serialises; on
// PostgreSQL (TEST_DATABASE_URL) the transactions really overlap and SKIP LOCKED does the work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PostgresAcd } from '../../server/acd/acd.ts'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'
import {
  expectNoDoubleBooking,
  finishCalls,
  RUSH_CALLS,
  RUSH_REPRESENTATIVES,
  seedRush,
  waitingCalls,
} from './rush.ts'
import { manualClock } from './support.ts'

let database: TestDatabase
beforeAll(async () => {
  database = await createTestDatabase({ poolSize: 20 })
}, 120_000)
afterAll(() => database?.close())

describe(`200 callers reserving at once (${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('never books a representative twice, and serves every caller round by round', async () => {
    const { db } = database
    const clock = manualClock()
    const acd = new PostgresAcd({ db, clock: clock.now })
    const rush = await seedRush(db, acd, 'rush')
    const total = RUSH_CALLS.solo + RUSH_CALLS.dual + RUSH_CALLS.triple
    expect(rush.callIds).toHaveLength(total)

    const served = new Set<string>()
    let waiting = rush.callIds
    for (let round = 0; waiting.length && round < 40; round++) {
      clock.advance(1000)
      const results = await Promise.all(
        waiting.flatMap((callId) =>
          [0, 1].map(async () => ({ callId, reservation: await acd.reserve('rush', callId) })),
        ),
      )
      const won = await expectNoDoubleBooking(db, rush, results)
      const booked = won.reduce((n, r) => n + r.reservation.representatives.length, 0)
      expect(booked).toBeLessThanOrEqual(RUSH_REPRESENTATIVES)
      if (round === 0) expect(booked).toBeGreaterThan(RUSH_REPRESENTATIVES / 2)
      for (const r of won) served.add(r.callId)
      await finishCalls(db, acd, 'rush', won, clock.now())
      waiting = await waitingCalls(db, 'rush')
    }
    expect(waiting).toEqual([])
    expect(served.size).toBe(total)
    // every representative free again, each call counted once on someone's presence
    const presence = await db
      .selectFrom('representative_presence')
      .select(['state', 'calls_taken'])
      .where('tenant_id', '=', 'rush')
      .execute()
    expect(presence.every((p) => p.state === 'available')).toBe(true)
    expect(presence.reduce((n, p) => n + p.calls_taken, 0)).toBe(
      RUSH_CALLS.solo + 2 * RUSH_CALLS.dual + 3 * RUSH_CALLS.triple,
    )
  }, 300_000)
})

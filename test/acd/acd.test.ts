// The ACD on its tables, method by method: representatives log in to queues, callers wait on a line,
// reservations, answers, misses, wrap-up and the wait a caller hears. Each test its own tenant on one
// database: PGlite by default, PostgreSQL with TEST_DATABASE_URL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PostgresAcd, RESERVATION_GRACE_SECONDS } from '../../server/acd/acd.ts'
import { hashPin } from '../../server/acd/directory.ts'
import { ProblemError } from '../../server/http/problem.ts'
import { createLogger } from '../../server/logging.ts'
import { createServices } from '../../server/services.ts'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'
import { addCall, addRepresentative, addTelephonyLine, manualClock } from './support.ts'

let database: TestDatabase
beforeAll(async () => {
  database = await createTestDatabase()
}, 120_000)
afterAll(() => database?.close())

let tenants = 0
/** A fresh tenant, an ACD on a clock the test moves, and one line (solo unless told). */
async function setup(options: Parameters<typeof addTelephonyLine>[3] = {}) {
  const tenant = `acd${++tenants}`
  const clock = manualClock()
  const acd = new PostgresAcd({ db: database.db, clock: clock.now })
  const line = await addTelephonyLine(database.db, tenant, 'line', options)
  return { tenant, clock, acd, line, db: database.db }
}

async function presenceOf(tenant: string, id: string) {
  return database.db
    .selectFrom('representative_presence')
    .selectAll()
    .where('tenant_id', '=', tenant)
    .where('representative_id', '=', id)
    .executeTakeFirstOrThrow()
}

async function callOf(tenant: string, id: string) {
  return database.db
    .selectFrom('calls')
    .selectAll()
    .where('tenant_id', '=', tenant)
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
}

async function membersOf(tenant: string, callId: string) {
  return database.db
    .selectFrom('call_members')
    .selectAll()
    .where('tenant_id', '=', tenant)
    .where('call_id', '=', callId)
    .orderBy('representative_id')
    .execute()
}

async function problemOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    if (error instanceof ProblemError) return error.code
    throw error
  }
  throw new Error('expected a ProblemError')
}

describe('login, logout and breaks', () => {
  it('a login makes the representative available in their queues and opens a login row', async () => {
    const { tenant, acd, db } = await setup()
    await addRepresentative(db, tenant, { id: 'r1' })
    const view = await acd.login(tenant, 'r1', { queues: ['solo', 'dual'], via: 'phone' })
    expect(view).toMatchObject({
      representative_id: 'r1',
      state: 'available',
      queues: ['solo', 'dual'],
      partner_id: null,
    })
    expect(view.logged_in_at).toBe('2026-12-06T00:00:00.000Z')
    const logins = await db
      .selectFrom('representative_logins')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .execute()
    expect(logins).toHaveLength(1)
    expect(logins[0]).toMatchObject({
      representative_id: 'r1',
      via: 'phone',
      queues: ['solo', 'dual'],
      logged_out_at: null,
    })
  })

  it('logging in again changes the queues and partner, keeping the one login', async () => {
    const { tenant, acd, db, clock } = await setup()
    await addRepresentative(db, tenant, { id: 'r1' })
    await addRepresentative(db, tenant, { id: 'r2' })
    await acd.login(tenant, 'r1', { queues: ['solo'], via: 'console' })
    clock.advance(60_000)
    const view = await acd.login(tenant, 'r1', { queues: ['dual'], partnerId: 'r2', via: 'phone' })
    expect(view).toMatchObject({
      state: 'available',
      queues: ['dual'],
      partner_id: 'r2',
      logged_in_at: '2026-12-06T00:00:00.000Z',
    })
    const logins = await db
      .selectFrom('representative_logins')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .execute()
    expect(logins).toHaveLength(1)
    expect(logins[0]).toMatchObject({ queues: ['dual'], partner_id: 'r2' })
  })

  it('refuses an unknown or deactivated representative, no queue, an unknown partner or themselves as partner', async () => {
    const { tenant, acd, db } = await setup()
    await addRepresentative(db, tenant, { id: 'r1' })
    await addRepresentative(db, tenant, { id: 'gone', active: false })
    expect(await problemOf(acd.login(tenant, 'nobody', { queues: ['solo'], via: 'console' }))).toBe(
      'not_found',
    )
    expect(await problemOf(acd.login(tenant, 'gone', { queues: ['solo'], via: 'console' }))).toBe('conflict')
    expect(await problemOf(acd.login(tenant, 'r1', { queues: [], via: 'console' }))).toBe('validation_failed')
    expect(
      await problemOf(acd.login(tenant, 'r1', { queues: ['solo'], partnerId: 'x', via: 'console' })),
    ).toBe('not_found')
    expect(
      await problemOf(acd.login(tenant, 'r1', { queues: ['solo'], partnerId: 'r1', via: 'console' })),
    ).toBe('validation_failed')
    // another tenant's representative is not found either
    expect(await problemOf(acd.login('elsewhere', 'r1', { queues: ['solo'], via: 'console' }))).toBe(
      'not_found',
    )
  })

  it('logout closes the login and takes them out of the queues; a break keeps them logged in but offered nothing', async () => {
    const { tenant, acd, db, clock, line } = await setup()
    await addRepresentative(db, tenant, { id: 'r1' })
    await acd.login(tenant, 'r1', { queues: ['solo'], via: 'console' })
    expect((await acd.setBreak(tenant, 'r1', true)).state).toBe('break')
    await addCall(db, tenant, 'c1', { lineId: line })
    await acd.enqueue(tenant, 'c1')
    expect(await acd.reserve(tenant, 'c1')).toBeNull()
    clock.advance(5_000)
    expect((await acd.setBreak(tenant, 'r1', false)).state).toBe('available')
    expect(await acd.reserve(tenant, 'c1')).not.toBeNull()
    await acd.release(tenant, 'c1', 'caller_hangup')

    clock.advance(3600_000)
    await acd.logout(tenant, 'r1', { via: 'phone' })
    expect((await acd.presence(tenant, 'r1')).state).toBe('offline')
    const login = await db
      .selectFrom('representative_logins')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .executeTakeFirstOrThrow()
    expect(login.logged_out_at?.toISOString()).toBe('2026-12-06T01:00:05.000Z')
    expect(await problemOf(acd.setBreak(tenant, 'r1', true))).toBe('conflict')
    // logging out twice is harmless
    await acd.logout(tenant, 'r1', { via: 'phone' })
  })
})

describe('a call from the queue to wrap-up', () => {
  it('enqueue, reserve, joined, left, tick: states, stages and counts along the way', async () => {
    const { tenant, acd, db, clock, line } = await setup({
      telephony: { ring_seconds: 20, wrap_up_seconds: 30 },
    })
    await addRepresentative(db, tenant, {
      id: 'r1',
      name: 'Ann Lee',
      extension: '1001',
      dialString: 'loopback/1001',
    })
    await acd.login(tenant, 'r1', { queues: ['solo'], via: 'phone' })
    await addCall(db, tenant, 'c1', { lineId: line })

    await acd.enqueue(tenant, 'c1', { preferences: { gender: '' } })
    expect(await callOf(tenant, 'c1')).toMatchObject({ stage: 'waiting', representatives_needed: 1 })
    expect((await acd.position(tenant, 'c1')).position).toBe(1)

    const reservation = await acd.reserve(tenant, 'c1')
    expect(reservation).toEqual({
      callId: 'c1',
      representatives: [{ id: 'r1', name: 'Ann Lee', extension: '1001', dialString: 'loopback/1001' }],
      reservedUntil: new Date(Date.parse('2026-12-06T00:00:00Z') + (20 + RESERVATION_GRACE_SECONDS) * 1000),
    })
    expect((await presenceOf(tenant, 'r1')).state).toBe('reserved')
    expect((await callOf(tenant, 'c1')).stage).toBe('connecting')
    expect((await membersOf(tenant, 'c1')).map((m) => m.status)).toEqual(['reserved'])
    // a call already connecting is not reserved twice
    expect(await acd.reserve(tenant, 'c1')).toBeNull()
    expect(await acd.position(tenant, 'c1')).toEqual({ position: 0, estimatedWaitSeconds: 0 })

    const answeredAt = new Date('2026-12-06T00:00:07Z')
    clock.set(answeredAt)
    await acd.joined(tenant, 'c1', 'r1', { legUuid: 'leg-1', memberId: '7', at: answeredAt })
    expect((await presenceOf(tenant, 'r1')).state).toBe('on_call')
    expect(await callOf(tenant, 'c1')).toMatchObject({ stage: 'conference', connected_at: answeredAt })
    expect(await membersOf(tenant, 'c1')).toMatchObject([
      { status: 'joined', leg_uuid: 'leg-1', member_id: '7' },
    ])
    // the same add-member seen twice changes nothing
    await acd.joined(tenant, 'c1', 'r1', { legUuid: 'leg-1', memberId: '7', at: answeredAt })

    const hungUpAt = new Date('2026-12-06T00:05:07Z')
    clock.set(hungUpAt)
    await acd.left(tenant, 'c1', 'r1', hungUpAt)
    const wrapping = await presenceOf(tenant, 'r1')
    expect(wrapping).toMatchObject({ state: 'wrap_up', calls_taken: 1, talk_seconds: 300 })
    expect(wrapping.wrap_up_until?.toISOString()).toBe('2026-12-06T00:05:37.000Z')
    const login = await db
      .selectFrom('representative_logins')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .executeTakeFirstOrThrow()
    expect(login).toMatchObject({ calls_taken: 1, service_seconds: 300 })
    // left twice counts once
    await acd.left(tenant, 'c1', 'r1', hungUpAt)
    expect((await presenceOf(tenant, 'r1')).calls_taken).toBe(1)

    await acd.tick(new Date('2026-12-06T00:05:36Z'))
    expect((await presenceOf(tenant, 'r1')).state).toBe('wrap_up')
    await acd.tick(new Date('2026-12-06T00:05:37Z'))
    const back = await presenceOf(tenant, 'r1')
    expect(back.state).toBe('available')
    expect(back.idle_since?.toISOString()).toBe('2026-12-06T00:05:37.000Z')
  })

  it('errors: unknown call, a call that ended, joined or left by someone never reserved', async () => {
    const { tenant, acd, db, line } = await setup()
    await addRepresentative(db, tenant, { id: 'r1' })
    expect(await problemOf(acd.enqueue(tenant, 'nope'))).toBe('not_found')
    expect(await problemOf(acd.reserve(tenant, 'nope'))).toBe('not_found')
    expect(await problemOf(acd.position(tenant, 'nope'))).toBe('not_found')
    await addCall(db, tenant, 'c1', { lineId: line })
    expect(await problemOf(acd.position(tenant, 'c1'))).toBe('conflict')
    await acd.enqueue(tenant, 'c1')
    const at = new Date()
    expect(await problemOf(acd.joined(tenant, 'c1', 'r1', { legUuid: 'x', at }))).toBe('not_found')
    expect(await problemOf(acd.left(tenant, 'c1', 'r1', at))).toBe('not_found')
    expect(await problemOf(acd.missed(tenant, 'c1', 'r1'))).toBe('not_found')
    await acd.release(tenant, 'c1', 'caller_hangup')
    expect(await callOf(tenant, 'c1')).toMatchObject({ stage: 'ended', end_reason: 'caller_hangup' })
    expect(await problemOf(acd.enqueue(tenant, 'c1'))).toBe('conflict')
    // a call of another tenant is not found
    expect(await problemOf(acd.enqueue('elsewhere', 'c1'))).toBe('not_found')
  })

  it('release sends a representative still ringing back to the queue', async () => {
    const { tenant, acd, db, line } = await setup()
    await addRepresentative(db, tenant, { id: 'r1' })
    await acd.login(tenant, 'r1', { queues: ['solo'], via: 'console' })
    await addCall(db, tenant, 'c1', { lineId: line })
    await acd.enqueue(tenant, 'c1')
    expect(await acd.reserve(tenant, 'c1')).not.toBeNull()
    await acd.release(tenant, 'c1', 'caller_hangup')
    expect((await presenceOf(tenant, 'r1')).state).toBe('available')
    expect((await membersOf(tenant, 'c1')).map((m) => m.status)).toEqual(['cancelled'])
  })
})

describe('logging out mid-call', () => {
  it('the call is finished and counted on the login it began in, then the representative is offline', async () => {
    const { tenant, acd, db, clock, line } = await setup({ telephony: { wrap_up_seconds: 30 } })
    await addRepresentative(db, tenant, { id: 'r1' })
    await acd.login(tenant, 'r1', { queues: ['solo'], via: 'phone' })
    await addCall(db, tenant, 'c1', { lineId: line })
    await acd.enqueue(tenant, 'c1')
    await acd.reserve(tenant, 'c1')
    await acd.joined(tenant, 'c1', 'r1', { legUuid: 'leg', at: clock.now() })
    clock.advance(60_000)
    await acd.logout(tenant, 'r1', { via: 'console' })
    expect((await presenceOf(tenant, 'r1')).state).toBe('on_call')
    clock.advance(60_000)
    await acd.left(tenant, 'c1', 'r1', clock.now())
    expect((await presenceOf(tenant, 'r1')).state).toBe('offline')
    const login = await db
      .selectFrom('representative_logins')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .executeTakeFirstOrThrow()
    expect(login).toMatchObject({ calls_taken: 1, service_seconds: 120 })
    expect(login.logged_out_at?.toISOString()).toBe('2026-12-06T00:01:00.000Z')
  })

  it('a representative reserved who logs out is not connected: their answer is refused', async () => {
    const { tenant, acd, db, clock, line } = await setup()
    await addRepresentative(db, tenant, { id: 'r1' })
    await acd.login(tenant, 'r1', { queues: ['solo'], via: 'phone' })
    await addCall(db, tenant, 'c1', { lineId: line })
    await acd.enqueue(tenant, 'c1')
    await acd.reserve(tenant, 'c1')
    await acd.logout(tenant, 'r1', { via: 'phone' })
    expect((await presenceOf(tenant, 'r1')).state).toBe('offline')
    expect(await problemOf(acd.joined(tenant, 'c1', 'r1', { legUuid: 'leg', at: clock.now() }))).toBe(
      'conflict',
    )
  })
})

describe('misses', () => {
  it('a miss puts the representative back last in line; max_missed in a row puts them on break', async () => {
    const { tenant, acd, db, clock, line } = await setup({ telephony: { max_missed: 2 } })
    await addRepresentative(db, tenant, { id: 'r1' })
    await addRepresentative(db, tenant, { id: 'r2' })
    await acd.login(tenant, 'r1', { queues: ['solo'], via: 'console' })
    clock.advance(1000)
    await acd.login(tenant, 'r2', { queues: ['solo'], via: 'console' })
    clock.advance(1000)

    await addCall(db, tenant, 'c1', { lineId: line })
    await acd.enqueue(tenant, 'c1')
    expect((await acd.reserve(tenant, 'c1'))?.representatives.map((r) => r.id)).toEqual(['r1'])
    expect(await acd.missed(tenant, 'c1', 'r1')).toEqual({ onBreak: false })
    expect(await presenceOf(tenant, 'r1')).toMatchObject({ state: 'available', missed_in_row: 1 })
    expect((await membersOf(tenant, 'c1')).map((m) => m.status)).toEqual(['no_answer'])

    // requeued: the caller keeps their place, and r2 (now idle longer) is offered first
    await acd.enqueue(tenant, 'c1')
    expect((await acd.reserve(tenant, 'c1'))?.representatives.map((r) => r.id)).toEqual(['r2'])
    await acd.missed(tenant, 'c1', 'r2')
    await acd.enqueue(tenant, 'c1')
    expect((await acd.reserve(tenant, 'c1'))?.representatives.map((r) => r.id)).toEqual(['r1'])
    expect(await acd.missed(tenant, 'c1', 'r1')).toEqual({ onBreak: true })
    expect((await presenceOf(tenant, 'r1')).state).toBe('break')
    // the same miss reported twice counts once
    expect(await acd.missed(tenant, 'c1', 'r1')).toEqual({ onBreak: true })
    expect((await presenceOf(tenant, 'r1')).missed_in_row).toBe(2)
    // logging in again from the phone ends the break
    expect((await acd.login(tenant, 'r1', { queues: ['solo'], via: 'phone' })).state).toBe('available')
    expect((await presenceOf(tenant, 'r1')).missed_in_row).toBe(0)
  })

  it('an answer resets the count; tick counts an expired reservation as a miss', async () => {
    const { tenant, acd, db, line } = await setup({ telephony: { max_missed: 1, ring_seconds: 5 } })
    await addRepresentative(db, tenant, { id: 'r1' })
    await acd.login(tenant, 'r1', { queues: ['solo'], via: 'console' })
    await addCall(db, tenant, 'c1', { lineId: line })
    await acd.enqueue(tenant, 'c1')
    const reservation = await acd.reserve(tenant, 'c1')
    if (!reservation) throw new Error('reserved')
    await acd.tick(new Date(reservation.reservedUntil.getTime() - 1))
    expect((await presenceOf(tenant, 'r1')).state).toBe('reserved')
    await acd.tick(reservation.reservedUntil)
    expect(await presenceOf(tenant, 'r1')).toMatchObject({ state: 'break', missed_in_row: 1 })
    expect((await membersOf(tenant, 'c1')).map((m) => m.status)).toEqual(['no_answer'])
  })
})

describe('matching on the tables', () => {
  it('a dual line reserves twins together, all or nothing', async () => {
    const { tenant, acd, db, clock, line } = await setup({ representativesPerCall: 2 })
    for (const id of ['r1', 'r2', 'r3']) await addRepresentative(db, tenant, { id })
    await acd.login(tenant, 'r1', { queues: ['dual'], via: 'console' })
    clock.advance(1000)
    await acd.login(tenant, 'r2', { queues: ['dual'], via: 'console' })
    clock.advance(1000)
    await acd.login(tenant, 'r3', { queues: ['dual'], partnerId: 'r1', via: 'console' })
    await addCall(db, tenant, 'c1', { lineId: line })
    await acd.enqueue(tenant, 'c1')
    const reservation = await acd.reserve(tenant, 'c1')
    expect(reservation?.representatives.map((r) => r.id)).toEqual(['r1', 'r3'])
    expect((await callOf(tenant, 'c1')).representatives_needed).toBe(2)
    // one left for the next dual call: not enough, and nobody is reserved
    await addCall(db, tenant, 'c2', { lineId: line })
    await acd.enqueue(tenant, 'c2')
    expect(await acd.reserve(tenant, 'c2')).toBeNull()
    expect((await presenceOf(tenant, 'r2')).state).toBe('available')
  })

  it('preferences: only a matching representative is offered', async () => {
    const { tenant, acd, db, line } = await setup()
    await addRepresentative(db, tenant, { id: 'r1', gender: 'male', expertise: ['tarot'] })
    await addRepresentative(db, tenant, {
      id: 'r2',
      gender: 'female',
      expertise: ['astrology'],
      extension: '2002',
    })
    await acd.login(tenant, 'r1', { queues: ['solo'], via: 'console' })
    await acd.login(tenant, 'r2', { queues: ['solo'], via: 'console' })
    await addCall(db, tenant, 'c1', { lineId: line })
    await acd.enqueue(tenant, 'c1', { preferences: { gender: 'female' } })
    expect((await acd.reserve(tenant, 'c1'))?.representatives.map((r) => r.id)).toEqual(['r2'])
    await addCall(db, tenant, 'c2', { lineId: line })
    await acd.enqueue(tenant, 'c2', { preferences: { expertise: 'astrology' } })
    expect(await acd.reserve(tenant, 'c2')).toBeNull()
    await addCall(db, tenant, 'c3', { lineId: line })
    await acd.enqueue(tenant, 'c3', { preferences: { extension: '2002' } })
    expect(await acd.reserve(tenant, 'c3')).toBeNull()
  })

  it('the line’s strategy decides; another tenant’s representatives are never offered', async () => {
    const { tenant, acd, db, clock, line } = await setup({ telephony: { strategy: 'fewest_calls' } })
    const other = `${tenant}-other`
    await addRepresentative(db, other, { id: 'r0' })
    await acd.login(other, 'r0', { queues: ['solo'], via: 'console' })
    clock.advance(1000)
    for (const id of ['r1', 'r2']) {
      await addRepresentative(db, tenant, { id })
      await acd.login(tenant, id, { queues: ['solo'], via: 'console' })
      clock.advance(1000)
    }
    // r1 has waited longest but taken two calls; r2 none
    await db
      .updateTable('representative_presence')
      .set({ calls_taken: 2 })
      .where('tenant_id', '=', tenant)
      .where('representative_id', '=', 'r1')
      .execute()
    await addCall(db, tenant, 'c1', { lineId: line })
    await acd.enqueue(tenant, 'c1')
    expect((await acd.reserve(tenant, 'c1'))?.representatives.map((r) => r.id)).toEqual(['r2'])
    await addCall(db, tenant, 'c2', { lineId: line })
    await acd.enqueue(tenant, 'c2')
    expect((await acd.reserve(tenant, 'c2'))?.representatives.map((r) => r.id)).toEqual(['r1'])
    await addCall(db, tenant, 'c3', { lineId: line })
    await acd.enqueue(tenant, 'c3')
    expect(await acd.reserve(tenant, 'c3')).toBeNull()
    expect((await presenceOf(other, 'r0')).state).toBe('available')
  })

  it('FIFO per line: a newer caller does not take the representative an older one can have', async () => {
    const { tenant, acd, db, clock, line } = await setup()
    await addRepresentative(db, tenant, { id: 'r1', gender: 'female' })
    await acd.login(tenant, 'r1', { queues: ['solo'], via: 'console' })
    await addCall(db, tenant, 'old', { lineId: line })
    await addCall(db, tenant, 'picky', { lineId: line })
    await addCall(db, tenant, 'new', { lineId: line })
    await acd.enqueue(tenant, 'picky', { preferences: { gender: 'male' } })
    clock.advance(1000)
    await acd.enqueue(tenant, 'old')
    clock.advance(1000)
    await acd.enqueue(tenant, 'new')
    expect(await acd.reserve(tenant, 'new')).toBeNull()
    // the picky caller ahead, whom nobody free matches, does not hold up the one behind
    expect((await acd.reserve(tenant, 'old'))?.representatives.map((r) => r.id)).toEqual(['r1'])
  })

  it('a waiting call nobody has asked for in two minutes (its bridge died) no longer holds the line', async () => {
    const { tenant, acd, db, clock, line } = await setup()
    await addRepresentative(db, tenant, { id: 'r1' })
    await acd.login(tenant, 'r1', { queues: ['solo'], via: 'console' })
    await addCall(db, tenant, 'orphan', { lineId: line })
    await addCall(db, tenant, 'live', { lineId: line })
    await acd.enqueue(tenant, 'orphan')
    clock.advance(1000)
    await acd.enqueue(tenant, 'live')
    for (let s = 0; s < 120; s += 10) {
      expect(await acd.reserve(tenant, 'live')).toBeNull()
      expect((await acd.position(tenant, 'live')).position).toBe(2)
      clock.advance(10_000)
    }
    expect((await acd.position(tenant, 'live')).position).toBe(1)
    expect((await acd.reserve(tenant, 'live'))?.representatives.map((r) => r.id)).toEqual(['r1'])
  })
})

describe('position and estimate', () => {
  it('counts the callers ahead on the line and estimates position × handle time ÷ representatives', async () => {
    const { tenant, acd, db, clock, line } = await setup({
      telephony: { handle_seconds: 600, wrap_up_seconds: 0 },
    })
    for (const id of ['c1', 'c2', 'c3']) {
      await addCall(db, tenant, id, { lineId: line })
      await acd.enqueue(tenant, id)
      clock.advance(1000)
    }
    // nobody logged in: no honest estimate
    expect(await acd.position(tenant, 'c3')).toEqual({ position: 3, estimatedWaitSeconds: null })
    for (const id of ['r1', 'r2']) {
      await addRepresentative(db, tenant, { id })
      await acd.login(tenant, id, { queues: ['solo'], via: 'console' })
    }
    await acd.setBreak(tenant, 'r2', true)
    expect(await acd.position(tenant, 'c1')).toEqual({ position: 1, estimatedWaitSeconds: 600 })
    await acd.setBreak(tenant, 'r2', false)
    expect(await acd.position(tenant, 'c3')).toEqual({ position: 3, estimatedWaitSeconds: 900 })
    await acd.release(tenant, 'c1', 'partner_transfer')
    expect((await acd.position(tenant, 'c3')).position).toBe(2)
  })

  it('uses the line’s own handle time once it has answered calls', async () => {
    const { tenant, acd, db, clock, line } = await setup({
      telephony: { handle_seconds: 600, wrap_up_seconds: 10 },
    })
    await addRepresentative(db, tenant, { id: 'r1' })
    await acd.login(tenant, 'r1', { queues: ['solo'], via: 'console' })
    for (let i = 0; i < 5; i++)
      await db
        .insertInto('calls')
        .values({
          tenant_id: tenant,
          id: `done${i}`,
          channel_uuid: `u${i}`,
          bridge_id: 'b',
          dnis: '9001',
          service_line_id: line,
          stage: 'ended',
          started_at: clock.now(),
          connected_at: clock.now(),
          ended_at: new Date(clock.now().getTime() + 110_000),
        })
        .execute()
    await addCall(db, tenant, 'c1', { lineId: line })
    await acd.enqueue(tenant, 'c1')
    expect(await acd.position(tenant, 'c1')).toEqual({ position: 1, estimatedWaitSeconds: 120 })

    // the wallboard's figures: handle time from history, arrivals still the line's starting 12 an hour
    clock.advance(60_000)
    expect(await acd.lineEstimate(tenant, line)).toEqual({
      serviceLineId: line,
      queue: 'solo',
      representativesServing: 1,
      agents: 1,
      arrivalsPerHour: 12,
      handleSeconds: 120,
      source: { arrivals: 'settings', handle: 'history' },
      // M/M/1 at a load of 12 × 120 / 3600 = 0.4: P(wait) = 0.4, average wait 0.4 × 120 / 0.6 = 80 s
      probabilityOfWaiting: expect.closeTo(0.4, 10),
      averageWaitSeconds: 80,
      waiting: 1,
      longestWaitSeconds: 60,
    })
    // once callers have queued here, their rate replaces the starting figure: 6 in the last hour
    await db
      .updateTable('calls')
      .set({ enqueued_at: new Date(clock.now().getTime() - 1800_000) })
      .where('tenant_id', '=', tenant)
      .where('stage', '=', 'ended')
      .execute()
    const estimate = await acd.lineEstimate(tenant, line)
    expect(estimate).toMatchObject({
      arrivalsPerHour: 6,
      source: { arrivals: 'history', handle: 'history' },
      averageWaitSeconds: 30,
    })
    expect(estimate.probabilityOfWaiting).toBeCloseTo(0.2, 10)
    expect(await problemOf(acd.lineEstimate(tenant, 'nope'))).toBe('not_found')
  })
})

describe('the phone login’s lookups', () => {
  it('by ANI, by extension and PIN, and partners by the keypad letters of a last name', async () => {
    const { tenant, acd, db } = await setup()
    await addRepresentative(db, tenant, {
      id: 'r1',
      name: 'Ann Lee',
      extension: '1001',
      phone: '+1 (555) 555-0101',
      pinHash: await hashPin('4321'),
    })
    await addRepresentative(db, tenant, {
      id: 'r2',
      name: 'Bob Kee',
      extension: '1002',
      phone: '+15555550102',
    })
    await addRepresentative(db, tenant, { id: 'r3', name: 'Cy Jones', extension: '1003' })
    await addRepresentative(db, tenant, { id: 'r4', name: 'Old Lee', extension: '1004', active: false })
    expect(await acd.representativeByPhone(tenant, '+15555550101')).toEqual({
      id: 'r1',
      name: 'Ann Lee',
      extension: '1001',
    })
    expect((await acd.representativeByPhone(tenant, '5555550102'))?.id).toBe('r2')
    expect(await acd.representativeByPhone(tenant, '+15555550199')).toBeNull()
    expect(await acd.representativeByPhone('elsewhere', '+15555550101')).toBeNull()
    expect((await acd.representativeByPin(tenant, '1001', '4321'))?.id).toBe('r1')
    expect(await acd.representativeByPin(tenant, '1001', '1234')).toBeNull()
    expect(await acd.representativeByPin(tenant, '1002', '4321')).toBeNull()
    expect((await acd.partnersByLastName(tenant, '533')).map((r) => r.id)).toEqual(['r1', 'r2'])
    expect((await acd.partnersByLastName(tenant, '533', { excluding: 'r1' })).map((r) => r.id)).toEqual([
      'r2',
    ])
    expect((await acd.partnersByLastName(tenant, 'le')).map((r) => r.id)).toEqual(['r1'])
    expect((await acd.partnersByLastName(tenant, '5663')).map((r) => r.id)).toEqual(['r3'])
  })

  it('five wrong PINs lock the extension’s PIN for fifteen minutes — even the right one; a right one clears the count', async () => {
    const { tenant, acd, db, clock } = await setup()
    await addRepresentative(db, tenant, { id: 'r1', extension: '1001', pinHash: await hashPin('4321') })
    for (let i = 0; i < 4; i++) expect(await acd.representativeByPin(tenant, '1001', '0000')).toBeNull()
    expect((await acd.representativeByPin(tenant, '1001', '4321'))?.id).toBe('r1')
    // the count started again
    for (let i = 0; i < 4; i++) expect(await acd.representativeByPin(tenant, '1001', '0000')).toBeNull()
    expect((await acd.representativeByPin(tenant, '1001', '4321'))?.id).toBe('r1')
    for (let i = 0; i < 5; i++) expect(await acd.representativeByPin(tenant, '1001', '0000')).toBeNull()
    expect(await acd.representativeByPin(tenant, '1001', '4321')).toBeNull()
    clock.advance(14 * 60_000)
    expect(await acd.representativeByPin(tenant, '1001', '4321')).toBeNull()
    clock.advance(60_000)
    expect((await acd.representativeByPin(tenant, '1001', '4321'))?.id).toBe('r1')
  })
})

describe('in the service graph', () => {
  it('services.acd is the ACD on the graph’s database and clock', async () => {
    const tenant = `acd${++tenants}`
    const clock = manualClock(new Date('2027-01-01T08:00:00Z'))
    const services = createServices({
      db: database.db,
      secret: 'acd-suite',
      logger: createLogger('warn'),
      clock: clock.now,
    })
    await addRepresentative(database.db, tenant, { id: 'r1' })
    const view = await services.acd.login(tenant, 'r1', { queues: ['triple', 'solo'], via: 'console' })
    expect(view).toMatchObject({
      state: 'available',
      queues: ['triple', 'solo'],
      logged_in_at: '2027-01-01T08:00:00.000Z',
    })
    expect(await services.acd.presence(tenant, 'r1')).toEqual(view)
    expect((await services.acd.presence(tenant, 'nobody')).state).toBe('offline')
  })
})

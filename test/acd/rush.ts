// A rush hour for the ACD suites: one tenant with sixty representatives (twins among them, two
// genders) logged in to every queue, a solo, a dual and a triple line, and two hundred callers
// waiting — some asking for a gender. And the checks that no representative was booked twice.
import { expect } from 'vitest'
import type { Db } from '../../db/connect.ts'
import type { PostgresAcd } from '../../server/acd/acd.ts'
import type { Reservation } from '../../server/acd/types.ts'
import { addCall, addRepresentative, addTelephonyLine } from './support.ts'

export const RUSH_REPRESENTATIVES = 60
export const RUSH_CALLS = { solo: 120, dual: 50, triple: 30 } as const

export interface Rush {
  tenant: string
  callIds: string[]
  needed: Map<string, number>
  wantsFemale: Set<string>
}

export async function seedRush(db: Db, acd: PostgresAcd, tenant: string): Promise<Rush> {
  await addTelephonyLine(db, tenant, 'solo', { representativesPerCall: 1, telephony: { wrap_up_seconds: 0 } })
  await addTelephonyLine(db, tenant, 'dual', { representativesPerCall: 2, telephony: { wrap_up_seconds: 0 } })
  await addTelephonyLine(db, tenant, 'triple', {
    representativesPerCall: 3,
    telephony: { wrap_up_seconds: 0 },
  })
  for (let i = 0; i < RUSH_REPRESENTATIVES; i++) {
    const id = `r${String(i).padStart(3, '0')}`
    await addRepresentative(db, tenant, {
      id,
      extension: String(2000 + i),
      gender: i % 2 ? 'male' : 'female',
    })
  }
  for (let i = 0; i < RUSH_REPRESENTATIVES; i++) {
    const id = `r${String(i).padStart(3, '0')}`
    // the first twenty are ten pairs of twins
    const partnerId = i < 20 ? `r${String(i % 2 ? i - 1 : i + 1).padStart(3, '0')}` : null
    await acd.login(tenant, id, { queues: ['solo', 'dual', 'triple'], partnerId, via: 'console' })
  }
  const callIds: string[] = []
  const needed = new Map<string, number>()
  const wantsFemale = new Set<string>()
  let n = 0
  for (const [line, count] of Object.entries(RUSH_CALLS)) {
    for (let i = 0; i < count; i++) {
      const id = `call${String(n++).padStart(3, '0')}`
      await addCall(db, tenant, id, { lineId: line })
      const female = i % 7 === 3
      if (female) wantsFemale.add(id)
      await acd.enqueue(tenant, id, female ? { preferences: { gender: 'female' } } : {})
      callIds.push(id)
      needed.set(id, line === 'solo' ? 1 : line === 'dual' ? 2 : 3)
    }
  }
  return { tenant, callIds, needed, wantsFemale }
}

/** The reservations made in one burst, checked against each other and against the tables. */
export async function expectNoDoubleBooking(
  db: Db,
  rush: Rush,
  results: { callId: string; reservation: Reservation | null }[],
) {
  const won = results.filter((r): r is { callId: string; reservation: Reservation } => r.reservation !== null)
  // a call is reserved once, however many asked for it
  expect(new Set(won.map((r) => r.callId)).size).toBe(won.length)
  const booked = won.flatMap((r) => r.reservation.representatives.map((rep) => rep.id))
  expect(new Set(booked).size).toBe(booked.length)
  for (const { callId, reservation } of won) {
    expect(reservation.callId).toBe(callId)
    expect(reservation.representatives).toHaveLength(rush.needed.get(callId) ?? -1)
  }

  // the tables agree: one live membership per representative, and their presence names that call
  const live = await db
    .selectFrom('call_members')
    .select(['representative_id', 'call_id'])
    .where('tenant_id', '=', rush.tenant)
    .where('status', 'in', ['reserved', 'ringing', 'joined'])
    .execute()
  expect(new Set(live.map((m) => m.representative_id)).size).toBe(live.length)
  const reserved = await db
    .selectFrom('representative_presence')
    .select(['representative_id', 'reserved_call_id'])
    .where('tenant_id', '=', rush.tenant)
    .where('state', '=', 'reserved')
    .execute()
  const memberOf = new Map(live.map((m) => [m.representative_id, m.call_id]))
  for (const row of reserved) expect(memberOf.get(row.representative_id)).toBe(row.reserved_call_id)
  // callers who asked for a woman got only women
  const genders = new Map(
    (
      await db
        .selectFrom('representatives')
        .select(['id', 'gender'])
        .where('tenant_id', '=', rush.tenant)
        .execute()
    ).map((r) => [r.id, r.gender]),
  )
  for (const { callId, reservation } of won)
    if (rush.wantsFemale.has(callId))
      for (const rep of reservation.representatives) expect(genders.get(rep.id)).toBe('female')
  return won
}

/** Every reserved call answered and over (wrap-up 0): its representatives are free again. */
export async function finishCalls(
  db: Db,
  acd: PostgresAcd,
  tenant: string,
  won: { callId: string; reservation: Reservation }[],
  at: Date,
) {
  for (const { callId, reservation } of won) {
    for (const rep of reservation.representatives)
      await acd.joined(tenant, callId, rep.id, { legUuid: `${callId}-${rep.id}`, at })
    for (const rep of reservation.representatives) await acd.left(tenant, callId, rep.id, at)
    await db
      .updateTable('calls')
      .set({ stage: 'ended', ended_at: at })
      .where('tenant_id', '=', tenant)
      .where('id', '=', callId)
      .execute()
  }
}

export async function waitingCalls(db: Db, tenant: string): Promise<string[]> {
  const rows = await db
    .selectFrom('calls')
    .select('id')
    .where('tenant_id', '=', tenant)
    .where('stage', '=', 'waiting')
    .orderBy('id')
    .execute()
  return rows.map((r) => r.id)
}

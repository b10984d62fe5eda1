// The demo's minute allowances (40 a day, 50 a week, 85 a month) bite after real sessions: a live
// session reserves its grant, settlement replaces the reservation with the seconds billed, and the
// next session of the same caller is granted only what is left — or refused when nothing is.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SessionView } from '../../server/sessions/schema.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { addLine, manualClock, newPerson, sessionBody } from './support.ts'

let t: TestApp
const clock = manualClock()
beforeAll(async () => {
  t = await startTestApp({ clock: clock.now })
  // 1.00 a minute with a one-hour hold (60.00): the allowances, not the hold, bound these sessions
  await addLine(t.db, 'acme', { id: 'hour', rate_per_minute: 100, hold_minutes: 60 })
})
afterAll(() => t.close())

async function start(body: unknown): Promise<SessionView> {
  const response = await t.post('/v1/sessions', body)
  const text = await response.text()
  expect(response.status, text).toBe(201)
  return JSON.parse(text) as SessionView
}

async function talkAndEnd(session: SessionView, minutes: number): Promise<SessionView> {
  const s = t.services.sessions
  const { leg } = await s.connectLeg('acme', session.id, { party: 'representative' })
  clock.advance(minutes * 60)
  await s.endLeg('acme', session.id, leg.id)
  return s.end('acme', session.id)
}

describe('minute allowances after real sessions', () => {
  it('a live session’s grant is reserved: a second one at the same time is refused', async () => {
    const person = newPerson()
    const first = await start(sessionBody(person, 'hour'))
    // 40 minutes a day is the smallest bound (the hold covers 60)
    expect(first).toMatchObject({ status: 'live', max_duration_seconds: 2400 })
    const second = await start(sessionBody(person, 'hour'))
    expect(second.status).toBe('refused')
    expect(second.decision.outcome).toBe('limit')
    expect(second.decision.reasons[0]).toMatchObject({ rule: 'minutes-per-day', remaining: 0 })
    await t.services.sessions.end('acme', first.id)
  })

  it('after 25 minutes billed, the next session is granted the 15 left of the day', async () => {
    const person = newPerson()
    const first = await start(sessionBody(person, 'hour'))
    const settled = await talkAndEnd(first, 25)
    expect(settled).toMatchObject({ status: 'settled', billed_seconds: 1500, charge: { amount: 2500 } })
    const second = await start(sessionBody(person, 'hour'))
    expect(second).toMatchObject({ status: 'live', max_duration_seconds: 900 })
    await t.services.sessions.end('acme', second.id)
  })

  it('after 40 minutes billed, the caller is limited for the day by minutes', async () => {
    const person = newPerson()
    const settled = await talkAndEnd(await start(sessionBody(person, 'hour')), 40)
    expect(settled.billed_seconds).toBe(2400)
    const next = await start(sessionBody(person, 'hour'))
    expect(next.status).toBe('refused')
    expect(next.decision.outcome).toBe('limit')
    expect(next.decision.reasons[0]).toMatchObject({
      rule: 'minutes-per-day',
      type: 'allowance',
      remaining: 0,
    })
    expect(next.decision.limits.resets_at).not.toBeNull()
    expect(next.hold).toBeNull()
  })

  it('a session that never connected gives its minutes back', async () => {
    const person = newPerson()
    const unused = await start(sessionBody(person, 'hour'))
    await t.services.sessions.end('acme', unused.id)
    const next = await start(sessionBody(person, 'hour'))
    expect(next).toMatchObject({ status: 'live', max_duration_seconds: 2400 })
    await t.services.sessions.end('acme', next.id)
  })
})

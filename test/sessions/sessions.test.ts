// /v1/sessions end to end on the demo rule set: start (the decision and the hold), one to three
// representatives' overlapping legs billed to the second, heartbeats and the sweeper, ending and
// settling, idempotent retries, bad input naming the field, and another tenant's session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SessionView } from '../../server/sessions/schema.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { addLine, ledgerOff, manualClock, newPerson, sessionBody } from './support.ts'

let t: TestApp
const clock = manualClock()
beforeAll(async () => {
  t = await startTestApp({ clock: clock.now })
  // 2.99 a minute billed by the second after the first: 1/1
  await addLine(t.db, 'acme', {
    id: 'advice',
    rate_per_minute: 299,
    first_period_seconds: 1,
    increment_seconds: 1,
  })
  await addLine(t.db, 'acme', { id: 'advice-60', rate_per_minute: 299 })
  await addLine(t.db, 'acme', {
    id: 'chat',
    rate_per_minute: 120,
    mode: 'chat_room',
    first_period_seconds: 1,
    increment_seconds: 1,
  })
  await addLine(t.db, 'globex', { id: 'advice', rate_per_minute: 299 })
})
afterAll(() => t.close())

async function json<T>(response: Response, status: number): Promise<T> {
  const text = await response.text()
  expect(response.status, text).toBe(status)
  return JSON.parse(text) as T
}

async function startSession(body: unknown, idempotencyKey?: string): Promise<SessionView> {
  return json<SessionView>(await t.post('/v1/sessions', body, idempotencyKey ? { idempotencyKey } : {}), 201)
}

async function connect(
  id: string,
  party = 'representative',
): Promise<{ session: SessionView; legId: string }> {
  const before = (await t.services.sessions.get('acme', id))?.legs.length ?? 0
  const session = await json<SessionView>(await t.post(`/v1/sessions/${id}/legs`, { party }), 201)
  expect(session.legs).toHaveLength(before + 1)
  const legId = session.legs
    .map((l) => l.id)
    .find(
      (l) =>
        !session.legs
          .slice(0, before)
          .map((x) => x.id)
          .includes(l),
    )
  return { session, legId: legId ?? '' }
}

const endLeg = async (id: string, leg: string) =>
  json<SessionView>(await t.post(`/v1/sessions/${id}/legs/${leg}/end`, ''), 200)
const end = async (id: string) =>
  json<SessionView>(await t.post(`/v1/sessions/${id}/end`, { reason: 'completed' }), 200)

describe('starting a session', () => {
  it('decides, places the hold and grants the smaller of the allowances and what the hold covers', async () => {
    const session = await startSession(sessionBody(newPerson(), 'advice-60'))
    expect(session).toMatchObject({
      status: 'live',
      service_line_id: 'advice-60',
      channel: 'phone',
      mode: 'conference',
      currency: 'USD',
      // 10 minutes at 2.99 held; 40 minutes a day left, 100.00 a month: the hold is the bound
      max_duration_seconds: 600,
      hold: { amount: 2990, status: 'authorized' },
      legs: [],
      billing_started_at: null,
      charge: null,
    })
    expect(session.decision.outcome).toBe('approve')
    expect(session.id).toMatch(/^ses_[a-z0-9]+$/)
    // the grant is reserved against the allowances while live
    const usage = await t.db
      .selectFrom('usage_events')
      .select(['seconds', 'amount', 'sessions'])
      .where('tenant_id', '=', 'acme')
      .where('decision_id', '=', session.decision.id)
      .executeTakeFirstOrThrow()
    expect({ ...usage, amount: Number(usage.amount) }).toEqual({ seconds: 600, amount: 2990, sessions: 1 })
  })

  it('a retry with the same Idempotency-Key returns the same session and places no second hold', async () => {
    const body = sessionBody(newPerson(), 'advice-60')
    const first = await startSession(body, 'start-once')
    const again = await t.post('/v1/sessions', body, { idempotencyKey: 'start-once' })
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect((await json<SessionView>(again, 201)).id).toBe(first.id)
    const holds = await t.db
      .selectFrom('payments')
      .select('id')
      .where('tenant_id', '=', 'acme')
      .where('session_id', '=', first.id)
      .execute()
    expect(holds).toHaveLength(1)
    const other = await t.post('/v1/sessions', { ...body, channel: 'web' }, { idempotencyKey: 'start-once' })
    expect(other.status).toBe(422)
  })

  it('a declined hold fails the session with the reason and lifts its reservation', async () => {
    const session = await startSession(sessionBody({ ...newPerson(), card: '4000000000009995' }, 'advice-60'))
    expect(session.status).toBe('failed')
    expect(session.failure?.code).toBe('insufficient_funds')
    const usage = await t.db
      .selectFrom('usage_events')
      .select('voided_at')
      .where('tenant_id', '=', 'acme')
      .where('decision_id', '=', session.decision.id)
      .executeTakeFirstOrThrow()
    expect(usage.voided_at).not.toBeNull()
    expect((await t.post(`/v1/sessions/${session.id}/legs`, { party: 'representative' })).status).toBe(409)
  })

  it('bad input gets a problem naming the field', async () => {
    const person = newPerson()
    const tally = async (table: 'sessions' | 'decisions' | 'payments') =>
      (await t.db.selectFrom(table).select('id').where('tenant_id', '=', 'acme').execute()).length
    const before = [await tally('sessions'), await tally('decisions'), await tally('payments')]
    const cases: [unknown, string][] = [
      [{ ...sessionBody(person, 'advice'), service_line_id: undefined }, 'service_line_id'],
      [sessionBody(person, 'no-such-line'), 'service_line_id'],
      [{ ...sessionBody(person, 'advice'), channel: 'fax' }, 'channel'],
      [{ ...sessionBody(person, 'advice'), payment_method: undefined }, 'payment_method'],
      [{ ...sessionBody(person, 'advice'), payment_method: { type: 'phone_bill' } }, 'payment_method.type'],
      [{ ...sessionBody(person, 'advice'), payment_method: { type: 'eft' } }, 'payment_method.bank_account'],
    ]
    for (const [body, field] of cases) {
      const problem = await json<{ errors: { field: string }[] }>(await t.post('/v1/sessions', body), 422)
      expect(problem.errors.map((e) => e.field)).toContain(field)
    }
    // nothing was decided or started for any of them
    expect([await tally('sessions'), await tally('decisions'), await tally('payments')]).toEqual(before)
    expect((await t.post('/v1/sessions/ses_x/legs', { party: 'caller' })).status).toBe(422)
    expect((await t.get('/v1/sessions/not-a-session')).status).toBe(422)
  })

  it('another tenant’s session is not found, and a representative unknown to the tenant is refused', async () => {
    const session = await startSession(sessionBody(newPerson(), 'advice'))
    expect((await t.get(`/v1/sessions/${session.id}`, { key: t.otherKey })).status).toBe(404)
    expect((await t.post(`/v1/sessions/${session.id}/end`, {}, { key: t.otherKey })).status).toBe(404)
    expect(
      (await t.post(`/v1/sessions/${session.id}/legs`, { party: 'representative' }, { key: t.otherKey }))
        .status,
    ).toBe(404)
    const unknown = await t.post(`/v1/sessions/${session.id}/legs`, {
      party: 'representative',
      representative_id: 'rep_nobody',
    })
    expect((await json<{ errors: { field: string }[] }>(unknown, 422)).errors[0]?.field).toBe(
      'representative_id',
    )
    expect((await t.get(`/v1/sessions/${session.id}`)).status).toBe(200)
  })
})

describe('legs and the billing window', () => {
  it('one representative: billed to the second from connect to disconnect, then captured', async () => {
    const { id } = await startSession(sessionBody(newPerson(), 'advice'))
    clock.advance(20)
    const { legId } = await connect(id)
    clock.advance(90.4)
    await endLeg(id, legId)
    clock.advance(15)
    const ended = await end(id)
    // 90.4 s connected: 91 s billed (a begun second), 2.99 × 91 / 60 = 453.48 → 453
    expect(ended).toMatchObject({
      status: 'settled',
      billed_seconds: 91,
      charge: { amount: 453, currency: 'USD' },
    })
    expect(ended.settlement).toBe('capture_and_release')
    expect(ended.hold?.status).toBe('captured')
    expect(ended.rating?.items).toEqual([expect.objectContaining({ kind: 'time', amount: 453 })])
  })

  it('two overlapping representatives: from the first connect to the last disconnect', async () => {
    const { id } = await startSession(sessionBody(newPerson(), 'advice'))
    clock.advance(5)
    const first = await connect(id)
    clock.advance(60)
    const second = await connect(id)
    clock.advance(30)
    await endLeg(id, first.legId)
    clock.advance(45.2)
    await endLeg(id, second.legId)
    clock.advance(10)
    const ended = await end(id)
    expect(ended.billed_seconds).toBe(136)
    expect(ended.billing_started_at).toBe(first.session.legs[0]?.connected_at)
    expect(ended.legs.every((l) => l.disconnected_at !== null)).toBe(true)
    // 2.99 × 136 / 60 = 677.73 → 678
    expect(ended.charge?.amount).toBe(678)
  })

  it('three representatives at once; a fourth is refused; open legs close at the end', async () => {
    const { id } = await startSession(sessionBody(newPerson(), 'advice'))
    const a = await connect(id)
    clock.advance(10)
    await connect(id)
    clock.advance(10)
    await connect(id)
    expect((await t.post(`/v1/sessions/${id}/legs`, { party: 'representative' })).status).toBe(409)
    await endLeg(id, a.legId)
    // a leg freed: a fourth representative may join now
    await connect(id)
    clock.advance(100)
    const ended = await end(id)
    expect(ended.billed_seconds).toBe(120)
    expect(ended.legs.filter((l) => l.party === 'representative')).toHaveLength(4)
    // ending again changes nothing
    expect((await end(id)).settled_at).toBe(ended.settled_at)
  })

  it('a leg retried with its Idempotency-Key is connected once', async () => {
    const { id } = await startSession(sessionBody(newPerson(), 'advice'))
    for (let i = 0; i < 2; i++)
      expect(
        (await t.post(`/v1/sessions/${id}/legs`, { party: 'representative' }, { idempotencyKey: 'rep-1' }))
          .status,
      ).toBe(201)
    expect((await t.services.sessions.get('acme', id))?.legs).toHaveLength(1)
    await end(id)
  })

  it('a chat room bills the customer’s own leg', async () => {
    const { id } = await startSession(sessionBody(newPerson(), 'chat', { channel: 'chat' }))
    await connect(id)
    clock.advance(30)
    const customer = await connect(id, 'customer')
    clock.advance(60)
    await endLeg(id, customer.legId)
    clock.advance(60)
    const ended = await end(id)
    // 60 s at 1.20 a minute
    expect(ended).toMatchObject({ mode: 'chat_room', billed_seconds: 60, charge: { amount: 120 } })
  })

  it('never connected: the hold is reversed in full and nothing is charged', async () => {
    const { id, decision } = await startSession(sessionBody(newPerson(), 'advice-60'))
    await connect(id, 'customer')
    clock.advance(120)
    const ended = await end(id)
    expect(ended).toMatchObject({
      status: 'settled',
      billed_seconds: 0,
      charge: { amount: 0 },
      settlement: 'reversed',
    })
    expect(ended.hold?.status).toBe('voided')
    const usage = await t.db
      .selectFrom('usage_events')
      .select(['seconds', 'amount'])
      .where('tenant_id', '=', 'acme')
      .where('decision_id', '=', decision.id)
      .executeTakeFirstOrThrow()
    expect({ seconds: usage.seconds, amount: Number(usage.amount) }).toEqual({ seconds: 0, amount: 0 })
  })
})

describe('heartbeats and the sweeper', () => {
  it('a session whose heartbeats stop is ended at its last heartbeat and settled', async () => {
    const { id } = await startSession(sessionBody(newPerson(), 'advice'))
    await connect(id)
    clock.advance(30)
    const beat = await json<SessionView>(await t.post(`/v1/sessions/${id}/heartbeat`, ''), 200)
    expect(beat.status).toBe('live')
    clock.advance(60)
    await t.services.sessionSweeper.sweep()
    expect((await t.services.sessions.get('acme', id))?.status).toBe('live')
    clock.advance(60)
    await t.services.sessionSweeper.sweep()
    const swept = await t.services.sessions.get('acme', id)
    expect(swept).toMatchObject({
      status: 'settled',
      end_reason: 'heartbeat_lost',
      ended_at: beat.last_heartbeat_at,
      billed_seconds: 30,
    })
    expect((await t.post(`/v1/sessions/${id}/heartbeat`, '')).status).toBe(409)
  })

  it('a session that reaches its grant is ended there and billed no more', async () => {
    const { id, max_duration_seconds } = await startSession(sessionBody(newPerson(), 'advice-60'))
    expect(max_duration_seconds).toBe(600)
    await connect(id)
    for (let i = 0; i < 7; i++) {
      clock.advance(89)
      await t.post(`/v1/sessions/${id}/heartbeat`, '')
    }
    await t.services.sessionSweeper.sweep()
    const swept = await t.services.sessions.get('acme', id)
    expect(swept).toMatchObject({
      status: 'settled',
      end_reason: 'granted_time_used',
      billed_seconds: 600,
      charge: { amount: 2990 },
    })
  })
})

describe('the ledger', () => {
  it('balances after every session above', async () => {
    expect(await ledgerOff(t.db, 'acme')).toEqual([])
    const entries = await t.db
      .selectFrom('ledger_entries')
      .select('id')
      .where('tenant_id', '=', 'acme')
      .execute()
    expect(entries.length).toBeGreaterThan(0)
  })
})

// From reservation to goodbye against the fake FreeSWITCH over TCP, on the real service graph: a
// dual conference billed from the first representative's add-member to the last one's del-member to
// the second, and settled; the grant's limit with its warning and the hang-up scheduled at the right
// second; a reserved representative who does not answer; the caller hanging up; FreeSWITCH restarting
// mid-call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { conferenceNameOf } from '../../telephony/conference.ts'
import { type Harness, membersOf, presenceOf, START, startHarness } from './conference-support.ts'
import { sessionBodyFor } from './stand-in-caller.ts'

let h: Harness
const at = (seconds: number) => new Date(START.getTime() + seconds * 1000)

beforeAll(async () => {
  h = await startHarness()
  // 2.99 a minute, 60/60, a hold of 10 minutes: a grant of 600 s
  await h.addLine({ id: 'duo', number: '9002', perCall: 2, telephony: { ring_seconds: 10 } })
  // a hold of 3 minutes: a grant of 180 s
  await h.addLine({
    id: 'short',
    number: '9001',
    perCall: 1,
    hold_minutes: 3,
    telephony: { ring_seconds: 10 },
  })
  await h.addLine({
    id: 'picky',
    number: '9003',
    perCall: 1,
    telephony: { ring_seconds: 10, max_missed: 1 },
  })
})
afterAll(() => h?.close())

async function sessionOf(sessionId: string) {
  const session = await h.t.services.sessions.get('acme', sessionId)
  if (!session) throw new Error(`no session ${sessionId}`)
  return session
}

async function callRow(callId: string) {
  return h.t.db
    .selectFrom('calls')
    .selectAll()
    .where('tenant_id', '=', 'acme')
    .where('id', '=', callId)
    .executeTakeFirstOrThrow()
}

describe('conference', () => {
  it('approve → dual conference → billed from the first add-member to the last del-member, to the second → settled', async () => {
    const { fs, t } = h
    await h.addRepresentative({ id: 'rep_ada', name: 'Ada Lovelace', extension: '1001', queues: ['dual'] })
    await h.addRepresentative({ id: 'rep_ben', name: 'Ben Okri', extension: '1002', queues: ['dual'] })
    fs.registerEndpoint('loopback/1001', { answerAfterMs: 2000 })
    fs.registerEndpoint('loopback/1002', { answerAfterMs: 5000 })

    const call = fs.placeCall({ dnis: '9002', ani: '+15551230001' })
    await call.waitForApp('conference')
    const record = await h.until(() => h.callers.get(call.uuid))
    const callId = await h.until(() => record.callId)
    const name = conferenceNameOf(callId)
    expect(call.apps.find((a) => a.name === 'conference')?.arg).toBe(`${name}@tollgate`)
    await fs.waitFor(() => fs.legs().length === 2)
    for (const leg of fs.legs()) {
      expect(leg.target).toBe(`&conference(${name}@tollgate)`)
      expect(leg.variables.originate_timeout).toBe('10')
      expect(leg.variables.origination_caller_id_number).toBe('9002')
    }

    await fs.advance(2000) // Ada answers at 10:00:02
    await fs.advance(3000) // Ben at 10:00:05
    await fs.waitFor(() => fs.conference(name)?.members.length === 3)
    const members = await h.until(async () => {
      const rows = await membersOf(t, callId)
      return rows.every((m) => m.status === 'joined' && m.session_leg_id) && rows.length === 2 && rows
    })
    expect(members.map((m) => m.joined_at?.toISOString())).toEqual([at(2).toISOString(), at(5).toISOString()])
    expect((await presenceOf(t, 'rep_ada'))?.state).toBe('on_call')

    await fs.advance(60_250) // 10:01:05.250
    const adaLeg = fs.legs().find((l) => l.dialString === 'loopback/1001')
    const benLeg = fs.legs().find((l) => l.dialString === 'loopback/1002')
    adaLeg?.hangup()
    await h.until(async () => (await membersOf(t, callId))[0]?.status === 'left')
    await fs.advance(30_000) // 10:01:35.250: the last one out
    benLeg?.hangup()

    const end = await call.ended
    expect(end.by).toBe('bridge')
    expect(call.played).toContain('tone_stream://%(500,100,440);loops=2') // representatives_left
    const session = await h.until(async () => {
      const s = await sessionOf(record.sessionId ?? '')
      return s.status === 'settled' && s
    })
    expect(session.billing_started_at).toBe(at(2).toISOString())
    expect(session.billing_ended_at).toBe(at(95.25).toISOString())
    // 93.25 s → 94 s billed (a begun second counts); 60/60 at 2.99 → 2 minutes
    expect(session.billed_seconds).toBe(94)
    expect(session.charge).toEqual({ amount: 598, currency: 'USD' })
    expect(session.end_reason).toBe('representatives_left')
    expect(session.legs.map((l) => [l.representative_id, l.connected_at, l.disconnected_at])).toEqual([
      ['rep_ada', at(2).toISOString(), at(65.25).toISOString()],
      ['rep_ben', at(5).toISOString(), at(95.25).toISOString()],
    ])
    const row = await h.until(async () => {
      const r = await callRow(callId)
      return r.stage === 'ended' && r
    })
    expect(row).toMatchObject({ end_reason: 'representatives_left', conference_name: name })
    // Ada's 30 s of wrap-up ended as Ben talked on; Ben's has just begun
    expect((await presenceOf(t, 'rep_ada'))?.state).toBe('available')
    expect((await presenceOf(t, 'rep_ben'))?.state).toBe('wrap_up')
    await t.services.acd.logout('acme', 'rep_ada', { via: 'console' })
    await t.services.acd.logout('acme', 'rep_ben', { via: 'console' })
  })

  it('the limit: a warning a minute before and the hang-up at the grant, counted from the first add-member', async () => {
    const { fs, t } = h
    await h.addRepresentative({ id: 'rep_cy', name: 'Cy Twombly', extension: '1003', queues: ['solo'] })
    fs.registerEndpoint('loopback/1003', { answerAfterMs: 4000 })
    const call = fs.placeCall({ dnis: '9001', ani: '+15551230002' })
    await call.waitForApp('conference')
    const record = await h.until(() => h.callers.get(call.uuid))
    await fs.waitFor(() => fs.legs().some((l) => l.dialString === 'loopback/1003'))
    const startedAt = fs.now().getTime()
    await fs.advance(4000)
    // FreeSWITCH counts +N from the whole second it is in (its scheduler ticks in seconds): the
    // hang-up comes up to a second early, never late
    const joinedAt = new Date(Math.floor((startedAt + 4000) / 1000) * 1000)
    const jobs = await fs.waitFor(() => (fs.scheduled().length === 2 ? fs.scheduled() : undefined))
    const hangup = jobs.find((j) => j.command === 'sched_hangup')
    const warning = jobs.find((j) => j.command === 'sched_broadcast')
    expect(hangup).toMatchObject({ uuid: call.uuid, arg: 'ALLOTTED_TIMEOUT' })
    expect(hangup?.at.toISOString()).toBe(new Date(joinedAt.getTime() + 180_000).toISOString())
    expect(warning?.uuid).toBe(call.uuid)
    expect(warning?.arg).toBe('playback::tone_stream://%(150,150,880);loops=3')
    expect(warning?.at.toISOString()).toBe(new Date(joinedAt.getTime() + 120_000).toISOString())

    await fs.advance(180_000)
    const end = await call.ended
    expect(end.by).toBe('schedule')
    expect(call.played).toContain('tone_stream://%(150,150,880);loops=3')
    const session = await h.until(async () => {
      const s = await sessionOf(record.sessionId ?? '')
      return s.status === 'settled' && s
    })
    expect(session.max_duration_seconds).toBe(180)
    expect(session.billed_seconds).toBe(180)
    expect(session.end_reason).toBe('max_duration')
    expect(fs.scheduled()).toEqual([])
    expect((await presenceOf(t, 'rep_cy'))?.state).toBe('wrap_up')
    await t.services.acd.logout('acme', 'rep_cy', { via: 'console' })
  })

  it('the caller hangs up first: the representatives are kicked, go to wrap-up, the schedule is deleted', async () => {
    const { fs, t } = h
    await h.addRepresentative({ id: 'rep_dee', name: 'Dee Rees', extension: '1004', queues: ['solo'] })
    fs.registerEndpoint('loopback/1004', { answerAfterMs: 1000 })
    const call = fs.placeCall({ dnis: '9001', ani: '+15551230003' })
    await call.waitForApp('conference')
    const record = await h.until(() => h.callers.get(call.uuid))
    await fs.waitFor(() => fs.legs().some((l) => l.dialString === 'loopback/1004'))
    await fs.advance(1000)
    await fs.waitFor(() => fs.scheduled().length === 2)
    await fs.advance(42_000)
    call.hangup()
    const leg = fs.legs().find((l) => l.dialString === 'loopback/1004')
    expect((await leg?.ended)?.by).toBe('bridge')
    const session = await h.until(async () => {
      const s = await sessionOf(record.sessionId ?? '')
      return s.status === 'settled' && s
    })
    expect(session.billed_seconds).toBe(42)
    expect(session.end_reason).toBe('caller_hung_up')
    expect(fs.scheduled()).toEqual([])
    expect((await presenceOf(t, 'rep_dee'))?.state).toBe('wrap_up')
    await t.services.acd.logout('acme', 'rep_dee', { via: 'console' })
  })

  it('a reserved representative who does not answer: a miss, on break after max_missed, the caller waits again', async () => {
    const { fs, t } = h
    await h.addRepresentative({ id: 'rep_eve', name: 'Eve Arnold', extension: '1005', queues: ['solo'] })
    fs.registerEndpoint('loopback/1005', { ringOut: true })
    const call = fs.placeCall({ dnis: '9003', ani: '+15551230004' })
    await call.waitForApp('conference')
    const record = await h.until(() => h.callers.get(call.uuid))
    await fs.waitFor(() => fs.legs().some((l) => l.dialString === 'loopback/1005'))
    await fs.advance(10_000) // ring_seconds: NO_ANSWER
    await h.until(() => record.outcomes.length > 0)
    expect(record.outcomes[0]).toEqual({ kind: 'requeue' })
    // out of the conference, not hung up: the conference app ended and the channel waits for the flow
    expect(call.state).not.toBe('hungup')
    expect(call.apps.find((a) => a.name === 'conference')?.completedAt).toBeDefined()
    const presence = await presenceOf(t, 'rep_eve')
    expect(presence?.state).toBe('break')
    const [member] = await membersOf(t, record.callId ?? '')
    expect(member?.status).toBe('no_answer')
    // nobody else: the stand-in caller gives up and the session ends unbilled
    call.hangup()
    const session = await h.until(async () => {
      const s = await sessionOf(record.sessionId ?? '')
      return s.status === 'settled' && s
    })
    expect(session.billed_seconds).toBe(0)
    await t.services.acd.logout('acme', 'rep_eve', { via: 'console' })
  })

  it('FreeSWITCH restarts mid-call: the bridge reconnects and the session settles from the legs seen', async () => {
    const { fs, t } = h
    await h.addRepresentative({ id: 'rep_hal', name: 'Hal Ashby', extension: '1008', queues: ['solo'] })
    fs.registerEndpoint('loopback/1008', { answerAfterMs: 1000 })
    const call = fs.placeCall({ dnis: '9001', ani: '+15551230005' })
    await call.waitForApp('conference')
    const record = await h.until(() => h.callers.get(call.uuid))
    await fs.waitFor(() => fs.legs().some((l) => l.dialString === 'loopback/1008'))
    const startedAt = fs.now().getTime()
    await fs.advance(1000)
    await h.until(async () => (await membersOf(t, record.callId ?? ''))[0]?.status === 'joined')
    await fs.advance(30_000)
    const before = fs.coreUuid
    await fs.restart()
    expect(fs.coreUuid).not.toBe(before)
    expect((await call.ended).by).toBe('restart')
    await fs.waitFor(() => fs.inboundConnections > 0)
    const session = await h.until(async () => {
      const s = await sessionOf(record.sessionId ?? '')
      return s.status === 'settled' && s
    })
    // seen: the add-member at +1 s, and the connection lost at +31 s
    expect(session.billing_started_at).toBe(new Date(startedAt + 1000).toISOString())
    expect(session.billed_seconds).toBe(30)
    await h.until(async () => (await callRow(record.callId ?? '')).stage === 'ended')
    expect((await presenceOf(t, 'rep_hal'))?.state).toBe('wrap_up')
    // nothing of this bridge is left open for the sweep
    expect(await h.bridge.sweepLostCalls()).toBe(0)
    await t.services.acd.logout('acme', 'rep_hal', { via: 'console' })
  })

  it('after a reconnect, a call of this bridge whose channel FreeSWITCH no longer knows is ended and its session settled', async () => {
    const { t, bridge, fs } = h
    // a call left behind with no flow running for it (a flow that died): its session is live
    const { session } = await t.services.sessions.start(sessionBodyFor('short'), {
      tenantId: 'acme',
      channel: 'phone',
    })
    expect(session.status).toBe('live')
    await t.db
      .insertInto('calls')
      .values({
        tenant_id: 'acme',
        id: 'call_left_behind',
        channel_uuid: '00000000-0000-4000-8000-000000000000',
        bridge_id: bridge.bridgeId,
        dnis: '9001',
        service_line_id: 'short',
        session_id: session.id,
        stage: 'waiting',
        started_at: fs.now(),
      })
      .execute()
    expect(await bridge.sweepLostCalls(fs.now())).toBe(1)
    expect(await callRow('call_left_behind')).toMatchObject({ stage: 'ended', end_reason: 'freeswitch_lost' })
    const settled = await h.until(async () => {
      const s = await sessionOf(session.id)
      return s.status === 'settled' && s
    })
    expect(settled).toMatchObject({ billed_seconds: 0, end_reason: 'freeswitch_lost' })
    expect(await bridge.sweepLostCalls(fs.now())).toBe(0)
  })
})

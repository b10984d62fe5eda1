// The caller's journeys (figures 3 and 4) through the real bridge, the real service graph and the
// fake FreeSWITCH over TCP: no caller number, a number keyed wrong then corrected, a limit, a returning
// caller's stored card, a declined hold, nobody free (position and estimate, then the partner network),
// the maximum wait, a caller who hangs up at the keypad, and one handed to the conference. Whatever the
// end, no hold is left and no session live; card digits reach no row and no log line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultPrompts, waitingMusic } from '../../server/billing/line-telephony.ts'
import { resolveReview } from '../../server/reviews/reviews.ts'
import { installRuleSet } from '../../server/tenants/tenants.ts'
import type { Person } from '../api/identities.ts'
import { newPerson, sessionBody } from '../sessions/support.ts'
import type { FakeCall } from '../support/fake-freeswitch/index.ts'
import { type CallerHarness, rowsContaining, startCallerHarness } from './caller-support.ts'

// every prompt its own file, so a journey can tell them apart (the defaults share a few tones)
const prompts = Object.fromEntries(Object.keys(defaultPrompts).map((name) => [name, `/tollgate/${name}.wav`]))

let h: CallerHarness
beforeAll(async () => {
  h = await startCallerHarness()
  // 2.99 a minute; position and estimate every minute; 9 (or five minutes) for the partner network
  await h.addLine({
    id: 'advice',
    number: '9001',
    rate_per_minute: 299,
    telephony: { prompts, partner_network: '5000', partner_key: '9', max_wait_seconds: 300 },
  })
  // nowhere to send a caller who waited too long
  await h.addLine({
    id: 'quiet',
    number: '9005',
    rate_per_minute: 150,
    telephony: { prompts, max_wait_seconds: 30 },
  })
}, 300_000)
afterAll(() => h?.close())

const national = (person: Person) => person.phone.replace(/^\+1/, '')
const typedCard = (card: string) => [card, '1230', '123', '94107']
const sayings = (call: FakeCall) => call.apps.filter((a) => a.name === 'say').map((a) => a.arg)
const played = (call: FakeCall, prompt: keyof typeof defaultPrompts) =>
  call.played.filter((file) => file === prompts[prompt]).length

async function endedRow(call: FakeCall) {
  return h.until(async () => {
    const row = await h.callOf(call)
    return row?.stage === 'ended' && row
  })
}

async function sessionOf(call: FakeCall, tenantId = 'acme') {
  const row = await h.callOf(call)
  if (!row?.session_id) return undefined
  return h.t.services.sessions.get(tenantId, row.session_id)
}

/** Once the call is over: its session is no longer live and its hold is no longer held. */
async function nothingLeftOf(call: FakeCall, tenantId = 'acme') {
  const session = await h.until(async () => {
    const s = await sessionOf(call, tenantId)
    return s && s.status !== 'live' && s.status !== 'ended' && s
  })
  if (session.hold) expect(session.hold.status).not.toBe('authorized')
  return session
}

describe('screening the caller (figure 4, block 401)', () => {
  it('a call without a caller number hears the rate, then the block message, and is hung up undecided', async () => {
    const call = h.place({ dnis: '9001', ani: null })
    expect((await call.ended).by).toBe('bridge')
    expect(call.apps[0]?.name).toBe('answer')
    expect(call.played[0]).toBe(prompts.preamble)
    expect(sayings(call)).toEqual(['en CURRENCY PRONOUNCED 2.99'])
    expect(played(call, 'no_caller_number')).toBe(1)
    const row = await endedRow(call)
    expect(row).toMatchObject({
      end_reason: 'no_ani',
      ani: null,
      dnis: '9001',
      advertising_source: 'ad-9001',
      bridge_id: h.bridge.bridgeId,
      service_line_id: 'advice',
      decision_id: null,
    })
  })

  it('a number keyed wrong may be corrected once; the caller then pays, waits, hangs up, and nothing is left', async () => {
    const person = newPerson()
    const call = h.place({
      dnis: '9001',
      ani: person.phone,
      // a wrong number, then the right one; a card; anyone will do
      digits: ['2025559999', national(person), ...typedCard(person.card), '1'],
    })
    await h.until(async () => (await h.callOf(call))?.stage === 'waiting')
    expect(played(call, 'phone_mismatch')).toBe(1)
    const session = await sessionOf(call)
    expect(session).toMatchObject({ status: 'live', channel: 'phone', hold: { status: 'authorized' } })
    expect(session?.decision.outcome).toBe('approve')

    call.hangup()
    const row = await endedRow(call)
    expect(row.end_reason).toBe('caller_hung_up')
    expect(row.ani).toBe(person.phone)
    await nothingLeftOf(call)
    // the card number was unset from the channel at once, and reached no row and no log line
    for (const secret of [
      'tollgate_card_number',
      'tollgate_card_expiry',
      'tollgate_card_cvc',
      'tollgate_postal_code',
    ])
      expect(call.variable(secret)).toBeUndefined()
    expect(await rowsContaining(h.t.db, person.card)).toEqual([])
    expect(h.t.logs.some((line) => line.includes(person.card))).toBe(false)
  })

  it('a number still wrong after the correction is the rule set’s temporary block: keyed again, the call goes on', async () => {
    const person = newPerson()
    const call = h.place({
      dnis: '9001',
      ani: person.phone,
      digits: ['2025559999', '2025559998', ...typedCard(person.card), national(person), '1'],
    })
    await h.until(async () => (await h.callOf(call))?.stage === 'waiting')
    expect(played(call, 'phone_mismatch')).toBe(1)
    expect(played(call, 'temporarily_blocked')).toBe(1)
    const callId = (await h.callOf(call))?.id
    const starts = await h.t.db
      .selectFrom('sessions')
      .innerJoin('decisions', (j) =>
        j
          .onRef('decisions.tenant_id', '=', 'sessions.tenant_id')
          .onRef('decisions.id', '=', 'sessions.decision_id'),
      )
      .select(['sessions.status', 'decisions.outcome'])
      .where('sessions.tenant_id', '=', 'acme')
      .where('sessions.idempotency_key', 'like', `${callId}:%`)
      .orderBy('sessions.idempotency_key')
      .execute()
    expect(starts).toEqual([
      { status: 'refused', outcome: 'temporary_block' },
      { status: 'live', outcome: 'approve' },
    ])
    call.hangup()
    await endedRow(call)
    await nothingLeftOf(call)
  })

  it('a caller whose allowance is used up hears when it lifts, and is hung up', async () => {
    const person = newPerson()
    // two sessions today already (the demo rule set allows two a day)
    for (let i = 0; i < 2; i++) {
      const { session } = await h.t.services.sessions.start(sessionBody(person, 'advice'), {
        tenantId: 'acme',
        channel: 'phone',
      })
      expect(session.status).toBe('live')
      await h.t.services.sessions.end('acme', session.id, { reason: 'completed' })
    }
    // a returning caller: the card of those sessions is offered, and taken
    const call = h.place({ dnis: '9001', ani: person.phone, digits: [national(person), '1'] })
    await call.ended
    expect(played(call, 'limited')).toBe(1)
    expect(sayings(call).some((s) => s.startsWith('en CURRENT_DATE_TIME PRONOUNCED '))).toBe(true)
    expect((await endedRow(call)).end_reason).toBe('limited')
    expect((await sessionOf(call))?.decision.outcome).toBe('limit')
  })
})

describe('the form of payment (figure 4, blocks 402–406)', () => {
  it('a returning caller is offered the stored card by its last four digits and pays with it', async () => {
    const person = newPerson()
    const first = await h.t.services.sessions.start(sessionBody(person, 'advice'), {
      tenantId: 'acme',
      channel: 'phone',
    })
    expect(first.session.status).toBe('live')
    await h.t.services.sessions.end('acme', first.session.id, { reason: 'completed' })

    const call = h.place({ dnis: '9001', ani: person.phone, digits: [national(person), '1', '1'] })
    await h.until(async () => (await h.callOf(call))?.stage === 'waiting')
    expect(played(call, 'stored_method_offer')).toBe(1)
    expect(sayings(call)).toContain(`en NUMBER ITERATED ${person.card.slice(-4)}`)
    expect(played(call, 'enter_card')).toBe(0)
    const session = await sessionOf(call)
    expect(session?.status).toBe('live')
    expect(session?.decision.payment_method?.last4).toBe(person.card.slice(-4))

    call.hangup()
    expect((await endedRow(call)).end_reason).toBe('caller_hung_up')
    await nothingLeftOf(call)
  })

  it('a declined hold follows the rule set: insufficient funds lets the caller key another card', async () => {
    const person = newPerson()
    const call = h.place({
      dnis: '9001',
      ani: person.phone,
      digits: [national(person), ...typedCard('4000000000009995'), ...typedCard(person.card), '1'],
    })
    await h.until(async () => (await h.callOf(call))?.stage === 'waiting')
    expect(played(call, 'payment_declined')).toBe(1)
    expect(played(call, 'enter_card')).toBe(4)
    const declined = await h.t.db
      .selectFrom('sessions')
      .select(['status', 'failure_code'])
      .where('tenant_id', '=', 'acme')
      .where('idempotency_key', 'like', `${(await h.callOf(call))?.id}:1`)
      .executeTakeFirst()
    expect(declined).toEqual({ status: 'failed', failure_code: 'insufficient_funds' })
    expect((await sessionOf(call))?.status).toBe('live')

    call.hangup()
    await endedRow(call)
    await nothingLeftOf(call)
    expect(await rowsContaining(h.t.db, '4000000000009995')).toEqual([])
  })

  it('a caller who hangs up at the keypad leaves no session behind', async () => {
    const person = newPerson()
    // the number, then nothing: the card prompt waits
    const call = h.place({ dnis: '9001', ani: person.phone, digits: [national(person)] })
    await call.waitForApp('play_and_get_digits', (arg) => arg.includes('tollgate_card_number'))
    call.hangup()
    const row = await endedRow(call)
    expect(row).toMatchObject({ end_reason: 'caller_hung_up', session_id: null, decision_id: null })
  })
})

describe('a caller who hangs up once the hold is placed', () => {
  it('at the preference menu: the session ends unbilled, its hold reversed, the call row ended', async () => {
    const person = newPerson()
    const call = h.place({
      dnis: '9001',
      ani: person.phone,
      digits: [national(person), ...typedCard(person.card)],
    })
    await call.waitForApp('play_and_get_digits', (arg) => arg.includes(prompts.preference_menu ?? 'none'))
    expect((await sessionOf(call))?.status).toBe('live')
    call.hangup()
    const row = await endedRow(call)
    expect(row.end_reason).toBe('caller_hung_up')
    const session = await nothingLeftOf(call)
    expect(session.billed_seconds ?? 0).toBe(0)
    expect(session.hold?.status).toBe('voided')
  })
})

describe('waiting in the queue (figure 3, steps 310–325)', () => {
  it('nobody free: position and Erlang C estimate are announced, and the partner key transfers the caller', async () => {
    // the one representative logged in is a man; the caller asks for a woman
    await h.addRepresentative({ id: 'rep_max', extension: '1001', gender: 'male', queues: ['solo'] })
    const person = newPerson()
    const call = h.place({
      dnis: '9001',
      ani: person.phone,
      digits: [national(person), ...typedCard(person.card), '2', '1'],
    })
    await h.until(() => sayings(call).some((s) => s.startsWith('en TIME_MEASUREMENT PRONOUNCED ')))
    expect(played(call, 'queue_position')).toBe(1)
    expect(sayings(call)).toContain('en NUMBER PRONOUNCED 1')
    expect((await h.callOf(call))?.preferences).toEqual({ gender: 'female' })

    call.press('9')
    await h.until(() => call.transferredTo)
    expect(call.transferredTo).toContain('5000')
    const row = await endedRow(call)
    expect(row.end_reason).toBe('partner_transfer')
    const session = await nothingLeftOf(call)
    expect(session.billed_seconds ?? 0).toBe(0)
    // the representative was never offered this call
    const presence = await h.t.db
      .selectFrom('representative_presence')
      .select('state')
      .where('tenant_id', '=', 'acme')
      .where('representative_id', '=', 'rep_max')
      .executeTakeFirstOrThrow()
    expect(presence.state).toBe('available')
    await h.t.services.acd.logout('acme', 'rep_max', { via: 'console' })
  })

  it('the caller may ask for an expertise and hears a message for their sign of the Zodiac while waiting', async () => {
    await h.addRepresentative({ id: 'rep_tarot', extension: '1008', expertise: ['tarot', 'career'] })
    await h.addRepresentative({ id: 'rep_love', extension: '1009', expertise: ['love'] })
    await h.addLine({
      id: 'stars',
      number: '9007',
      telephony: {
        prompts: { ...prompts, waiting: '/tollgate/horoscope/{zodiac_sign}.wav' },
        waiting_content: 'birth_date_message',
      },
    })
    const person = newPerson()
    const call = h.place({
      dnis: '9007',
      ani: person.phone,
      // expertise (3), the third of career, love, tarot; born 1 August 1990
      digits: [national(person), ...typedCard(person.card), '3', '3', '08011990'],
    })
    await h.until(() => call.played.includes('/tollgate/horoscope/leo.wav'))
    expect((await h.callOf(call))?.preferences).toEqual({ expertise: 'tarot' })
    // between announcements: music, not the message again
    await h.until(() => call.played.filter((file) => file === waitingMusic).length >= 3)
    expect(call.played.filter((file) => file.startsWith('/tollgate/horoscope/'))).toEqual([
      '/tollgate/horoscope/leo.wav',
    ])
    expect(call.variable('tollgate_birth_date')).toBeUndefined()
    call.hangup()
    await endedRow(call)
    await nothingLeftOf(call)
  })

  it('the maximum wait with no partner network says goodbye and ends the session unbilled', async () => {
    const person = newPerson()
    const call = h.place({
      dnis: '9005',
      ani: person.phone,
      digits: [national(person), ...typedCard(person.card), '1'],
    })
    await h.until(async () => (await h.callOf(call))?.stage === 'waiting')
    await h.fs.advance(31_000)
    expect((await call.ended).by).toBe('bridge')
    expect((await endedRow(call)).end_reason).toBe('max_wait')
    expect(played(call, 'goodbye')).toBe(1)
    await nothingLeftOf(call)
  })
})

describe('handing the caller to the conference', () => {
  it('a free representative is reserved, the conference connects them, and the session settles billed', async () => {
    await h.addRepresentative({ id: 'rep_ann', extension: '1002', gender: 'female', queues: ['solo'] })
    h.fs.registerEndpoint('loopback/1002', { answerAfterMs: 2000 })
    const person = newPerson()
    const call = h.place({
      dnis: '9001',
      ani: person.phone,
      digits: [national(person), ...typedCard(person.card), '1'],
    })
    await call.waitForApp('conference')
    // the representative's phone rings (originated into the call's conference), then answers
    const leg = await h.until(() => h.fs.legs().find((l) => l.dialString === 'loopback/1002'))
    expect(leg.target).toContain(call.conferenceName ?? 'no conference')
    await h.fs.advance(2000)
    await h.until(() => h.fs.conference(call.conferenceName ?? '')?.members.length === 2)
    await h.fs.advance(90_000)
    call.hangup()
    const row = await endedRow(call)
    expect(row.connected_at).not.toBeNull()
    const session = await nothingLeftOf(call)
    expect(session.billed_seconds).toBe(90)
    await h.t.services.acd.logout('acme', 'rep_ann', { via: 'console' })
  })

  it('a representative who does not answer sends the caller back to the queue, announced again', async () => {
    // one miss and the representative goes on a break: nobody is left to ring
    await h.addLine({ id: 'ring', number: '9006', telephony: { prompts, ring_seconds: 5, max_missed: 1 } })
    await h.addRepresentative({ id: 'rep_away', extension: '1007', queues: ['solo'] })
    h.fs.registerEndpoint('loopback/1007', { ringOut: true })
    const person = newPerson()
    const call = h.place({
      dnis: '9006',
      ani: person.phone,
      digits: [national(person), ...typedCard(person.card), '1'],
    })
    await h.until(() => h.fs.legs().find((l) => l.dialString === 'loopback/1007'))
    expect(played(call, 'queue_position')).toBe(0)
    await h.fs.advance(6000)
    await h.until(() => played(call, 'queue_position') === 1)
    const row = await h.callOf(call)
    expect(row?.stage).toBe('waiting')
    const presence = await h.t.services.acd.presence('acme', 'rep_away')
    expect(presence.state).toBe('break')

    call.hangup()
    expect((await endedRow(call)).end_reason).toBe('caller_hung_up')
    const session = await nothingLeftOf(call)
    expect(session.billed_seconds ?? 0).toBe(0)
  })
})

describe('a decision a person makes (figure 10’s review desk)', () => {
  it('the caller hears hold music while a reviewer decides; once approved, the call goes on to the queue', async () => {
    // globex reviews every phone caller not on its positive list
    await installRuleSet(h.t.db, 'globex', {
      id: 'phone-review',
      name: 'Phone review',
      definition: {
        settings: { currency: 'USD' },
        rules: [
          {
            id: 'phone-review',
            name: 'A person looks at new phone callers',
            conditions: {
              all: [
                { fact: 'channel', operator: 'equal', value: 'phone' },
                {
                  fact: 'list_hit',
                  params: { list: 'positive', subject: 'phone' },
                  operator: 'equal',
                  value: false,
                },
              ],
            },
            event: {
              type: 'review',
              params: { reason_code: 'phone_review', message: 'A person looks at new callers' },
            },
          },
        ],
      },
    })
    await h.t.db
      .updateTable('tenants')
      .set({ decision_rule_set_id: 'phone-review' })
      .where('tenant_id', '=', 'globex')
      .execute()
    await h.addLine({ tenantId: 'globex', id: 'advice', number: '9301', telephony: { prompts } })

    const person = newPerson()
    const call = h.place({
      dnis: '9301',
      ani: person.phone,
      digits: [national(person), ...typedCard(person.card), '1'],
    })
    const decisionId = await h.until(async () => (await h.callOf(call))?.decision_id)
    await h.until(() => played(call, 'review_hold') > 0)
    expect((await sessionOf(call, 'globex'))?.decision.outcome).toBe('review')

    await resolveReview(
      h.t.db,
      'globex',
      decisionId,
      { id: 'usr_reviewer', email: 'reviewer@example.com', role: 'admin' },
      { decision: 'approve', note: 'known caller' },
      h.fs.now(),
    )
    await h.until(async () => (await h.callOf(call))?.stage === 'waiting')
    const session = await sessionOf(call, 'globex')
    expect(session).toMatchObject({ status: 'live' })
    expect(session?.decision.outcome).toBe('approve')

    call.hangup()
    expect((await endedRow(call)).end_reason).toBe('caller_hung_up')
    await nothingLeftOf(call, 'globex')
  })
})

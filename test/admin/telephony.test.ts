// The console's telephony API: service numbers (unique across workspaces, pointing at a conference
// line or the representatives' line), a line's telephony settings (validated, errors naming the
// field, defaults filled in), representatives' telephony fields (a PIN is write-only), the
// wallboard as JSON and live over server-sent events, and the demo's numbers and lab phones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServiceLine } from '../../server/billing/service-lines.ts'
import { insertRepresentative } from '../../server/representatives/representatives.ts'
import { bootstrapIfEmpty, DEMO_TENANT } from '../../server/tenants/bootstrap.ts'
import { verifyPassword } from '../../server/users/passwords.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { createTestDatabase } from '../support/db.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'

let t: TestApp
let viewer: StaffClient
let editor: StaffClient
let globexEditor: StaffClient

beforeAll(async () => {
  t = await startTestApp()
  viewer = await staffClient(t, 'acme', 'viewer')
  editor = await staffClient(t, 'acme', 'editor')
  globexEditor = await staffClient(t, 'globex', 'editor')
  for (const [tenant, id, mode] of [
    ['acme', 'psychic', 'conference'],
    ['acme', 'lounge', 'chat_room'],
    ['globex', 'help', 'conference'],
  ] as const)
    await createServiceLine(t.db, tenant, null, {
      id,
      name: id,
      currency: 'USD',
      rate_per_minute: 299,
      first_period_seconds: 60,
      increment_seconds: 60,
      hold_policy: 'minutes',
      hold_minutes: 10,
      mode,
    })
  for (const [id, name, extension] of [
    ['rep_ann', 'Ann Lee', '2001'],
    ['rep_bob', 'Bob Stone', '2002'],
  ] as const)
    await insertRepresentative(
      t.db,
      'acme',
      { id, name, extension, pay: { plan: 'share', share_bps: 5000 } },
      null,
    )
})
afterAll(() => t.close())

async function json<T = Record<string, unknown>>(
  res: Response | Promise<Response>,
  status: number,
): Promise<T> {
  const r = await res
  const text = await r.text()
  expect(r.status, text).toBe(status)
  return (text ? JSON.parse(text) : null) as T
}
interface Problem {
  type: string
  errors?: { field: string; message: string }[]
}
const fields = (problem: Problem) => (problem.errors ?? []).map((e) => e.field)

describe('service numbers', () => {
  it('lets an editor answer a number for a conference line and another as the representatives’ line', async () => {
    const line = await json(
      editor.request('POST', '/admin/v1/service-numbers', {
        number: '18005550101',
        purpose: 'service_line',
        service_line_id: 'psychic',
        advertising_source: 'late-night TV',
      }),
      201,
    )
    expect(line).toMatchObject({
      number: '18005550101',
      purpose: 'service_line',
      service_line_id: 'psychic',
      service_line_name: 'psychic',
      advertising_source: 'late-night TV',
    })
    await json(
      editor.request('POST', '/admin/v1/service-numbers', {
        number: '18005550100',
        purpose: 'representatives',
      }),
      201,
    )
    const { service_numbers } = await json<{ service_numbers: { number: string; purpose: string }[] }>(
      viewer.request('GET', '/admin/v1/service-numbers'),
      200,
    )
    expect(service_numbers.map((n) => [n.number, n.purpose])).toEqual([
      ['18005550100', 'representatives'],
      ['18005550101', 'service_line'],
    ])
    const audit = await t.db
      .selectFrom('audit_log')
      .select('action')
      .where('tenant_id', '=', 'acme')
      .where('entity_type', '=', 'service_number')
      .execute()
    expect(audit.map((a) => a.action)).toEqual(['service_number.created', 'service_number.created'])
  })

  it('refuses a number another workspace answers, without saying whose', async () => {
    const problem = await json<Problem & { detail: string }>(
      globexEditor.request('POST', '/admin/v1/service-numbers', {
        number: '18005550101',
        purpose: 'service_line',
        service_line_id: 'help',
      }),
      409,
    )
    expect(fields(problem)).toEqual(['number'])
    expect(problem.detail).not.toContain('acme')
    // and never shows it to them
    const { service_numbers } = await json<{ service_numbers: unknown[] }>(
      globexEditor.request('GET', '/admin/v1/service-numbers'),
      200,
    )
    expect(service_numbers).toEqual([])
    await json(globexEditor.request('GET', '/admin/v1/service-numbers/18005550101'), 404)
    await json(globexEditor.request('DELETE', '/admin/v1/service-numbers/18005550101'), 404)
  })

  it('names the field when a number has no line, another workspace’s line, a chat room, or bad digits', async () => {
    const post = (body: unknown) =>
      json<Problem>(editor.request('POST', '/admin/v1/service-numbers', body), 422)
    expect(fields(await post({ number: '9300', purpose: 'service_line' }))).toEqual(['service_line_id'])
    expect(fields(await post({ number: '9300', purpose: 'service_line', service_line_id: 'help' }))).toEqual([
      'service_line_id',
    ])
    expect(
      fields(await post({ number: '9300', purpose: 'service_line', service_line_id: 'lounge' })),
    ).toEqual(['service_line_id'])
    expect(
      fields(await post({ number: '9300', purpose: 'representatives', service_line_id: 'psychic' })),
    ).toEqual(['service_line_id'])
    expect(fields(await post({ number: '93-00', purpose: 'representatives' }))).toEqual(['number'])
    await json(
      viewer.request('POST', '/admin/v1/service-numbers', { number: '9300', purpose: 'representatives' }),
      403,
    )
  })

  it('changes where a number points, and removes it', async () => {
    const changed = await json(
      editor.request('PATCH', '/admin/v1/service-numbers/18005550100', {
        purpose: 'service_line',
        service_line_id: 'psychic',
      }),
      200,
    )
    expect(changed).toMatchObject({ purpose: 'service_line', service_line_id: 'psychic' })
    const back = await json(
      editor.request('PATCH', '/admin/v1/service-numbers/18005550100', { purpose: 'representatives' }),
      200,
    )
    expect(back).toMatchObject({ purpose: 'representatives', service_line_id: null })
    await json(editor.request('DELETE', '/admin/v1/service-numbers/18005550100'), 204)
    await json(viewer.request('GET', '/admin/v1/service-numbers/18005550100'), 404)
  })
})

describe('a line’s telephony settings', () => {
  it('reads every setting with its default, and the prompts’ defaults', async () => {
    const view = await json<{
      representatives_per_call: number
      telephony: Record<string, unknown>
      customized: string[]
      prompt_defaults: Record<string, string>
    }>(viewer.request('GET', '/admin/v1/service-lines/psychic/telephony'), 200)
    expect(view.representatives_per_call).toBe(1)
    expect(view.telephony).toMatchObject({ strategy: 'longest_idle', max_wait_seconds: 600, prompts: {} })
    expect(view.customized).toEqual([])
    expect(view.prompt_defaults.preamble).toMatch(/^tone_stream:\/\//)
  })

  it('stores what an editor sets, leaves the rest to the defaults, and audits it', async () => {
    const view = await json<{
      representatives_per_call: number
      telephony: Record<string, unknown>
      customized: string[]
    }>(
      editor.request('PUT', '/admin/v1/service-lines/psychic/telephony', {
        representatives_per_call: 2,
        telephony: {
          strategy: 'fewest_calls',
          partner_network: 'sofia/gateway/partner/18005550199',
          prompts: { preamble: '/usr/share/freeswitch/sounds/tollgate/preamble.wav' },
        },
      }),
      200,
    )
    expect(view.representatives_per_call).toBe(2)
    expect(view.telephony).toMatchObject({
      strategy: 'fewest_calls',
      partner_network: 'sofia/gateway/partner/18005550199',
      max_wait_seconds: 600,
    })
    expect(view.customized).toEqual(['partner_network', 'prompts', 'strategy'])
    const row = await t.db
      .selectFrom('service_lines')
      .select('telephony')
      .where('tenant_id', '=', 'acme')
      .where('id', '=', 'psychic')
      .executeTakeFirstOrThrow()
    expect(Object.keys(row.telephony as object).sort()).toEqual(['partner_network', 'prompts', 'strategy'])
    const audit = await t.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_id', '=', 'psychic')
      .execute()
    expect(audit.map((a) => a.action)).toContain('service_line.telephony_updated')
  })

  it('names the offending setting, refuses unknown ones, and keeps other workspaces out', async () => {
    const put = (body: unknown) => editor.request('PUT', '/admin/v1/service-lines/psychic/telephony', body)
    expect(fields(await json<Problem>(put({ telephony: { max_wait_seconds: 5 } }), 422))).toEqual([
      'telephony.max_wait_seconds',
    ])
    expect(
      fields(await json<Problem>(put({ telephony: { prompts: { nonsense: 'x.wav' } } }), 422))[0],
    ).toMatch(/^telephony\.prompts/)
    expect(fields(await json<Problem>(put({ telephony: { colour: 'red' } }), 422))).toEqual([
      'telephony.colour',
    ])
    expect(fields(await json<Problem>(put({ representatives_per_call: 4 }), 422))).toEqual([
      'representatives_per_call',
    ])
    await json(globexEditor.request('GET', '/admin/v1/service-lines/psychic/telephony'), 404)
    await json(
      globexEditor.request('PUT', '/admin/v1/service-lines/psychic/telephony', {
        representatives_per_call: 1,
      }),
      404,
    )
    await json(
      viewer.request('PUT', '/admin/v1/service-lines/psychic/telephony', { representatives_per_call: 1 }),
      403,
    )
  })
})

describe('representatives’ telephony', () => {
  it('sets a dial string, phone, PIN and what callers may ask for; the PIN is stored hashed and never returned', async () => {
    const res = await editor.request('PATCH', '/admin/v1/representatives/rep_ann/telephony', {
      dial_string: 'loopback/1001/tollgate_lab',
      phone: '+15555550101',
      pin: '4821',
      gender: 'female',
      zodiac_sign: 'virgo',
      expertise: ['tarot', 'career'],
    })
    const text = await res.clone().text()
    const view = await json<Record<string, unknown>>(res, 200)
    expect(view).toMatchObject({
      dial_string: 'loopback/1001/tollgate_lab',
      phone: '+15555550101',
      pin_set: true,
      gender: 'female',
      zodiac_sign: 'virgo',
      expertise: ['tarot', 'career'],
      presence: { state: 'offline', queues: [] },
    })
    expect(text).not.toContain('4821')
    expect(text).not.toContain('scrypt')
    const row = await t.db
      .selectFrom('representatives')
      .select('pin_hash')
      .where('tenant_id', '=', 'acme')
      .where('id', '=', 'rep_ann')
      .executeTakeFirstOrThrow()
    expect(await verifyPassword('4821', row.pin_hash ?? '')).toBe(true)
    const audit = await t.db
      .selectFrom('audit_log')
      .select(['action', 'after'])
      .where('entity_id', '=', 'rep_ann')
      .where('action', '=', 'representative.telephony_updated')
      .executeTakeFirstOrThrow()
    expect(JSON.stringify(audit.after)).not.toContain('4821')
    expect(audit.after).toMatchObject({ pin: 'set' })

    const cleared = await json(
      editor.request('PATCH', '/admin/v1/representatives/rep_ann/telephony', {
        pin: null,
        zodiac_sign: null,
      }),
      200,
    )
    expect(cleared).toMatchObject({ pin_set: false, zodiac_sign: null, gender: 'female' })
  })

  it('names bad fields, refuses a phone another representative logs in from, and keeps other workspaces out', async () => {
    const patch = (id: string, body: unknown) =>
      editor.request('PATCH', `/admin/v1/representatives/${id}/telephony`, body)
    const problem = await json<Problem>(
      patch('rep_ann', { pin: '12', gender: 'robot', dial_string: 'ring ring', expertise: ['Tarot!'] }),
      422,
    )
    expect(fields(problem).sort()).toEqual(['dial_string', 'expertise.0', 'gender', 'pin'])
    expect(fields(await json<Problem>(patch('rep_bob', { phone: '+15555550101' }), 409))).toEqual(['phone'])
    await json(
      globexEditor.request('PATCH', '/admin/v1/representatives/rep_ann/telephony', { gender: 'male' }),
      404,
    )
    await json(globexEditor.request('GET', '/admin/v1/representatives/rep_ann/telephony'), 404)
    await json(
      viewer.request('PATCH', '/admin/v1/representatives/rep_ann/telephony', { gender: 'male' }),
      403,
    )
    const { representatives } = await json<{ representatives: unknown[] }>(
      globexEditor.request('GET', '/admin/v1/presence'),
      200,
    )
    expect(representatives).toEqual([])
  })

  it('lists every active representative with their presence for the console', async () => {
    const { representatives } = await json<{
      representatives: { id: string; presence: { state: string } }[]
    }>(viewer.request('GET', '/admin/v1/presence'), 200)
    expect(representatives.map((r) => [r.id, r.presence.state])).toEqual([
      ['rep_ann', 'offline'],
      ['rep_bob', 'offline'],
    ])
  })
})

interface Board {
  counts: Record<string, number>
  representatives: { id: string; state: string; call_id: string | null }[]
  queues: {
    service_line_id: string
    waiting: number
    in_ivr: number
    longest_wait_seconds: number | null
    representatives_serving: number | null
  }[]
  conferences: {
    call_id: string
    stage: string
    connected_at: string | null
    representatives: { id: string }[]
  }[]
}

/** What the ACD and the bridge write while callers wait and talk, in the tables the wallboard reads. */
async function liveCalls(now: Date) {
  const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000)
  await t.db
    .insertInto('representative_presence')
    .values([
      {
        tenant_id: 'acme',
        representative_id: 'rep_ann',
        state: 'on_call',
        queues: JSON.stringify(['solo', 'dual']),
        logged_in_at: ago(3600),
        state_changed_at: ago(95),
      },
      {
        tenant_id: 'acme',
        representative_id: 'rep_bob',
        state: 'available',
        queues: JSON.stringify(['solo']),
        logged_in_at: ago(600),
        state_changed_at: ago(600),
        idle_since: ago(600),
      },
    ])
    .execute()
  const call = (id: string, stage: string, extra: Record<string, unknown> = {}) => ({
    tenant_id: 'acme',
    id,
    channel_uuid: `uuid-${id}`,
    bridge_id: 'bridge-1',
    dnis: '18005550101',
    service_line_id: 'psychic',
    stage,
    started_at: ago(200),
    ...extra,
  })
  await t.db
    .insertInto('calls')
    .values([
      call('call_talking', 'conference', {
        connected_at: ago(95),
        enqueued_at: ago(150),
        conference_name: 'call-call_talking',
      }),
      call('call_waiting_1', 'waiting', { enqueued_at: ago(42) }),
      call('call_waiting_2', 'waiting', { enqueued_at: ago(10) }),
      call('call_screening', 'ivr'),
      call('call_over', 'ended', { ended_at: ago(1) }),
    ])
    .execute()
  await t.db
    .insertInto('call_members')
    .values({
      tenant_id: 'acme',
      id: 'mem_1',
      call_id: 'call_talking',
      representative_id: 'rep_ann',
      status: 'joined',
      reserved_at: ago(100),
      joined_at: ago(95),
    })
    .execute()
}

describe('the wallboard', () => {
  it('shows representatives by state, each line’s queue and the live conferences', async () => {
    await liveCalls(new Date())
    const board = await json<Board>(viewer.request('GET', '/admin/v1/wallboard'), 200)
    expect(board.counts).toMatchObject({ on_call: 1, available: 1, offline: 0 })
    expect(board.representatives.map((r) => [r.id, r.state, r.call_id])).toEqual([
      ['rep_ann', 'on_call', 'call_talking'],
      ['rep_bob', 'available', null],
    ])
    const psychic = board.queues.find((q) => q.service_line_id === 'psychic')
    expect(psychic).toMatchObject({ waiting: 2, in_ivr: 1 })
    // Erlang C from the ACD: Ann (on a call) and Bob serve the line's queue
    expect(typeof psychic?.representatives_serving).toBe('number')
    expect(psychic?.longest_wait_seconds).toBeGreaterThanOrEqual(42)
    expect(psychic?.longest_wait_seconds).toBeLessThan(60)
    // a chat room takes no calls
    expect(board.queues.map((q) => q.service_line_id)).not.toContain('lounge')
    expect(board.conferences).toHaveLength(1)
    expect(board.conferences[0]).toMatchObject({ call_id: 'call_talking', stage: 'conference' })
    expect(board.conferences[0]?.representatives.map((r) => r.id)).toEqual(['rep_ann'])
    // another workspace sees none of it
    const other = await json<Board>(globexEditor.request('GET', '/admin/v1/wallboard'), 200)
    expect(other.conferences).toEqual([])
    expect(other.representatives).toEqual([])
    expect(other.queues.map((q) => [q.service_line_id, q.waiting])).toEqual([['help', 0]])
  })

  it('streams the board as server-sent events, and again when a call changes', async () => {
    const res = await viewer.request('GET', '/admin/v1/wallboard/events')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    const decoder = new TextDecoder()
    let buffer = ''
    const nextBoard = async (): Promise<Board> => {
      for (;;) {
        const end = buffer.indexOf('\n\n')
        if (end >= 0) {
          const frame = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const data = frame
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trimStart())
            .join('\n')
          if (frame.includes('event: wallboard')) return JSON.parse(data) as Board
          continue
        }
        const { value, done } = await reader.read()
        if (done) throw new Error('stream ended')
        buffer += decoder.decode(value, { stream: true })
      }
    }
    try {
      const first = await nextBoard()
      expect(first.queues.find((q) => q.service_line_id === 'psychic')?.waiting).toBe(2)
      // the oldest waiting caller is connected: the next board comes without asking
      await t.db
        .updateTable('calls')
        .set({ stage: 'connecting' })
        .where('tenant_id', '=', 'acme')
        .where('id', '=', 'call_waiting_1')
        .execute()
      const second = await nextBoard()
      expect(second.queues.find((q) => q.service_line_id === 'psychic')?.waiting).toBe(1)
      expect(second.conferences.map((c) => [c.call_id, c.stage])).toEqual([
        ['call_talking', 'conference'],
        ['call_waiting_1', 'connecting'],
      ])
    } finally {
      await reader.cancel()
    }
  })

  it('asks for a session', async () => {
    expect((await t.app.request('/admin/v1/wallboard/events')).status).toBe(401)
    expect((await t.app.request('/admin/v1/wallboard')).status).toBe(401)
  })
})

describe('presence from the console', () => {
  beforeAll(async () => {
    await insertRepresentative(
      t.db,
      'acme',
      { id: 'rep_cat', name: 'Cat Ng', extension: '2003', pay: { plan: 'share', share_bps: 5000 } },
      null,
    )
  })
  const presence = (action: string, body?: unknown, who = editor) =>
    who.request('POST', `/admin/v1/representatives/rep_cat/presence/${action}`, body)

  it('logs a representative in to their queues with a partner, through the ACD', async () => {
    expect(fields(await json<Problem>(presence('login', { queues: ['solo'] }), 409))).toEqual(['dial_string'])
    await json(
      editor.request('PATCH', '/admin/v1/representatives/rep_cat/telephony', { dial_string: 'user/2003' }),
      200,
    )
    expect(fields(await json<Problem>(presence('login', { queues: [] }), 422))).toEqual(['queues'])
    expect(
      fields(await json<Problem>(presence('login', { queues: ['dual'], partner_id: 'rep_cat' }), 422)),
    ).toEqual(['partner_id'])
    await json(presence('login', { queues: ['solo'] }, viewer), 403)
    const view = await json<{ presence: { state: string; queues: string[]; partner_id: string | null } }>(
      presence('login', { queues: ['solo', 'dual'], partner_id: 'rep_bob' }),
      200,
    )
    expect(view.presence).toMatchObject({
      state: 'available',
      queues: ['solo', 'dual'],
      partner_id: 'rep_bob',
    })
    const login = await t.db
      .selectFrom('representative_logins')
      .selectAll()
      .where('tenant_id', '=', 'acme')
      .where('representative_id', '=', 'rep_cat')
      .executeTakeFirstOrThrow()
    expect(login).toMatchObject({ via: 'console', logged_out_at: null })
    const board = await json<Board>(viewer.request('GET', '/admin/v1/wallboard'), 200)
    expect(board.representatives.find((r) => r.id === 'rep_cat')?.state).toBe('available')
  })

  it('puts them on a break and back, then logs them out', async () => {
    expect(
      (await json<{ presence: { state: string } }>(presence('break', { on_break: true }), 200)).presence
        .state,
    ).toBe('break')
    expect(
      (await json<{ presence: { state: string } }>(presence('break', { on_break: false }), 200)).presence
        .state,
    ).toBe('available')
    expect((await json<{ presence: { state: string } }>(presence('logout'), 200)).presence.state).toBe(
      'offline',
    )
    await json(presence('break', { on_break: true }), 409)
    const login = await t.db
      .selectFrom('representative_logins')
      .select('logged_out_at')
      .where('tenant_id', '=', 'acme')
      .where('representative_id', '=', 'rep_cat')
      .executeTakeFirstOrThrow()
    expect(login.logged_out_at).not.toBeNull()
    const audit = await t.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_id', '=', 'rep_cat')
      .where('action', 'like', 'representative.%')
      .execute()
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        'representative.logged_in',
        'representative.break_started',
        'representative.break_ended',
        'representative.logged_out',
      ]),
    )
  })

  it('keeps other workspaces out', async () => {
    await json(
      globexEditor.request('POST', '/admin/v1/representatives/rep_cat/presence/login', { queues: ['solo'] }),
      404,
    )
    await json(globexEditor.request('POST', '/admin/v1/representatives/rep_cat/presence/logout'), 404)
  })
})

describe('the demo tenant’s telephony', () => {
  it('answers 9001–9003 for lines of one, two and three representatives, and 9100 for representatives on lab phones', async () => {
    const database = await createTestDatabase()
    try {
      const credentials = await bootstrapIfEmpty(database.db, {
        adminEmail: 'admin@demo.test',
        adminPassword: 'x'.repeat(20),
      })
      const numbers = await database.db
        .selectFrom('service_numbers as n')
        .leftJoin('service_lines as l', (j) =>
          j.onRef('l.tenant_id', '=', 'n.tenant_id').onRef('l.id', '=', 'n.service_line_id'),
        )
        .select(['n.number', 'n.purpose', 'l.representatives_per_call'])
        .where('n.tenant_id', '=', DEMO_TENANT)
        .orderBy('n.number')
        .execute()
      expect(numbers).toEqual([
        { number: '9001', purpose: 'service_line', representatives_per_call: 1 },
        { number: '9002', purpose: 'service_line', representatives_per_call: 2 },
        { number: '9003', purpose: 'service_line', representatives_per_call: 3 },
        { number: '9100', purpose: 'representatives', representatives_per_call: null },
      ])
      const reps = await database.db
        .selectFrom('representatives')
        .select(['extension', 'dial_string', 'phone', 'pin_hash', 'gender', 'expertise'])
        .where('tenant_id', '=', DEMO_TENANT)
        .orderBy('extension')
        .execute()
      expect(reps.map((r) => r.dial_string)).toEqual([
        'loopback/1001/tollgate_lab',
        'loopback/1002/tollgate_lab',
        'loopback/1003/tollgate_lab',
      ])
      expect(reps.every((r) => r.phone && r.gender && r.expertise.length > 0)).toBe(true)
      // the PINs printed at first start open the representatives' line
      expect(credentials?.representativePins.map((p) => p.extension)).toEqual(['1001', '1002', '1003'])
      for (const [i, pin] of (credentials?.representativePins ?? []).entries()) {
        expect(pin.pin).toMatch(/^[0-9]{4}$/)
        expect(await verifyPassword(pin.pin, reps[i]?.pin_hash ?? '')).toBe(true)
      }
    } finally {
      await database.close()
    }
  })
})

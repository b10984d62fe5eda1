// /admin/v1/service-lines: editors create, change and deactivate the lines sessions are billed on;
// viewers read them; every change is audited; bad input names its field; another tenant's lines
// are never seen or touched; prices cannot change under a live session; the demo is seeded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listServiceLines, readServiceLine } from '../../server/billing/service-lines.ts'
import { bootstrapIfEmpty } from '../../server/tenants/bootstrap.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { createTestDatabase } from '../support/db.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'

let t: TestApp
let editor: StaffClient
let viewer: StaffClient
let analyst: StaffClient
let admin: StaffClient
let globexEditor: StaffClient

beforeAll(async () => {
  t = await startTestApp()
  editor = await staffClient(t, 'acme', 'editor')
  viewer = await staffClient(t, 'acme', 'viewer')
  analyst = await staffClient(t, 'acme', 'analyst')
  admin = await staffClient(t, 'acme', 'admin')
  globexEditor = await staffClient(t, 'globex', 'editor')
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

interface Line {
  id: string
  name: string
  currency: string
  rate_per_minute: number
  connect_fee: number
  first_period_seconds: number
  increment_seconds: number
  hold_policy: string
  hold_amount: number | null
  hold_minutes: number | null
  mode: string
  active: boolean
  hold: { amount: number; covers_seconds: number | null }
}

interface Problem {
  status: number
  detail: string
  errors?: { field: string; pointer: string; message: string }[]
}

const adviceLine = {
  name: 'Advice line',
  currency: 'USD',
  rate_per_minute: 299,
  first_period_seconds: 60,
  increment_seconds: 60,
  hold_policy: 'minutes',
  hold_minutes: 10,
}

let seq = 0
const uniqueId = () => `line-${++seq}`

describe('creating and reading', () => {
  it('creates a line by the minute and shows the hold a session starts with', async () => {
    const line = await json<Line>(
      editor.request('POST', '/admin/v1/service-lines', { id: 'advice', ...adviceLine }),
      201,
    )
    expect(line).toMatchObject({
      id: 'advice',
      name: 'Advice line',
      connect_fee: 0,
      mode: 'conference',
      active: true,
      hold_amount: null,
      hold_minutes: 10,
      hold: { amount: 2990, covers_seconds: 600 },
    })
    const read = await json<Line>(viewer.request('GET', '/admin/v1/service-lines/advice'), 200)
    expect(read).toEqual(line)
    const list = await json<{ service_lines: Line[] }>(viewer.request('GET', '/admin/v1/service-lines'), 200)
    expect(list.service_lines.map((l) => l.id)).toContain('advice')
  })

  it('creates lines in currencies with 0 and 3 digits, with fixed holds and connect fees', async () => {
    const yen = await json<Line>(
      editor.request('POST', '/admin/v1/service-lines', {
        name: 'Tokyo desk',
        currency: 'JPY',
        rate_per_minute: 120,
        connect_fee: 50,
        first_period_seconds: 30,
        increment_seconds: 6,
        hold_policy: 'fixed',
        hold_amount: 3000,
      }),
      201,
    )
    expect(yen.id).toMatch(/^sln_/)
    // 3000 − 50 fee = 2950 for time at 120/min: 1475 s at most, so 30 s + 240 × 6 s = 1470 s
    expect(yen.hold).toEqual({ amount: 3000, covers_seconds: 1470 })
    const dinar = await json<Line>(
      editor.request('POST', '/admin/v1/service-lines', {
        ...adviceLine,
        name: 'Manama desk',
        currency: 'BHD',
        rate_per_minute: 1250,
        hold_minutes: 5,
      }),
      201,
    )
    expect(dinar.hold).toEqual({ amount: 6250, covers_seconds: 300 })
  })

  it('refuses a duplicate id', async () => {
    const problem = await json<Problem>(
      editor.request('POST', '/admin/v1/service-lines', { id: 'advice', ...adviceLine }),
      409,
    )
    expect(problem.detail).toContain('advice')
  })
})

describe('bad input names the field', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['an unknown currency', { ...adviceLine, currency: 'XYZ' }, 'currency'],
    ['a currency in lower case', { ...adviceLine, currency: 'usd' }, 'currency'],
    ['a negative rate', { ...adviceLine, rate_per_minute: -1 }, 'rate_per_minute'],
    ['a fractional rate', { ...adviceLine, rate_per_minute: 2.99 }, 'rate_per_minute'],
    ['a zero increment', { ...adviceLine, increment_seconds: 0 }, 'increment_seconds'],
    ['a first period over an hour', { ...adviceLine, first_period_seconds: 3601 }, 'first_period_seconds'],
    ['an unknown hold policy', { ...adviceLine, hold_policy: 'percent' }, 'hold_policy'],
    ['a hold by minutes without minutes', { ...adviceLine, hold_minutes: undefined }, 'hold_minutes'],
    ['a hold by minutes with an amount', { ...adviceLine, hold_amount: 500 }, 'hold_amount'],
    [
      'a fixed hold without its amount',
      { ...adviceLine, hold_policy: 'fixed', hold_minutes: undefined },
      'hold_amount',
    ],
    ['a fixed hold with minutes', { ...adviceLine, hold_policy: 'fixed', hold_amount: 5000 }, 'hold_minutes'],
    ['an unknown mode', { ...adviceLine, mode: 'party_line' }, 'mode'],
    ['an empty name', { ...adviceLine, name: '  ' }, 'name'],
    ['an unknown property', { ...adviceLine, colour: 'blue' }, 'colour'],
  ]
  it.each(cases)('%s', async (_what, body, field) => {
    const problem = await json<Problem>(editor.request('POST', '/admin/v1/service-lines', body), 422)
    expect(problem.errors?.map((e) => e.field)).toContain(field)
  })

  it('refuses a fixed hold that does not pay for the connect fee and the first period', async () => {
    const problem = await json<Problem>(
      editor.request('POST', '/admin/v1/service-lines', {
        ...adviceLine,
        connect_fee: 100,
        hold_policy: 'fixed',
        hold_amount: 398,
        hold_minutes: undefined,
      }),
      422,
    )
    expect(problem.errors).toEqual([
      expect.objectContaining({ field: 'hold_amount', message: expect.stringContaining('3.99 USD') }),
    ])
    await json(
      editor.request('POST', '/admin/v1/service-lines', {
        ...adviceLine,
        connect_fee: 100,
        hold_policy: 'fixed',
        hold_amount: 399,
        hold_minutes: undefined,
      }),
      201,
    )
  })

  it('writes nothing when refused', async () => {
    const before = (await listServiceLines(t.db, 'acme', { includeInactive: true })).length
    await json(
      editor.request('POST', '/admin/v1/service-lines', { ...adviceLine, id: 'nope', currency: 'XYZ' }),
      422,
    )
    expect(await readServiceLine(t.db, 'acme', 'nope')).toBeNull()
    expect((await listServiceLines(t.db, 'acme', { includeInactive: true })).length).toBe(before)
  })
})

describe('changing and deactivating', () => {
  it('changes only the fields given, and a new hold policy clears the other one', async () => {
    const id = uniqueId()
    await json(editor.request('POST', '/admin/v1/service-lines', { id, ...adviceLine }), 201)
    const cheaper = await json<Line>(
      editor.request('PATCH', `/admin/v1/service-lines/${id}`, { rate_per_minute: 199 }),
      200,
    )
    expect(cheaper).toMatchObject({
      rate_per_minute: 199,
      name: 'Advice line',
      hold: { amount: 1990, covers_seconds: 600 },
    })
    const fixed = await json<Line>(
      editor.request('PATCH', `/admin/v1/service-lines/${id}`, { hold_policy: 'fixed', hold_amount: 5000 }),
      200,
    )
    expect(fixed).toMatchObject({ hold_policy: 'fixed', hold_amount: 5000, hold_minutes: null })
    const problem = await json<Problem>(
      editor.request('PATCH', `/admin/v1/service-lines/${id}`, { hold_amount: null }),
      422,
    )
    expect(problem.errors?.map((e) => e.field)).toEqual(['hold_amount'])
  })

  it('deactivates a line: gone from the list unless asked for, back with active: true', async () => {
    const id = uniqueId()
    await json(editor.request('POST', '/admin/v1/service-lines', { id, ...adviceLine }), 201)
    const off = await json<Line>(editor.request('POST', `/admin/v1/service-lines/${id}/deactivate`), 200)
    expect(off.active).toBe(false)
    const active = await json<{ service_lines: Line[] }>(
      viewer.request('GET', '/admin/v1/service-lines'),
      200,
    )
    expect(active.service_lines.map((l) => l.id)).not.toContain(id)
    const all = await json<{ service_lines: Line[] }>(
      viewer.request('GET', '/admin/v1/service-lines?include_inactive=true'),
      200,
    )
    expect(all.service_lines.find((l) => l.id === id)?.active).toBe(false)
    const on = await json<Line>(
      editor.request('PATCH', `/admin/v1/service-lines/${id}`, { active: true }),
      200,
    )
    expect(on.active).toBe(true)
  })

  it('audits every change with who, what was before and after', async () => {
    const id = uniqueId()
    await json(editor.request('POST', '/admin/v1/service-lines', { id, ...adviceLine }), 201)
    await json(
      editor.request('PATCH', `/admin/v1/service-lines/${id}`, { name: 'Advice line (evenings)' }),
      200,
    )
    await json(editor.request('POST', `/admin/v1/service-lines/${id}/deactivate`), 200)
    const { entries } = await json<{
      entries: {
        action: string
        actor: { email: string | null }
        changes: { field: string; before: unknown; after: unknown }[]
        entity_label: string | null
        before: Record<string, unknown> | null
        after: Record<string, unknown> | null
      }[]
    }>(admin.request('GET', `/admin/v1/audit?entity_type=service_line&entity_id=${id}`), 200)
    expect(entries.map((e) => e.action).sort()).toEqual([
      'service_line.created',
      'service_line.deactivated',
      'service_line.updated',
    ])
    const renamed = entries.find((e) => e.action === 'service_line.updated')
    expect(renamed?.before?.name).toBe('Advice line')
    expect(renamed?.after?.name).toBe('Advice line (evenings)')
    expect(renamed?.actor.email).toBe(editor.email)
    expect(renamed?.changes).toEqual([
      { field: 'name', before: 'Advice line', after: 'Advice line (evenings)' },
    ])
    expect(renamed?.entity_label).toBe('Advice line (evenings)')
  })

  it('refuses to reprice a line while a session on it is live, but lets its name change', async () => {
    const id = uniqueId()
    await json(editor.request('POST', '/admin/v1/service-lines', { id, ...adviceLine }), 201)
    const now = new Date()
    await t.db
      .insertInto('sessions')
      .values({
        tenant_id: 'acme',
        id: `ses_${id}`,
        decision_id: 'dec_x',
        service_line_id: id,
        channel: 'phone',
        mode: 'conference',
        status: 'live',
        currency: 'USD',
        started_at: now,
        last_heartbeat_at: now,
      })
      .execute()
    const problem = await json<Problem>(
      editor.request('PATCH', `/admin/v1/service-lines/${id}`, { rate_per_minute: 399 }),
      409,
    )
    expect(problem.detail).toContain('rate_per_minute')
    await json(editor.request('PATCH', `/admin/v1/service-lines/${id}`, { name: 'Renamed while live' }), 200)
    await t.db
      .updateTable('sessions')
      .set({ status: 'settled' })
      .where('tenant_id', '=', 'acme')
      .where('id', '=', `ses_${id}`)
      .execute()
    await json(editor.request('PATCH', `/admin/v1/service-lines/${id}`, { rate_per_minute: 399 }), 200)
  })
})

describe('roles and tenants', () => {
  it('lets viewers read but not write, and analysts not write either', async () => {
    await json(viewer.request('GET', '/admin/v1/service-lines'), 200)
    for (const who of [viewer, analyst]) {
      await json(who.request('POST', '/admin/v1/service-lines', { ...adviceLine }), 403)
      await json(who.request('PATCH', '/admin/v1/service-lines/advice', { name: 'x' }), 403)
      await json(who.request('POST', '/admin/v1/service-lines/advice/deactivate'), 403)
    }
  })

  it('never shows or changes another tenant’s line', async () => {
    const list = await json<{ service_lines: Line[] }>(
      globexEditor.request('GET', '/admin/v1/service-lines?include_inactive=true'),
      200,
    )
    expect(list.service_lines).toEqual([])
    await json(globexEditor.request('GET', '/admin/v1/service-lines/advice'), 404)
    await json(globexEditor.request('PATCH', '/admin/v1/service-lines/advice', { rate_per_minute: 1 }), 404)
    await json(globexEditor.request('POST', '/admin/v1/service-lines/advice/deactivate'), 404)
    expect((await readServiceLine(t.db, 'acme', 'advice'))?.rate_per_minute).toBe(299)
    // the same id may exist in both, each its own
    await json(
      globexEditor.request('POST', '/admin/v1/service-lines', {
        id: 'advice',
        ...adviceLine,
        rate_per_minute: 5,
      }),
      201,
    )
    expect((await readServiceLine(t.db, 'acme', 'advice'))?.rate_per_minute).toBe(299)
  })

  it('needs a session', async () => {
    const res = await t.app.request('/admin/v1/service-lines')
    expect(res.status).toBe(401)
  })
})

describe('the demo', () => {
  it('first start seeds an advice line by the minute (and for two and three advisors), quick answers by six seconds and a chat room', async () => {
    const database = await createTestDatabase()
    try {
      await bootstrapIfEmpty(database.db, { adminEmail: 'admin@demo.test' })
      const lines = await listServiceLines(database.db, 'demo')
      expect(
        lines.map((l) => [l.id, l.currency, l.rate_per_minute, l.first_period_seconds, l.increment_seconds]),
      ).toEqual([
        ['advice-duo', 'USD', 499, 60, 60],
        ['advice', 'USD', 299, 60, 60],
        ['advice-trio', 'USD', 699, 60, 60],
        ['chat-room', 'USD', 120, 1, 1],
        ['quick-answers', 'USD', 199, 30, 6],
      ])
      expect(lines.find((l) => l.id === 'chat-room')?.mode).toBe('chat_room')
    } finally {
      await database.close()
    }
  })
})

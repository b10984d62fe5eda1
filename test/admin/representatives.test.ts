// /admin/v1/representatives and /admin/v1/payouts: staff manage representatives and their pay plans
// (audited, problems naming the field, another tenant's never visible), and read what they earned
// in a period — as JSON and as CSV — from the pay accrued at settlement.
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { accrueSessionPay, type PayLeg } from '../../server/representatives/pay.ts'
import { bootstrapIfEmpty, DEMO_TENANT } from '../../server/tenants/bootstrap.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { createTestDatabase } from '../support/db.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'

let t: TestApp
let viewer: StaffClient
let analyst: StaffClient
let editor: StaffClient
let globexEditor: StaffClient

beforeAll(async () => {
  t = await startTestApp()
  viewer = await staffClient(t, 'acme', 'viewer')
  analyst = await staffClient(t, 'acme', 'analyst')
  editor = await staffClient(t, 'acme', 'editor')
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

interface Representative {
  id: string
  name: string
  extension: string
  pay: { plan: string; share_bps?: number; rate_per_minute?: number; currency?: string }
  active: boolean
}
interface Problem {
  type: string
  errors?: { field: string; message: string }[]
}

const create = (who: StaffClient, body: unknown) => who.request('POST', '/admin/v1/representatives', body)

describe('representatives', () => {
  let ada: Representative
  let bo: Representative

  it('lets an editor add representatives on either pay plan, and a viewer read them by extension', async () => {
    ada = await json<Representative>(
      create(editor, { name: 'Ada Moreno', extension: '2001', pay: { plan: 'share', share_bps: 5_000 } }),
      201,
    )
    expect(ada).toMatchObject({
      name: 'Ada Moreno',
      extension: '2001',
      pay: { plan: 'share', share_bps: 5_000 },
      active: true,
    })
    expect(ada.id).toMatch(/^rep_/)
    bo = await json<Representative>(
      create(editor, {
        name: 'Bo',
        extension: '2000',
        pay: { plan: 'per_minute', rate_per_minute: 60, currency: 'USD' },
      }),
      201,
    )
    expect(bo.pay).toEqual({ plan: 'per_minute', rate_per_minute: 60, currency: 'USD' })

    const { representatives } = await json<{ representatives: Representative[] }>(
      viewer.request('GET', '/admin/v1/representatives'),
      200,
    )
    expect(representatives.map((r) => r.extension)).toEqual(['2000', '2001'])
    expect(
      await json<Representative>(viewer.request('GET', `/admin/v1/representatives/${ada.id}`), 200),
    ).toEqual(ada)

    const audit = await t.db
      .selectFrom('audit_log')
      .selectAll()
      .where('tenant_id', '=', 'acme')
      .where('entity_type', '=', 'representative')
      .where('entity_id', '=', ada.id)
      .execute()
    expect(audit.map((a) => [a.action, a.actor_email])).toEqual([['representative.created', editor.email]])
  })

  it('refuses a viewer or analyst who tries to add one', async () => {
    for (const who of [viewer, analyst]) {
      const problem = await json<Problem>(
        create(who, { name: 'X', extension: '2999', pay: { plan: 'share', share_bps: 1 } }),
        403,
      )
      expect(problem.type).toBe('urn:tollgate:problem:forbidden')
    }
  })

  it('names each bad field', async () => {
    const cases: [unknown, string][] = [
      [{ name: '', extension: '2002', pay: { plan: 'share', share_bps: 10 } }, 'name'],
      [{ name: 'X', extension: '12a', pay: { plan: 'share', share_bps: 10 } }, 'extension'],
      [{ name: 'X', extension: '2002', pay: { plan: 'share', share_bps: 10_001 } }, 'pay.share_bps'],
      [
        { name: 'X', extension: '2002', pay: { plan: 'per_minute', rate_per_minute: 1.5, currency: 'USD' } },
        'pay.rate_per_minute',
      ],
      [
        { name: 'X', extension: '2002', pay: { plan: 'per_minute', rate_per_minute: 10, currency: 'usd' } },
        'pay.currency',
      ],
      [{ name: 'X', extension: '2002', pay: { plan: 'per_minute', rate_per_minute: 10 } }, 'pay.currency'],
      [{ name: 'X', extension: '2002', pay: { plan: 'salary' } }, 'pay.plan'],
      [{ name: 'X', extension: '2002', pay: { plan: 'share', share_bps: 10 }, boss: true }, 'boss'],
    ]
    for (const [body, field] of cases) {
      const problem = await json<Problem>(create(editor, body), 422)
      expect(problem.type).toBe('urn:tollgate:problem:validation_failed')
      expect(
        problem.errors?.map((e) => e.field),
        JSON.stringify(body),
      ).toContain(field)
    }
    const { representatives } = await json<{ representatives: Representative[] }>(
      viewer.request('GET', '/admin/v1/representatives'),
      200,
    )
    expect(representatives).toHaveLength(2)
  })

  it('refuses an extension another representative has, naming the field, and stores nothing', async () => {
    const problem = await json<Problem>(
      create(editor, { name: 'Twin', extension: '2001', pay: { plan: 'share', share_bps: 10 } }),
      409,
    )
    expect(problem.errors?.map((e) => e.field)).toEqual(['extension'])
    const changed = await json<Problem>(
      editor.request('PATCH', `/admin/v1/representatives/${bo.id}`, { extension: '2001' }),
      409,
    )
    expect(changed.errors?.map((e) => e.field)).toEqual(['extension'])
    expect(
      (await json<Representative>(viewer.request('GET', `/admin/v1/representatives/${bo.id}`), 200))
        .extension,
    ).toBe('2000')
  })

  it('changes a name or pay plan, with the before and after in the audit log', async () => {
    const changed = await json<Representative>(
      editor.request('PATCH', `/admin/v1/representatives/${bo.id}`, {
        name: 'Bo Okafor',
        pay: { plan: 'share', share_bps: 4_000 },
      }),
      200,
    )
    expect(changed).toMatchObject({
      name: 'Bo Okafor',
      extension: '2000',
      pay: { plan: 'share', share_bps: 4_000 },
    })
    const row = await t.db
      .selectFrom('representatives')
      .selectAll()
      .where('tenant_id', '=', 'acme')
      .where('id', '=', bo.id)
      .executeTakeFirstOrThrow()
    expect([row.pay_plan, row.pay_share_bps, row.pay_rate_per_minute]).toEqual(['share', 4_000, null])
    const entry = await t.db
      .selectFrom('audit_log')
      .selectAll()
      .where('tenant_id', '=', 'acme')
      .where('action', '=', 'representative.updated')
      .executeTakeFirstOrThrow()
    expect(entry.before).toMatchObject({ name: 'Bo', pay: { plan: 'per_minute' } })
    expect(entry.after).toMatchObject({ name: 'Bo Okafor', pay: { plan: 'share', share_bps: 4_000 } })
  })

  it('deactivates and activates again; a deactivated one is listed only on request', async () => {
    const off = await json<Representative>(
      editor.request('POST', `/admin/v1/representatives/${bo.id}/deactivate`, {}),
      200,
    )
    expect(off.active).toBe(false)
    const active = await json<{ representatives: Representative[] }>(
      viewer.request('GET', '/admin/v1/representatives'),
      200,
    )
    expect(active.representatives.map((r) => r.id)).toEqual([ada.id])
    const all = await json<{ representatives: Representative[] }>(
      viewer.request('GET', '/admin/v1/representatives?include_inactive=true'),
      200,
    )
    expect(all.representatives.map((r) => [r.id, r.active])).toEqual([
      [bo.id, false],
      [ada.id, true],
    ])
    const on = await json<Representative>(
      editor.request('POST', `/admin/v1/representatives/${bo.id}/activate`, {}),
      200,
    )
    expect(on.active).toBe(true)
    const actions = await t.db
      .selectFrom('audit_log')
      .select('action')
      .where('tenant_id', '=', 'acme')
      .where('entity_id', '=', bo.id)
      .orderBy('id')
      .execute()
    expect(actions.map((a) => a.action)).toEqual([
      'representative.created',
      'representative.updated',
      'representative.deactivated',
      'representative.activated',
    ])
  })

  it('names the representative in the audit log as staff know them', async () => {
    const admin = await staffClient(t, 'acme', 'admin')
    const { entries } = await json<{ entries: { action: string; entity_label: string | null }[] }>(
      admin.request('GET', `/admin/v1/audit?entity_type=representative&entity_id=${bo.id}`),
      200,
    )
    expect(entries.length).toBeGreaterThan(0)
    expect(entries.every((e) => e.entity_label === 'Bo Okafor (2000)')).toBe(true)
  })

  it('never shows or changes another tenant’s representative', async () => {
    await json(globexEditor.request('GET', `/admin/v1/representatives/${ada.id}`), 404)
    await json(globexEditor.request('PATCH', `/admin/v1/representatives/${ada.id}`, { name: 'Taken' }), 404)
    await json(globexEditor.request('POST', `/admin/v1/representatives/${ada.id}/deactivate`, {}), 404)
    const { representatives } = await json<{ representatives: Representative[] }>(
      globexEditor.request('GET', '/admin/v1/representatives?include_inactive=true'),
      200,
    )
    expect(representatives).toEqual([])
    // the same extension is free in another workspace
    await json(
      create(globexEditor, { name: 'Other', extension: '2001', pay: { plan: 'share', share_bps: 1 } }),
      201,
    )
  })
})

describe('payouts', () => {
  const legFor = (
    id: string,
    rep: string | null,
    from: string,
    to: string,
    party = 'representative',
  ): PayLeg => ({
    id,
    party,
    representative_id: rep,
    connected_at: new Date(from),
    disconnected_at: new Date(to),
  })
  let ada: Representative
  let cy: Representative

  beforeAll(async () => {
    ada = await json<Representative>(
      create(editor, { name: 'Ada Payout', extension: '3001', pay: { plan: 'share', share_bps: 5_000 } }),
      201,
    )
    cy = await json<Representative>(
      create(editor, {
        name: 'Cy Payout',
        extension: '3002',
        pay: { plan: 'per_minute', rate_per_minute: 100, currency: 'EUR' },
      }),
      201,
    )
    // acme's time zone is UTC; two sessions on 1 December, one late on 31 December (in January's report not)
    const settle = (
      sessionId: string,
      legs: PayLeg[],
      start: string,
      end: string,
      charge: number,
      at: string,
    ) =>
      t.db.transaction().execute((trx) =>
        accrueSessionPay(trx, {
          tenantId: 'acme',
          sessionId,
          legs,
          billingStartedAt: new Date(start),
          billingEndedAt: new Date(end),
          chargeTotal: charge,
          currency: 'USD',
          at: new Date(at),
        }),
      )
    await settle(
      'ses_a',
      [legFor('a1', ada.id, '2026-12-01T10:00:00Z', '2026-12-01T10:10:00Z')],
      '2026-12-01T10:00:00Z',
      '2026-12-01T10:10:00Z',
      2_990,
      '2026-12-01T10:10:05Z',
    )
    await settle(
      'ses_b',
      [
        legFor('b1', ada.id, '2026-12-01T11:00:00Z', '2026-12-01T11:05:00Z'),
        legFor('b2', cy.id, '2026-12-01T11:00:00Z', '2026-12-01T11:05:00Z'),
      ],
      '2026-12-01T11:00:00Z',
      '2026-12-01T11:05:00Z',
      1_500,
      '2026-12-01T11:05:01Z',
    )
    await settle(
      'ses_c',
      [legFor('c1', ada.id, '2026-12-31T23:50:00Z', '2026-12-31T23:59:00Z')],
      '2026-12-31T23:50:00Z',
      '2026-12-31T23:59:00Z',
      1_000,
      '2026-12-31T23:59:30Z',
    )
  })

  interface Report {
    from: string
    to: string
    lines: {
      representative_id: string
      name: string
      currency: string
      legs: number
      seconds: number
      amount: number
    }[]
    totals: { currency: string; legs: number; seconds: number; amount: number }[]
    accruals: {
      session_id: string
      leg_id: string
      seconds: number
      amount: number
      currency: string
      pay_plan: string
      accrued_at: string
    }[]
  }

  it('sums each representative’s legs, seconds and pay per currency over the days of the period', async () => {
    const report = await json<Report>(
      analyst.request('GET', '/admin/v1/payouts?from=2026-12-01&to=2026-12-31'),
      200,
    )
    expect(report.lines).toEqual([
      // ses_a: half of 2990; ses_b: half of Ada's half of 1500; ses_c: half of 1000
      {
        representative_id: ada.id,
        name: 'Ada Payout',
        extension: '3001',
        currency: 'USD',
        legs: 3,
        seconds: 600 + 300 + 540,
        amount: 1_495 + 375 + 500,
      },
      {
        representative_id: cy.id,
        name: 'Cy Payout',
        extension: '3002',
        currency: 'EUR',
        legs: 1,
        seconds: 300,
        amount: 500,
      },
    ])
    expect(report.totals).toEqual([
      { currency: 'EUR', legs: 1, seconds: 300, amount: 500 },
      { currency: 'USD', legs: 3, seconds: 1_440, amount: 2_370 },
    ])
  })

  it('includes the last day of the period, and narrows to one representative', async () => {
    const firstDay = await json<Report>(
      analyst.request('GET', '/admin/v1/payouts?from=2026-12-01&to=2026-12-01'),
      200,
    )
    expect(firstDay.lines.find((l) => l.representative_id === ada.id)).toMatchObject({
      legs: 2,
      amount: 1_870,
    })
    const lastDay = await json<Report>(
      analyst.request('GET', '/admin/v1/payouts?from=2026-12-31&to=2026-12-31'),
      200,
    )
    expect(lastDay.lines).toEqual([
      expect.objectContaining({ representative_id: ada.id, legs: 1, amount: 500 }),
    ])
    const onlyCy = await json<Report>(
      analyst.request('GET', `/admin/v1/payouts?from=2026-12-01&to=2026-12-31&representative_id=${cy.id}`),
      200,
    )
    expect(onlyCy.lines.map((l) => l.representative_id)).toEqual([cy.id])
    expect(onlyCy.totals).toEqual([{ currency: 'EUR', legs: 1, seconds: 300, amount: 500 }])
    expect(onlyCy.accruals).toEqual([
      {
        session_id: 'ses_b',
        leg_id: 'b2',
        seconds: 300,
        amount: 500,
        currency: 'EUR',
        pay_plan: 'per_minute',
        accrued_at: '2026-12-01T11:05:01.000Z',
      },
    ])
    // each leg is listed only for one representative; everyone's report lists totals only
    const onlyAda = await json<Report>(
      analyst.request('GET', `/admin/v1/payouts?from=2026-12-01&to=2026-12-31&representative_id=${ada.id}`),
      200,
    )
    expect(onlyAda.accruals.map((a) => a.session_id)).toEqual(['ses_c', 'ses_b', 'ses_a'])
    expect(firstDay.accruals).toEqual([])
  })

  it('reads the period’s days in the workspace’s time zone', async () => {
    await t.db
      .updateTable('tenants')
      .set({ time_zone: 'America/New_York' })
      .where('tenant_id', '=', 'acme')
      .execute()
    try {
      // 23:59 UTC on 31 December is 18:59 in New York: still 31 December there; 10:10 UTC on 1 December is 05:10
      const report = await json<Report & { starts_at: string; ends_at: string }>(
        analyst.request('GET', '/admin/v1/payouts?from=2026-12-31&to=2026-12-31'),
        200,
      )
      expect(report.starts_at).toBe('2026-12-31T05:00:00.000Z')
      expect(report.ends_at).toBe('2027-01-01T05:00:00.000Z')
      expect(report.lines.map((l) => l.legs)).toEqual([1])
    } finally {
      await t.db.updateTable('tenants').set({ time_zone: 'UTC' }).where('tenant_id', '=', 'acme').execute()
    }
  })

  it('exports the report as CSV with decimal amounts in each currency', async () => {
    const res = await analyst.request('GET', '/admin/v1/payouts.csv?from=2026-12-01&to=2026-12-31')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/csv')
    expect(res.headers.get('content-disposition')).toContain('payouts-2026-12-01-to-2026-12-31.csv')
    const rows = parse(await res.text(), { columns: true }) as Record<string, string>[]
    expect(rows).toEqual([
      {
        representative_id: ada.id,
        name: 'Ada Payout',
        extension: '3001',
        currency: 'USD',
        legs: '3',
        seconds: '1440',
        amount: '23.70',
        amount_minor_units: '2370',
        from: '2026-12-01',
        to: '2026-12-31',
      },
      expect.objectContaining({
        representative_id: cy.id,
        currency: 'EUR',
        amount: '5.00',
        amount_minor_units: '500',
      }),
    ])
  })

  it('neutralises a name a spreadsheet would run as a formula', async () => {
    await json(
      editor.request('PATCH', `/admin/v1/representatives/${cy.id}`, { name: '=HYPERLINK("x")' }),
      200,
    )
    const res = await analyst.request(
      'GET',
      `/admin/v1/payouts.csv?from=2026-12-01&to=2026-12-31&representative_id=${cy.id}`,
    )
    const [row] = parse(await res.text(), { columns: true }) as Record<string, string>[]
    expect(row?.name).toBe(`'=HYPERLINK("x")`)
  })

  it('is for analysts and above, refuses a bad period naming the field, and shows no other tenant’s pay', async () => {
    expect((await viewer.request('GET', '/admin/v1/payouts')).status).toBe(403)
    expect((await viewer.request('GET', '/admin/v1/payouts.csv')).status).toBe(403)
    const backwards = await json<Problem>(
      analyst.request('GET', '/admin/v1/payouts?from=2026-12-31&to=2026-12-01'),
      422,
    )
    expect(backwards.errors?.map((e) => e.field)).toEqual(['from'])
    const notADay = await json<Problem>(analyst.request('GET', '/admin/v1/payouts?from=2026-13-01'), 422)
    expect(notADay.errors?.map((e) => e.field)).toEqual(['from'])
    const globexAnalyst = await staffClient(t, 'globex', 'analyst')
    const theirs = await json<Report>(
      globexAnalyst.request('GET', '/admin/v1/payouts?from=2026-12-01&to=2026-12-31'),
      200,
    )
    expect(theirs.lines).toEqual([])
    expect(theirs.totals).toEqual([])
  })
})

describe('the demo workspace', () => {
  it('starts with three representatives on the loopback extensions 1001–1003', async () => {
    const database = await createTestDatabase()
    try {
      await bootstrapIfEmpty(database.db, { adminEmail: 'admin@demo.test', adminPassword: 'x'.repeat(20) })
      const rows = await database.db
        .selectFrom('representatives')
        .selectAll()
        .where('tenant_id', '=', DEMO_TENANT)
        .orderBy('extension')
        .execute()
      expect(rows.map((r) => [r.extension, r.active])).toEqual([
        ['1001', true],
        ['1002', true],
        ['1003', true],
      ])
      expect(new Set(rows.map((r) => r.pay_plan))).toEqual(new Set(['share', 'per_minute']))
    } finally {
      await database.close()
    }
  })
})

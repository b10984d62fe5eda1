// Representatives' pay from real sessions: sessions started, answered by one, two or three
// representatives with overlapping legs and ended through /v1/sessions; settlement accrues each
// leg's pay once, on a balanced ledger, and the payout report and its CSV show it.
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SessionView } from '../../server/sessions/schema.ts'
import { addLine, ledgerOff, manualClock, newPerson, sessionBody } from '../sessions/support.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'

let t: TestApp
let editor: StaffClient
let analyst: StaffClient
const clock = manualClock(new Date())
const reps: Record<'ada' | 'ben' | 'chloe', string> = { ada: '', ben: '', chloe: '' }

async function json<T>(response: Response | Promise<Response>, status: number): Promise<T> {
  const r = await response
  const text = await r.text()
  expect(r.status, text).toBe(status)
  return JSON.parse(text) as T
}

beforeAll(async () => {
  t = await startTestApp({ clock: clock.now })
  // 2.99 a minute billed by the second after the first
  await addLine(t.db, 'acme', {
    id: 'advice',
    rate_per_minute: 299,
    first_period_seconds: 1,
    increment_seconds: 1,
  })
  editor = await staffClient(t, 'acme', 'editor')
  analyst = await staffClient(t, 'acme', 'analyst')
  const add = (name: string, extension: string, pay: unknown) =>
    json<{ id: string }>(editor.request('POST', '/admin/v1/representatives', { name, extension, pay }), 201)
  reps.ada = (await add('Ada', '1001', { plan: 'share', share_bps: 5_000 })).id
  reps.ben = (await add('Ben', '1002', { plan: 'share', share_bps: 4_000 })).id
  reps.chloe = (await add('Chloe', '1003', { plan: 'per_minute', rate_per_minute: 60, currency: 'USD' })).id
})
afterAll(() => t.close())

async function session(): Promise<string> {
  return (await json<SessionView>(t.post('/v1/sessions', sessionBody(newPerson(), 'advice')), 201)).id
}
async function connect(id: string, representativeId: string): Promise<string> {
  const view = await json<SessionView>(
    t.post(`/v1/sessions/${id}/legs`, { party: 'representative', representative_id: representativeId }),
    201,
  )
  const leg = view.legs.at(-1)
  if (!leg) throw new Error('no leg')
  return leg.id
}
const endLeg = (id: string, leg: string) =>
  json<SessionView>(t.post(`/v1/sessions/${id}/legs/${leg}/end`, ''), 200)
const end = (id: string) => json<SessionView>(t.post(`/v1/sessions/${id}/end`, { reason: 'completed' }), 200)

const accrualsOf = (sessionId: string) =>
  t.db
    .selectFrom('pay_accruals')
    .selectAll()
    .where('tenant_id', '=', 'acme')
    .where('session_id', '=', sessionId)
    .orderBy('accrued_at')
    .orderBy('representative_id')
    .execute()

describe('pay from settled sessions', () => {
  const sessions: string[] = []

  it('one representative on a share plan earns their basis points of the charge', async () => {
    const id = await session()
    const leg = await connect(id, reps.ada)
    clock.advance(120)
    await endLeg(id, leg)
    const ended = await end(id)
    expect(ended.status).toBe('settled')
    // 120 s at 2.99 a minute = 598; half of it
    expect(ended.charge?.amount).toBe(598)
    const accruals = await accrualsOf(id)
    expect(accruals.map((a) => [a.representative_id, a.seconds, Number(a.amount), a.currency])).toEqual([
      [reps.ada, 120, 299, 'USD'],
    ])
    sessions.push(id)
  })

  it('two overlapping representatives split the charge by their time; three include one paid per minute', async () => {
    const two = await session()
    const a = await connect(two, reps.ada)
    clock.advance(60)
    const b = await connect(two, reps.ben)
    clock.advance(60)
    await endLeg(two, a)
    clock.advance(60)
    await endLeg(two, b)
    const ended = await end(two)
    // billed 180 s = 897; Ada 120 s and Ben 120 s of 240: each's part is 448.5
    expect(ended.charge?.amount).toBe(897)
    expect((await accrualsOf(two)).map((x) => [x.representative_id, x.seconds, Number(x.amount)])).toEqual(
      [
        [reps.ada, 120, Math.floor((897 * 120 * 5_000) / (240 * 10_000))],
        [reps.ben, 120, Math.floor((897 * 120 * 4_000) / (240 * 10_000))],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    )

    const three = await session()
    const legA = await connect(three, reps.ada)
    clock.advance(30)
    const legB = await connect(three, reps.ben)
    const legC = await connect(three, reps.chloe)
    clock.advance(90)
    await endLeg(three, legB)
    await endLeg(three, legC)
    clock.advance(30)
    await endLeg(three, legA)
    const settled = await end(three)
    // billed 150 s = 747.5 → 748 (the rating's rounding); legs 150 + 90 + 90 = 330 s
    const charge = settled.charge?.amount ?? 0
    const byRep = new Map(
      (await accrualsOf(three)).map((x) => [x.representative_id, [x.seconds, Number(x.amount)]]),
    )
    expect(byRep.get(reps.ada)).toEqual([150, Math.floor((charge * 150 * 5_000) / (330 * 10_000))])
    expect(byRep.get(reps.ben)).toEqual([90, Math.floor((charge * 90 * 4_000) / (330 * 10_000))])
    expect(byRep.get(reps.chloe)).toEqual([90, 90])
    sessions.push(two, three)
    expect(await ledgerOff(t.db, 'acme')).toEqual([])
  })

  it('a session nobody answered pays nobody', async () => {
    const id = await session()
    clock.advance(30)
    const ended = await end(id)
    expect(ended.status).toBe('settled')
    expect(await accrualsOf(id)).toEqual([])
  })

  it('settling again adds no pay and no ledger entries', async () => {
    const count = async () => {
      const [accruals, entries] = await Promise.all([
        t.db
          .selectFrom('pay_accruals')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('tenant_id', '=', 'acme')
          .executeTakeFirstOrThrow(),
        t.db
          .selectFrom('ledger_entries')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('tenant_id', '=', 'acme')
          .where('kind', '=', 'pay_accrual')
          .executeTakeFirstOrThrow(),
      ])
      return [Number(accruals.n), Number(entries.n)]
    }
    const before = await count()
    expect(before).toEqual([6, 12])
    for (const id of sessions) await t.services.sessions.settle('acme', id)
    // ending a settled session again, as a retrying caller would
    for (const id of sessions) await t.post(`/v1/sessions/${id}/end`, { reason: 'completed' })
    expect(await count()).toEqual(before)
  })

  it('shows in the payout report and its CSV', async () => {
    const day = clock.now().toISOString().slice(0, 10)
    const report = await json<{
      lines: { representative_id: string; legs: number; seconds: number; amount: number }[]
    }>(analyst.request('GET', `/admin/v1/payouts?from=${day}&to=${day}`), 200)
    const accruals = await t.db
      .selectFrom('pay_accruals')
      .selectAll()
      .where('tenant_id', '=', 'acme')
      .execute()
    const expected = (rep: string) => {
      const mine = accruals.filter((a) => a.representative_id === rep)
      return {
        representative_id: rep,
        legs: mine.length,
        seconds: mine.reduce((s, a) => s + a.seconds, 0),
        amount: mine.reduce((s, a) => s + Number(a.amount), 0),
      }
    }
    expect(
      report.lines.map(({ representative_id, legs, seconds, amount }) => ({
        representative_id,
        legs,
        seconds,
        amount,
      })),
    ).toEqual([expected(reps.ada), expected(reps.ben), expected(reps.chloe)])
    const csv = await analyst.request('GET', `/admin/v1/payouts.csv?from=${day}&to=${day}`)
    const rows = parse(await csv.text(), { columns: true }) as Record<string, string>[]
    expect(rows.map((r) => [r.name, r.amount_minor_units])).toEqual(
      report.lines.map((l) => [
        ['Ada', 'Ben', 'Chloe'][[reps.ada, reps.ben, reps.chloe].indexOf(l.representative_id)],
        String(l.amount),
      ]),
    )
  })
})

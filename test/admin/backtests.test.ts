// Backtests: replaying recorded decisions through a version with facts as they were at each
// decision's time, in a background job with progress, cancellation and resumption.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BacktestRunner } from '../../server/backtests/runner.ts'
import { purchase, startTestApp, type TestApp } from '../support/app.ts'
import { addVersion, version1, version2 } from '../support/rule-versions.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'

const day = '2025-06-01'
const at = (time: string) => new Date(`${day}T${time}:00Z`)

// a card per customer: a shared card would make them one customer
const cards = [
  '4242424242424242',
  '4000056655665556',
  '5555555555554444',
  '2223003122003222',
  '5200828282828210',
  '5105105105105100',
  '6011111111111117',
]

/** Decides a purchase live, then moves it (and the usage it reserved) back to a time in the crafted history. */
async function decideAt(t: TestApp, time: string, n: number) {
  const res = await t.post(
    '/v1/authorizations',
    purchase({
      customer: { id: `c-${n}`, email: `c${n}@example.com`, phone: `+1555555010${n}` },
      network: { ip: `203.0.113.${n}` },
      payment_method: {
        type: 'card',
        card: { number: cards[n - 1], exp_month: 12, exp_year: 2030, cvc: '123' },
      },
    }),
  )
  expect(res.status).toBe(201)
  const decision = (await res.json()) as { id: string; outcome: string }
  await t.db
    .updateTable('decisions')
    .set({ created_at: at(time) })
    .where('tenant_id', '=', 'acme')
    .where('id', '=', decision.id)
    .execute()
  await t.db
    .updateTable('usage_events')
    .set({ occurred_at: at(time) })
    .where('tenant_id', '=', 'acme')
    .where('decision_id', '=', decision.id)
    .execute()
  return decision
}

async function listPhone(t: TestApp, phone: string, addedAt: Date) {
  await t.db
    .insertInto('list_entries')
    .values({
      tenant_id: 'acme',
      list_id: 'negative',
      id: `le-${phone}`,
      subject: 'phone',
      value: phone,
      reason: 'test',
      source: 'test',
      added_by: null,
      added_at: addedAt,
      removed_at: null,
      expires_at: null,
    })
    .execute()
}

/** Spending by the customer of a decision, at another time. */
async function addUsage(t: TestApp, decisionId: string, occurredAt: Date, amount: number) {
  const { customer_id: customerId } = await t.db
    .selectFrom('decisions')
    .select('customer_id')
    .where('id', '=', decisionId)
    .executeTakeFirstOrThrow()
  await t.db
    .insertInto('usage_events')
    .values({
      tenant_id: 'acme',
      decision_id: `${decisionId}-extra`,
      occurred_at: occurredAt,
      customer_id: customerId,
      phone: null,
      card_fingerprint: null,
      ip: null,
      sessions: 0,
      purchases: 1,
      seconds: 0,
      amount,
      currency: 'USD',
    })
    .execute()
}

interface BacktestBody {
  id: string
  status: string
  progress: {
    percent: number
    processed: number
    total: number
    changed: number
    decisions_per_second: number | null
  }
  matrix: Record<string, Record<string, number>>
  rule_hits: { rule: string; hits: number }[]
}

let t: TestApp
let analyst: StaffClient
let viewer: StaffClient
const ids = {} as Record<
  'plain' | 'bin' | 'listedLater' | 'listedBefore' | 'usageLater' | 'usageBefore',
  string
>
const range = { from: `${day}T00:00:00Z`, to: '2025-06-02T00:00:00Z' }

async function start(client: StaffClient, version: number, extra: Record<string, unknown> = {}) {
  const res = await client.request('POST', '/admin/v1/rule-sets/authorizations/backtests', {
    version,
    ...range,
    ...extra,
  })
  expect(res.status).toBe(202)
  return (await res.json()) as BacktestBody
}

async function read(id: string, client: StaffClient = viewer) {
  const res = await client.request('GET', `/admin/v1/backtests/${id}`)
  expect(res.status).toBe(200)
  return (await res.json()) as BacktestBody
}

beforeAll(async () => {
  t = await startTestApp({ ruleSet: version1 })
  await addVersion(t, 'acme', 2, version2)
  analyst = await staffClient(t, 'acme', 'analyst')
  viewer = await staffClient(t, 'acme', 'viewer')

  // a plain approval
  ids.plain = (await decideAt(t, '10:00', 1)).id
  // a card whose BIN version 2 blocks
  ids.bin = (await decideAt(t, '10:10', 2)).id
  // its phone was listed twenty minutes after the decision: the replay must not see it
  ids.listedLater = (await decideAt(t, '10:20', 3)).id
  await listPhone(t, '+15555550103', at('10:40'))
  // its phone was listed (recorded afterwards, but dated) before the decision: the replay sees it
  ids.listedBefore = (await decideAt(t, '10:50', 4)).id
  await listPhone(t, '+15555550104', at('10:45'))
  // 100.00 of spending after the decision must not count against it
  ids.usageLater = (await decideAt(t, '11:00', 5)).id
  await addUsage(t, ids.usageLater, at('11:30'), 10_000)
  // 40.00 spent before the decision leaves 10.00 of the day's 50.00: the 25.00 purchase is limited
  ids.usageBefore = (await decideAt(t, '12:00', 6)).id
  await addUsage(t, ids.usageBefore, at('11:50'), 4000)
  // outside the range: never replayed
  const outside = await decideAt(t, '23:59', 7)
  await t.db
    .updateTable('decisions')
    .set({ created_at: new Date('2025-06-02T08:00:00Z') })
    .where('tenant_id', '=', 'acme')
    .where('id', '=', outside.id)
    .execute()
})
afterAll(() => t.close())

describe('a backtest on a crafted history', () => {
  it('replays with usage and lists as of each decision, and the same version changes only what the facts then say', async () => {
    const job = await start(analyst, 1)
    expect(job.status).toBe('queued')
    expect(job.progress).toMatchObject({ processed: 0, percent: 0 })
    await new BacktestRunner({ db: t.db }).runUntilIdle()

    const done = await read(job.id)
    expect(done.status).toBe('completed')
    expect(done.progress).toMatchObject({ percent: 100, processed: 6, total: 6, changed: 2 })
    expect(done.progress.decisions_per_second).toBeGreaterThan(0)
    expect(done.matrix).toEqual({ approve: { approve: 4, block: 1, limit: 1 } })
    expect(done.rule_hits).toEqual([
      { rule: 'daily-spend', hits: 6 },
      { rule: 'negative-phone', hits: 1 },
    ])

    const changes = await (await viewer.request('GET', `/admin/v1/backtests/${job.id}/changes`)).json()
    expect(changes.total).toBe(2)
    expect(changes.changes.map((c: { decision_id: string }) => c.decision_id)).toEqual([
      ids.listedBefore,
      ids.usageBefore,
    ])
    // "because of" names the rule that made the new outcome, not the allowance that merely counted
    expect(changes.changes[0]).toEqual({
      decision_id: ids.listedBefore,
      decided_at: at('10:50').toISOString(),
      old_outcome: 'approve',
      new_outcome: 'block',
      rules: [{ id: 'negative-phone', name: expect.any(String), type: 'block', effect: 'now' }],
    })
    // a limit names the allowance that was used up
    expect(changes.changes[1]).toMatchObject({
      old_outcome: 'approve',
      new_outcome: 'limit',
      rules: [{ id: 'daily-spend', name: 'Fifty dollars a day', type: 'allowance', effect: 'now' }],
    })
  })

  it('a version that blocks a BIN changes exactly the decision with that BIN, and its report is paged', async () => {
    const job = await start(analyst, 2)
    await new BacktestRunner({ db: t.db }).runUntilIdle()
    const done = await read(job.id)
    expect(done.matrix).toEqual({ approve: { approve: 3, block: 2, limit: 1 } })
    expect(done.rule_hits).toContainEqual({ rule: 'blocked-bin', hits: 1 })

    const pages = []
    for (const page of [1, 2, 3, 4]) {
      const res = await viewer.request(
        'GET',
        `/admin/v1/backtests/${job.id}/changes?page=${page}&page_size=1`,
      )
      expect(res.status).toBe(200)
      pages.push(await res.json())
    }
    expect(pages.map((p) => p.changes.map((c: { decision_id: string }) => c.decision_id))).toEqual([
      [ids.bin],
      [ids.listedBefore],
      [ids.usageBefore],
      [],
    ])
    expect(pages[0].changes[0]).toMatchObject({ old_outcome: 'approve', new_outcome: 'block' })
    expect(pages[0].changes[0].rules).toEqual([
      { id: 'blocked-bin', name: expect.any(String), type: 'block', effect: 'now' },
    ])
  })

  it('names the rule that no longer decides when a recorded refusal would now be approved', async () => {
    // the phone is listed now, so the live decision is blocked; dated back to a day before the
    // listing, its replay no longer sees the list and approves
    const phone = '+15555550188'
    await listPhone(t, phone, new Date())
    const res = await t.post(
      '/v1/authorizations',
      purchase({
        customer: { id: 'c-88', email: 'c88@example.com', phone },
        network: { ip: '203.0.113.88' },
        payment_method: {
          type: 'card',
          card: { number: '4111111111111111', exp_month: 12, exp_year: 2030, cvc: '123' },
        },
      }),
    )
    const blocked = (await res.json()) as { id: string; outcome: string }
    expect(blocked.outcome).toBe('block')
    await t.db
      .updateTable('decisions')
      .set({ created_at: new Date('2025-06-05T09:00:00Z') })
      .where('tenant_id', '=', 'acme')
      .where('id', '=', blocked.id)
      .execute()

    const job = await start(analyst, 1, { from: '2025-06-05T00:00:00Z', to: '2025-06-06T00:00:00Z' })
    await new BacktestRunner({ db: t.db }).runUntilIdle()
    expect((await read(job.id)).matrix).toEqual({ block: { approve: 1 } })
    const changes = await (await viewer.request('GET', `/admin/v1/backtests/${job.id}/changes`)).json()
    expect(changes.changes).toEqual([
      {
        decision_id: blocked.id,
        decided_at: '2025-06-05T09:00:00.000Z',
        old_outcome: 'block',
        new_outcome: 'approve',
        rules: [{ id: 'negative-phone', name: expect.any(String), type: 'block', effect: 'no_longer' }],
      },
    ])
  })

  it('replays a sample, the same decisions every time', async () => {
    const first = await start(analyst, 1, { sample_rate: 0.5 })
    const second = await start(analyst, 1, { sample_rate: 0.5 })
    await new BacktestRunner({ db: t.db }).runUntilIdle()
    const [a, b] = [await read(first.id), await read(second.id)]
    expect(a.progress.total).toBeLessThanOrEqual(6)
    expect(a.progress.processed).toBe(a.progress.total)
    const { decisions_per_second: _a, ...countsA } = a.progress
    const { decisions_per_second: _b, ...countsB } = b.progress
    expect(countsB).toEqual(countsA)
    expect(b.matrix).toEqual(a.matrix)
  })

  it('is audited and listed for the rule set', async () => {
    const job = await start(analyst, 1)
    const audit = await t.db
      .selectFrom('audit_log')
      .selectAll()
      .where('tenant_id', '=', 'acme')
      .where('entity_id', '=', job.id)
      .execute()
    expect(audit).toHaveLength(1)
    expect(audit[0]).toMatchObject({ action: 'backtest.created', actor_email: analyst.email })
    const list = await (await viewer.request('GET', '/admin/v1/rule-sets/authorizations/backtests')).json()
    expect(list.backtests[0].id).toBe(job.id)
    // leave nothing queued for the next tests' runners
    expect((await analyst.request('POST', `/admin/v1/backtests/${job.id}/cancel`, {})).status).toBe(200)
  })
})

describe('the backtest job', () => {
  it('stops when cancelled: status cancelled, no further progress', async () => {
    const job = await start(analyst, 2)
    const seen: number[] = []
    const runner = new BacktestRunner({
      db: t.db,
      batchSize: 2,
      afterBatch: async ({ processed }) => {
        seen.push(processed)
        if (processed === 2) {
          const res = await analyst.request('POST', `/admin/v1/backtests/${job.id}/cancel`, {})
          expect(res.status).toBe(200)
        }
      },
    })
    await runner.runUntilIdle()
    expect(seen).toEqual([2])
    const after = await read(job.id)
    expect(after.status).toBe('cancelled')
    expect(after.progress.processed).toBe(2)
    const changes = await t.db
      .selectFrom('backtest_changes')
      .select('decision_id')
      .where('backtest_id', '=', job.id)
      .execute()
    expect(changes.map((c) => c.decision_id)).toEqual([ids.bin])
    // a finished job cannot be cancelled again, and nothing is left to claim
    expect((await analyst.request('POST', `/admin/v1/backtests/${job.id}/cancel`, {})).status).toBe(409)
    expect(await new BacktestRunner({ db: t.db }).runOnce()).toBeNull()
  })

  it('resumes from its cursor after the server stops', async () => {
    const job = await start(analyst, 2)
    const first = new BacktestRunner({
      db: t.db,
      batchSize: 2,
      // stops like a server shutting down mid-job: after the batch in progress
      afterBatch: () => void first.stop(),
    })
    first.start()
    await expect.poll(async () => (await read(job.id)).progress.processed).toBe(2)
    await first.stop()
    const paused = await t.db
      .selectFrom('backtests')
      .selectAll()
      .where('id', '=', job.id)
      .executeTakeFirstOrThrow()
    expect(paused).toMatchObject({ status: 'running', processed: 2, cursor_id: ids.bin, lease_until: null })

    const resumedAt: number[] = []
    const second = new BacktestRunner({
      db: t.db,
      batchSize: 2,
      afterBatch: ({ processed }) => void resumedAt.push(processed),
    })
    await second.runUntilIdle()
    expect(resumedAt).toEqual([4, 6])
    const done = await read(job.id)
    expect(done.status).toBe('completed')
    expect(done.progress).toMatchObject({ processed: 6, total: 6, changed: 3 })
    expect(done.matrix).toEqual({ approve: { approve: 3, block: 2, limit: 1 } })
  })

  it('runs in the background once started, and the status is there on every read', async () => {
    const runner = new BacktestRunner({ db: t.db, pollMs: 20 })
    runner.start()
    try {
      const job = await start(analyst, 1)
      await expect.poll(async () => (await read(job.id)).status, { timeout: 10_000 }).toBe('completed')
    } finally {
      await runner.stop()
    }
  })
})

describe('backtest errors and security', () => {
  it('refuses a viewer starting or cancelling one', async () => {
    const res = await viewer.request('POST', '/admin/v1/rule-sets/authorizations/backtests', {
      version: 1,
      ...range,
    })
    expect(res.status).toBe(403)
    const job = await start(analyst, 1)
    expect((await viewer.request('POST', `/admin/v1/backtests/${job.id}/cancel`, {})).status).toBe(403)
    await analyst.request('POST', `/admin/v1/backtests/${job.id}/cancel`, {})
  })

  it('answers 404 for another tenant’s backtest and rule-set versions', async () => {
    const job = await start(analyst, 1)
    const other = await staffClient(t, 'globex', 'admin')
    expect((await other.request('GET', `/admin/v1/backtests/${job.id}`)).status).toBe(404)
    expect((await other.request('GET', `/admin/v1/backtests/${job.id}/changes`)).status).toBe(404)
    expect((await other.request('POST', `/admin/v1/backtests/${job.id}/cancel`, {})).status).toBe(404)
    // globex has a rule set of the same name, but no version 2
    const res = await other.request('POST', '/admin/v1/rule-sets/authorizations/backtests', {
      version: 2,
      ...range,
    })
    expect(res.status).toBe(404)
    expect((await read(job.id)).status).toBe('queued')
    await analyst.request('POST', `/admin/v1/backtests/${job.id}/cancel`, {})
  })

  it('names the field when the range is empty or malformed', async () => {
    const backwards = await analyst.request('POST', '/admin/v1/rule-sets/authorizations/backtests', {
      version: 1,
      from: range.to,
      to: range.from,
    })
    expect(backwards.status).toBe(422)
    expect((await backwards.json()).errors[0].field).toBe('to')
    const malformed = await analyst.request('POST', '/admin/v1/rule-sets/authorizations/backtests', {
      version: 1,
      from: 'yesterday',
      to: range.to,
    })
    expect(malformed.status).toBe(422)
    expect((await analyst.request('GET', '/admin/v1/backtests/bt_nope')).status).toBe(404)
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { purchase, startTestApp, type TestApp, typedCard } from '../support/app.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'

let t: TestApp
let viewer: StaffClient
let otherTenant: StaffClient
const ids: Record<string, string> = {}

async function decide(name: string, body: unknown, key?: string) {
  const res = await t.post('/v1/authorizations', body, { key })
  expect(res.status).toBe(201)
  ids[name] = (await res.json()).id
}

beforeAll(async () => {
  t = await startTestApp()
  viewer = await staffClient(t, 'acme', 'viewer')
  otherTenant = await staffClient(t, 'globex', 'admin')
  await decide('ann', purchase())
  await decide(
    'bob',
    purchase({
      customer: { id: 'c-bob', email: 'bob@example.org', phone: '+15555550111' },
      payment_method: typedCard({ number: '5555555555554444', exp_month: 1, exp_year: 2020 }),
    }),
  )
  await decide('call', { kind: 'session', channel: 'phone', customer: { id: 'c-call' }, network: {} })
  await decide('globex', purchase({ customer: { id: 'c-81', email: 'ann@example.com' } }), t.otherKey)
})
afterAll(() => t.close())

async function search(client: StaffClient, query: string) {
  const res = await client.request('GET', `/admin/v1/decisions?${query}`)
  expect(res.status).toBe(200)
  return (await res.json()) as {
    decisions: { id: string; outcome: string; fired_rules: string[] }[]
    next_cursor: string | null
  }
}

describe('decision search', () => {
  it('finds decisions by id, customer, e-mail, phone and last four', async () => {
    expect((await search(viewer, `q=${ids.bob}`)).decisions.map((d) => d.id)).toEqual([ids.bob])
    expect((await search(viewer, 'q=c-bob')).decisions.map((d) => d.id)).toEqual([ids.bob])
    expect((await search(viewer, 'q=BOB@example.org')).decisions.map((d) => d.id)).toEqual([ids.bob])
    expect((await search(viewer, 'q=%2B1%20555%20555%200111')).decisions.map((d) => d.id)).toEqual([ids.bob])
    expect((await search(viewer, 'q=4444')).decisions.map((d) => d.id)).toEqual([ids.bob])
  })

  it('filters by outcome and by the rule that fired', async () => {
    const blocked = await search(viewer, 'outcome=block')
    expect(blocked.decisions.map((d) => d.id).sort()).toEqual([ids.bob, ids.call].sort())
    const noAni = await search(viewer, 'rule=no-ani')
    expect(noAni.decisions.map((d) => d.id)).toEqual([ids.call])
    expect(noAni.decisions[0]?.fired_rules).toContain('no-ani')
  })

  it('pages newest first with a cursor', async () => {
    const first = await search(viewer, 'limit=2')
    expect(first.decisions).toHaveLength(2)
    expect(first.next_cursor).not.toBeNull()
    const second = await search(viewer, `limit=2&cursor=${first.next_cursor}`)
    expect(second.decisions.map((d) => d.id)).toEqual([ids.ann])
    expect(second.next_cursor).toBeNull()
    expect((await viewer.request('GET', '/admin/v1/decisions?cursor=garbage')).status).toBe(422)
  })

  it('never shows another tenant’s decisions', async () => {
    expect((await search(otherTenant, 'q=c-81')).decisions.map((d) => d.id)).toEqual([ids.globex])
    expect((await search(viewer, `q=${ids.globex}`)).decisions).toEqual([])
    expect((await otherTenant.request('GET', `/admin/v1/decisions/${ids.ann}`)).status).toBe(404)
  })
})

describe('decision detail', () => {
  it('shows the request as captured, the facts and the fired rules with the values they saw', async () => {
    const res = await viewer.request('GET', `/admin/v1/decisions/${ids.bob}`)
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body.decision.outcome).toBe('block')
    expect(body.request.payment_method.card).toMatchObject({
      last4: '4444',
      brand: 'mastercard',
      bin: '555555',
    })
    expect(JSON.stringify(body)).not.toContain('5555555555554444')
    const expired = body.fired_rules.find((r: { id: string }) => r.id === 'card-expired')
    expect(expired.conditions[0]).toMatchObject({ fact: 'card_expired', fact_value: true, result: true })
    expect(body.facts.some((f: { fact: string }) => f.fact === 'card_expired')).toBe(true)
  })
})

describe('stats', () => {
  it('counts outcomes, rates, top rules and latency for the range', async () => {
    const res = await viewer.request('GET', '/admin/v1/stats?bucket=hour')
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body.totals).toMatchObject({ total: 3, approve: 1, block: 2 })
    expect(body.rates.block).toBeCloseTo(2 / 3)
    expect(body.buckets.reduce((n: number, b: { block: number }) => n + b.block, 0)).toBe(2)
    expect(body.top_rules.map((r: { rule: string }) => r.rule)).toEqual(
      expect.arrayContaining(['card-expired', 'no-ani']),
    )
    expect(body.latency_ms.p50).toBeGreaterThan(0)
    expect(body.latency_ms.p99).toBeGreaterThanOrEqual(body.latency_ms.p50)
  })

  it('refuses a range that ends before it starts', async () => {
    const res = await viewer.request(
      'GET',
      '/admin/v1/stats?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z',
    )
    expect(res.status).toBe(422)
    expect((await res.json()).errors[0].field).toBe('from')
  })
})

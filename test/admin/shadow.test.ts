// Shadow runs: a published version evaluated beside the active one on every live decision, which
// never changes the live answer or usage, and a report comparing the two.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { purchase, startTestApp, type TestApp } from '../support/app.ts'
import { addVersion, setPointers, version1, version2 } from '../support/rule-versions.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'

let t: TestApp
let publisher: StaffClient
let viewer: StaffClient

/** A Luhn-valid card number: a card seen before would identify the customer who used it then. */
function card(prefix: string, n: number) {
  const body = `${prefix}${String(n).padStart(15 - prefix.length, '0')}`
  let sum = 0
  for (let i = 0; i < body.length; i++) {
    // doubling starts at the digit next to the check digit
    let digit = Number(body[body.length - 1 - i])
    if (i % 2 === 0) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2
    sum += digit
  }
  return { number: `${body}${(10 - (sum % 10)) % 10}`, exp_month: 12, exp_year: 2030, cvc: '123' }
}
let series = 0

/** The same purchases for a fresh set of customers: two with a card version 2 blocks, one over the allowance. */
async function decideSeries(tag: string) {
  series++
  const plainCard = card('424242', series)
  const binCard = card('400005', series)
  const otherCard = card('555555', series)
  const bodies = [
    purchase({
      customer: { id: `${tag}-1`, email: `${tag}1@example.com` },
      network: { ip: '198.51.100.1' },
      payment_method: { type: 'card', card: plainCard },
    }),
    purchase({
      customer: { id: `${tag}-2`, email: `${tag}2@example.com` },
      network: { ip: '198.51.100.2' },
      payment_method: { type: 'card', card: binCard },
    }),
    purchase({
      customer: { id: `${tag}-3`, email: `${tag}3@example.com` },
      network: { ip: '198.51.100.3' },
      payment_method: { type: 'card', card: otherCard },
      amount: { value: 4000, currency: 'USD' },
    }),
    // the same customer again: 40.00 + 20.00 is over the 50.00 a day, so it is limited
    purchase({
      customer: { id: `${tag}-3`, email: `${tag}3@example.com` },
      network: { ip: '198.51.100.3' },
      payment_method: { type: 'card', card: otherCard },
      amount: { value: 2000, currency: 'USD' },
    }),
  ]
  const responses = []
  for (const body of bodies) {
    const res = await t.post('/v1/authorizations', body)
    expect(res.status).toBe(201)
    responses.push(await res.json())
  }
  return responses as { id: string; outcome: string; customer: { id: string } }[]
}

/** What the merchant sees, without what differs by nature between two series (ids, times). */
function comparable(decision: Record<string, unknown>) {
  const { id: _id, created_at: _at, customer: _customer, payment_method: _pm, payment, ...rest } = decision
  if (!payment || typeof payment !== 'object') return { ...rest, payment }
  // the hold is its own payment each time, with its own id and expiry: what it holds must agree
  const { id: _paymentId, expires_at: _expires, ...held } = payment as Record<string, unknown>
  return { ...rest, payment: held }
}

async function usageOf(decisionIds: string[]) {
  const rows = await t.db
    .selectFrom('usage_events')
    .select(['decision_id', 'sessions', 'purchases', 'amount', 'currency'])
    .where('tenant_id', '=', 'acme')
    .where('decision_id', 'in', decisionIds)
    .execute()
  return decisionIds.map((id) => {
    const row = rows.find((r) => r.decision_id === id)
    return row ? { purchases: row.purchases, amount: Number(row.amount), currency: row.currency } : null
  })
}

async function shadowResults(decisionIds: string[]) {
  return t.db
    .selectFrom('shadow_results')
    .selectAll()
    .where('tenant_id', '=', 'acme')
    .where('decision_id', 'in', decisionIds)
    .execute()
}

const setShadow = (client: StaffClient, version: number, enabled: boolean, ruleSet = 'authorizations') =>
  client.request('POST', `/admin/v1/rule-sets/${ruleSet}/versions/${version}/shadow`, { enabled })

beforeAll(async () => {
  t = await startTestApp({ ruleSet: version1 })
  await addVersion(t, 'acme', 2, version2)
  await addVersion(t, 'acme', 3, version2, 'draft')
  publisher = await staffClient(t, 'acme', 'publisher')
  viewer = await staffClient(t, 'acme', 'viewer')
})
afterAll(() => t.close())

describe('shadow evaluation', () => {
  it('never changes the live answer or usage, and records what the shadow version would have said', async () => {
    const without = await decideSeries('plain')

    const res = await setShadow(publisher, 2, true)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ rule_set_id: 'authorizations', shadow_version: 2 })
    const withShadow = await decideSeries('shadowed')

    expect(withShadow.map((d) => d.outcome)).toEqual(['approve', 'approve', 'approve', 'limit'])
    expect(withShadow.map(comparable)).toEqual(without.map(comparable))
    expect(await usageOf(withShadow.map((d) => d.id))).toEqual(await usageOf(without.map((d) => d.id)))

    const ids = withShadow.map((d) => d.id)
    await expect.poll(async () => (await shadowResults(ids)).length).toBe(4)
    const results = await shadowResults(ids)
    const byDecision = new Map(results.map((r) => [r.decision_id, r]))
    expect(ids.map((id) => byDecision.get(id)?.shadow_outcome)).toEqual([
      'approve',
      'block',
      'approve',
      'limit',
    ])
    expect(ids.map((id) => byDecision.get(id)?.live_outcome)).toEqual([
      'approve',
      'approve',
      'approve',
      'limit',
    ])
    expect(results.every((r) => r.version === 2)).toBe(true)
    // decisions made before shadow was on were not evaluated
    expect(await shadowResults(without.map((d) => d.id))).toHaveLength(0)
  })

  it('reports live × shadow with per-rule hits and the changed decisions, paged', async () => {
    const res = await viewer.request('GET', '/admin/v1/rule-sets/authorizations/shadow?page_size=10')
    expect(res.status).toBe(200)
    const report = await res.json()
    expect(report).toMatchObject({
      rule_set_id: 'authorizations',
      version: 2,
      active: true,
      evaluated: 4,
      changed: 1,
      matrix: { approve: { approve: 2, block: 1 }, limit: { limit: 1 } },
    })
    expect(report.rule_hits).toEqual([
      { rule: 'daily-spend', hits: 4 },
      { rule: 'blocked-bin', hits: 1 },
    ])
    expect(report.changes.items).toHaveLength(1)
    expect(report.changes.items[0]).toMatchObject({ old_outcome: 'approve', new_outcome: 'block' })
    expect(report.changes.items[0].rules.map((r: { id: string }) => r.id)).toContain('blocked-bin')
    const second = await (
      await viewer.request('GET', '/admin/v1/rule-sets/authorizations/shadow?version=2&page=2&page_size=10')
    ).json()
    expect(second.changes.items).toEqual([])
  })

  it('stops when disabled, and the report of the version stays readable', async () => {
    const res = await setShadow(publisher, 2, false)
    expect(await res.json()).toEqual({ rule_set_id: 'authorizations', shadow_version: null })
    const later = await decideSeries('after')
    // give a (wrongly) queued evaluation the chance to land before checking that none did
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(await shadowResults(later.map((d) => d.id))).toHaveLength(0)
    const report = await (
      await viewer.request('GET', '/admin/v1/rule-sets/authorizations/shadow?version=2')
    ).json()
    expect(report).toMatchObject({ version: 2, active: false, evaluated: 4 })
    const audit = await t.db
      .selectFrom('audit_log')
      .select(['action', 'before', 'after', 'actor_email'])
      .where('tenant_id', '=', 'acme')
      .where('entity_type', '=', 'rule_set')
      .where('action', 'like', 'rule_set.shadow_%')
      .orderBy('id')
      .execute()
    expect(audit).toEqual([
      {
        action: 'rule_set.shadow_enabled',
        before: { shadow_version: null },
        after: { shadow_version: 2 },
        actor_email: publisher.email,
      },
      {
        action: 'rule_set.shadow_disabled',
        before: { shadow_version: 2 },
        after: { shadow_version: null },
        actor_email: publisher.email,
      },
    ])
  })

  it('a shadow version that cannot be evaluated never fails the live decision', async () => {
    await t.db
      .updateTable('rule_sets')
      .set({ shadow_version: 99 })
      .where('tenant_id', '=', 'acme')
      .where('id', '=', 'authorizations')
      .execute()
    try {
      const res = await t.post(
        '/v1/authorizations',
        purchase({
          customer: { id: 'broken-shadow' },
          payment_method: { type: 'card', card: card('411111', 99) },
        }),
      )
      expect(res.status).toBe(201)
      expect((await res.json()).outcome).toBe('approve')
    } finally {
      await setPointers(t, 'acme', { shadow_version: null })
    }
  })
})

describe('shadow errors and security', () => {
  it('needs the publisher role to switch, and a viewer may read the report', async () => {
    const editor = await staffClient(t, 'acme', 'editor')
    expect((await setShadow(editor, 2, true)).status).toBe(403)
    expect((await setShadow(viewer, 2, true)).status).toBe(403)
    expect((await viewer.request('GET', '/admin/v1/rule-sets/authorizations/shadow')).status).toBe(200)
  })

  it('runs only published versions in shadow', async () => {
    const res = await setShadow(publisher, 3, true)
    expect(res.status).toBe(409)
    expect((await setShadow(publisher, 42, true)).status).toBe(404)
  })

  it('answers 404 for another tenant’s rule set and versions', async () => {
    const other = await staffClient(t, 'globex', 'admin')
    // globex has a rule set of the same name, but no version 2
    expect((await setShadow(other, 2, true)).status).toBe(404)
    expect((await setShadow(other, 1, true, 'no-such-set')).status).toBe(404)
    expect((await other.request('GET', '/admin/v1/rule-sets/no-such-set/shadow')).status).toBe(404)
    const report = await (
      await other.request('GET', '/admin/v1/rule-sets/authorizations/shadow?version=2')
    ).json()
    expect(report).toMatchObject({ evaluated: 0, matrix: {} })
  })
})

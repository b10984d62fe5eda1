import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RuleSetDefinitionInput } from '../../rules/schema.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { cardNumber } from '../support/review-rule-set.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'

// Figure 10, steps 1025–1030: an approved purchase establishes a 100.00 limit for 30 days.
const ruleSet: RuleSetDefinitionInput = {
  settings: { currency: 'USD', purchase_value_limit: { amount: 10_000, days: 30 } },
  rules: [
    {
      id: 'near-limit',
      name: 'Close to the purchase value limit',
      conditions: { all: [{ fact: 'purchase_value_limit_remaining', operator: 'lessThan', value: 500 }] },
      event: {
        type: 'discount',
        params: { code: 'NEARLIMIT', percent_off: 5, message: 'almost at your limit' },
      },
    },
  ],
}

let t: TestApp
let analyst: StaffClient
let viewer: StaffClient
let globexAnalyst: StaffClient

beforeAll(async () => {
  t = await startTestApp({ ruleSet })
  analyst = await staffClient(t, 'acme', 'analyst')
  viewer = await staffClient(t, 'acme', 'viewer')
  globexAnalyst = await staffClient(t, 'globex', 'analyst')
})
afterAll(() => t.close())

interface Decision {
  id: string
  outcome: string
  reasons: { rule: string; reason_code?: string; message: string }[]
  discounts: { code: string }[]
  customer: { id: string } | null
  limits: {
    purchase_value_limit?: {
      amount: number
      currency: string
      expires_at: string
      established: boolean
    } | null
  }
}

function buy(n: number, value: number, currency = 'USD') {
  return {
    kind: 'purchase',
    channel: 'web',
    amount: { value, currency },
    customer: { id: `pvl-${n}`, email: `pvl${n}@example.com` },
    network: { ip: '203.0.113.50' },
    payment_method: { type: 'card', card: { number: cardNumber(500 + n), exp_month: 12, exp_year: 2030 } },
  }
}

async function decide(body: unknown): Promise<Decision> {
  const res = await t.post('/v1/authorizations', body)
  expect(res.status, await res.clone().text()).toBe(201)
  return (await res.json()) as Decision
}

async function json<T = Record<string, unknown>>(
  res: Response | Promise<Response>,
  status: number,
): Promise<T> {
  const r = await res
  const text = await r.text()
  expect(r.status, text).toBe(status)
  return JSON.parse(text) as T
}

describe('purchase value limit', () => {
  it('is established by a passing purchase and returned in the decision', async () => {
    const before = Date.now()
    const first = await decide(buy(1, 2_500))
    expect(first.outcome).toBe('approve')
    expect(first.limits.purchase_value_limit).toMatchObject({
      amount: 10_000,
      currency: 'USD',
      established: true,
    })
    const expires = new Date(first.limits.purchase_value_limit?.expires_at ?? 0).getTime()
    expect(expires - before).toBeGreaterThanOrEqual(30 * 86_400_000 - 1_000)
    expect(expires - before).toBeLessThan(30 * 86_400_000 + 60_000)

    const second = await decide(buy(1, 8_000))
    expect(second.outcome).toBe('approve')
    expect(second.limits.purchase_value_limit).toMatchObject({ amount: 10_000, established: false })
    expect(second.limits.purchase_value_limit?.expires_at).toBe(first.limits.purchase_value_limit?.expires_at)
  })

  it('limits the next purchase above it, with a reason, and is a fact rules can read', async () => {
    const over = await decide(buy(1, 10_001))
    expect(over.outcome).toBe('limit')
    expect(over.reasons[0]).toMatchObject({
      rule: 'purchase-value-limit',
      reason_code: 'purchase_value_limit',
    })
    expect(over.reasons[0]?.message).toContain('100')

    const near = await decide(buy(1, 9_800))
    expect(near.outcome).toBe('approve')
    expect(near.discounts.map((d) => d.code)).toEqual(['NEARLIMIT'])
    const explained = await json<{ explanation: { facts: { fact: string; value: unknown }[] } }>(
      t.get(`/v1/decisions/${near.id}`),
      200,
    )
    expect(explained.explanation.facts).toContainEqual(
      expect.objectContaining({ fact: 'purchase_value_limit_remaining', value: 200 }),
    )

    // another currency cannot be judged against a USD limit: it fails closed
    expect((await decide(buy(1, 100, 'EUR'))).outcome).toBe('limit')
    // sessions are not purchases
    const session = await decide({ ...buy(1, 50_000), kind: 'session', channel: 'web' })
    expect(session.outcome).toBe('approve')
    expect(session.limits.purchase_value_limit).toBeUndefined()
  })

  it('is raised by staff (analyst or higher), audited, and then allows the bigger purchase', async () => {
    const { customer } = await decide(buy(2, 1_000))
    const id = customer?.id ?? ''
    expect((await decide(buy(2, 15_000))).outcome).toBe('limit')

    await json(viewer.request('PUT', `/admin/v1/customers/${id}/purchase-limit`, { amount: 20_000 }), 403)
    await json(
      globexAnalyst.request('PUT', `/admin/v1/customers/${id}/purchase-limit`, { amount: 20_000 }),
      404,
    )
    await json(analyst.request('PUT', `/admin/v1/customers/${id}/purchase-limit`, { amount: 0 }), 422)
    const raised = await json<{
      purchase_value_limit: { amount: number; source: string; set_by: string; in_force: boolean }
    }>(
      analyst.request('PUT', `/admin/v1/customers/${id}/purchase-limit`, {
        amount: 20_000,
        note: 'verified income',
      }),
      200,
    )
    expect(raised.purchase_value_limit).toMatchObject({
      amount: 20_000,
      source: 'staff',
      set_by: analyst.userId,
      in_force: true,
    })
    const read = await json<{ purchase_value_limit: { amount: number } }>(
      viewer.request('GET', `/admin/v1/customers/${id}/purchase-limit`),
      200,
    )
    expect(read.purchase_value_limit.amount).toBe(20_000)

    const bigger = await decide(buy(2, 15_000))
    expect(bigger.outcome).toBe('approve')
    expect(bigger.limits.purchase_value_limit).toMatchObject({ amount: 20_000, established: false })
    expect((await decide(buy(2, 20_001))).outcome).toBe('limit')

    const audit = await t.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id'])
      .where('tenant_id', '=', 'acme')
      .where('entity_id', '=', id)
      .execute()
    expect(audit).toEqual([{ action: 'customer.purchase_limit.set', actor_id: analyst.userId }])
  })

  it('expires: the bigger purchase then passes and establishes a fresh limit', async () => {
    const { customer } = await decide(buy(3, 1_000))
    const id = customer?.id ?? ''
    expect((await decide(buy(3, 15_000))).outcome).toBe('limit')
    // as if the 30 days had passed
    await t.db
      .updateTable('customer_limits')
      .set({ expires_at: new Date(Date.now() - 1_000) })
      .where('tenant_id', '=', 'acme')
      .where('customer_id', '=', id)
      .execute()
    const after = await decide(buy(3, 15_000))
    expect(after.outcome).toBe('approve')
    expect(after.limits.purchase_value_limit).toMatchObject({ amount: 10_000, established: true })
    expect((await decide(buy(3, 15_000))).outcome).toBe('limit')
  })
})

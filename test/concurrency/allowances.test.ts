// Allowances hold under concurrency in one process: fifty simultaneous authorizations for a
// customer with one purchase left yield exactly one approval. On PGlite (one connection) the
// transactions queue by construction; with TEST_DATABASE_URL they race on a real PostgreSQL pool
// and only the advisory locks keep them apart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { purchase, startTestApp, type TestApp } from '../support/app.ts'
import { purchasesPerDay, tally } from './rule-set.ts'

const LIMIT = 3
const CONCURRENT = 50

let t: TestApp
beforeAll(async () => {
  t = await startTestApp({ ruleSet: purchasesPerDay(LIMIT), poolSize: 20 })
})
afterAll(() => t.close())

async function usageEvents(): Promise<number> {
  const row = await t.db
    .selectFrom('usage_events')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('tenant_id', '=', 'acme')
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** What /metrics says of the decision batches so far (server/decision-store/batcher.ts). */
async function batches(): Promise<{ count: number; decisions: number; failed: number }> {
  const text = await (await t.get('/metrics')).text()
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0)
  return {
    count: value(/^tollgate_decision_batch_size_count (\d+)/m),
    decisions: value(/^tollgate_decision_batch_size_sum (\d+)/m),
    failed: value(/^tollgate_decision_batch_retries_total\{reason="failed"\} (\d+)/m),
  }
}

async function decide(body: unknown, idempotencyKey: string): Promise<string> {
  const response = await t.post('/v1/authorizations', body, { idempotencyKey })
  expect(response.status).toBe(201)
  return ((await response.json()) as { outcome: string }).outcome
}

/** Uses up all but one of the customer's purchases for today, one request at a time. */
async function leaveOnePurchase(body: unknown, label: string): Promise<void> {
  for (let i = 0; i < LIMIT - 1; i++) expect(await decide(body, `${label}-seed-${i}`)).toBe('approve')
}

describe('allowances under concurrency, one process', () => {
  it('fifty concurrent purchases with one left yield exactly one approval', async () => {
    const body = purchase({
      customer: { id: 'c-race', email: 'race@example.com', phone: '+15555550111', name: 'Race Person' },
    })
    await leaveOnePurchase(body, 'race')
    const before = await usageEvents()

    const outcomes = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) => decide(body, `race-${i}`)),
    )

    expect(tally(outcomes)).toEqual({ approve: 1, limit: CONCURRENT - 1 })
    expect(await usageEvents()).toBe(before + 1)
  })

  it('many customers at once share transactions, and each one’s allowance is still counted apart', async () => {
    // twenty new customers, each asking for one purchase more than the allowance, all at once: the
    // requests of different customers are decided in shared transactions (server/decision-store/batcher.ts),
    // the requests of one customer never in the same one
    const customers = Array.from({ length: 20 }, (_, i) => ({
      id: `c-crowd-${i}`,
      body: purchase({
        customer: {
          id: `c-crowd-${i}`,
          email: `crowd${i}@example.com`,
          phone: `+1555555${String(1200 + i)}`,
        },
        network: { ip: '203.0.113.7', device_id: `d-crowd-${i}` },
        payment_method: undefined,
      }),
    }))
    const before = await usageEvents()
    const batchesBefore = await batches()

    const responses = await Promise.all(
      customers.flatMap(({ id, body }) =>
        Array.from({ length: LIMIT + 1 }, async (_, i) => {
          const response = await t.post('/v1/authorizations', body, { idempotencyKey: `${id}-${i}` })
          expect(response.status).toBe(201)
          const decision = (await response.json()) as { outcome: string; customer: { id: string } | null }
          return { customer: id, outcome: decision.outcome, customerId: decision.customer?.id }
        }),
      ),
    )

    for (const { id } of customers) {
      const own = responses.filter((r) => r.customer === id)
      expect(tally(own.map((r) => r.outcome)), id).toEqual({ approve: LIMIT, limit: 1 })
      // all of one customer's requests found the one customer the first of them created
      expect(new Set(own.map((r) => r.customerId)).size, id).toBe(1)
    }
    expect(new Set(responses.map((r) => r.customerId)).size).toBe(customers.length)
    expect(await usageEvents()).toBe(before + customers.length * LIMIT)
    // they were decided in shared transactions, none of which had to be undone and retried
    const after = await batches()
    expect(after.decisions - batchesBefore.decisions).toBeGreaterThanOrEqual(responses.length)
    expect(after.count - batchesBefore.count).toBeLessThan(responses.length)
    expect(after.failed).toBe(batchesBefore.failed)
  })

  it('one customer reached by phone alone and by card alone still gets exactly one approval', async () => {
    const phone = '+15555550122'
    const card = { number: '5555555555554444', exp_month: 11, exp_year: 2031, cvc: '321' }
    // the first requests carry both keys, so the phone and the card are linked to one customer
    const linked = purchase({
      customer: { id: 'c-two-keys', phone, name: 'Two Keys' },
      network: {},
      payment_method: { type: 'card', card },
    })
    await leaveOnePurchase(linked, 'two-keys')
    const byPhone = purchase({ customer: { phone }, network: {}, payment_method: undefined })
    const byCard = purchase({ customer: {}, network: {}, payment_method: { type: 'card', card } })
    const before = await usageEvents()

    const responses = await Promise.all(
      Array.from({ length: CONCURRENT }, async (_, i) => {
        const response = await t.post('/v1/authorizations', i % 2 ? byCard : byPhone, {
          idempotencyKey: `two-keys-${i}`,
        })
        expect(response.status).toBe(201)
        return (await response.json()) as { outcome: string; customer: { id: string } | null }
      }),
    )

    // every request found the same customer, whichever key it came by
    expect(new Set(responses.map((r) => r.customer?.id)).size).toBe(1)
    expect(tally(responses.map((r) => r.outcome))).toEqual({ approve: 1, limit: CONCURRENT - 1 })
    expect(await usageEvents()).toBe(before + 1)
  })
})

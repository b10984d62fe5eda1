// Idempotency-Key on POST /v1/authorizations: a retry gets the stored decision and counts once; a
// key reused for another body is refused; racing retries make one decision; keys are per tenant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app.ts'
import {
  countRows,
  decisionOf,
  newPerson,
  problemOf,
  purchaseBy,
  sessionBy,
  usageCount,
} from './identities.ts'

let t: TestApp
beforeAll(async () => {
  // a pool, so that on PostgreSQL the racing requests really run at once
  t = await startTestApp({ poolSize: 12 })
})
afterAll(() => t.close())

let keySerial = 0
const newKey = () => `idem-${Date.now()}-${++keySerial}`

async function decisionRows(idempotencyKey: string, tenantId = 'acme') {
  return t.db
    .selectFrom('decisions')
    .select(['id', 'tenant_id'])
    .where('tenant_id', '=', tenantId)
    .where('idempotency_key', '=', idempotencyKey)
    .execute()
}

describe('Idempotency-Key', () => {
  it('replays the same decision, byte for byte, marked Idempotent-Replayed, and counts usage once', async () => {
    const person = newPerson()
    const body = purchaseBy(person, { amount: { value: 3_000, currency: 'USD' } })
    const key = newKey()

    const first = await t.post('/v1/authorizations', body, { idempotencyKey: key })
    const firstText = await first.clone().text()
    const decision = await decisionOf(first)
    expect(decision.outcome).toBe('approve')
    expect(first.headers.get('idempotent-replayed')).toBeNull()

    const again = await t.post('/v1/authorizations', body, { idempotencyKey: key })
    expect(again.status).toBe(201)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(await again.text()).toBe(firstText)

    expect(await usageCount(t, decision.id)).toBe(1)
    expect(await decisionRows(key)).toHaveLength(1)

    // the allowance saw one purchase of 3000, not two
    const next = await decisionOf(
      await t.post('/v1/authorizations', purchaseBy(person, { amount: { value: 100, currency: 'USD' } })),
    )
    expect(next.limits.max_amount).toBe(7_000)
  })

  it('replays a body whose keys come in another order, since it is the same request', async () => {
    const person = newPerson()
    const body = purchaseBy(person)
    const reordered = Object.fromEntries(Object.entries(body).reverse())
    const key = newKey()
    const first = await decisionOf(await t.post('/v1/authorizations', body, { idempotencyKey: key }))
    const second = await t.post('/v1/authorizations', reordered, { idempotencyKey: key })
    expect(second.headers.get('idempotent-replayed')).toBe('true')
    expect((await decisionOf(second)).id).toBe(first.id)
  })

  it('replays a decision that was not an approval, too, without adding usage', async () => {
    const person = newPerson()
    const key = newKey()
    const body = purchaseBy(person, { amount: { value: 20_000, currency: 'USD' } })
    const first = await decisionOf(await t.post('/v1/authorizations', body, { idempotencyKey: key }))
    expect(first.outcome).toBe('limit')
    const second = await t.post('/v1/authorizations', body, { idempotencyKey: key })
    expect(second.headers.get('idempotent-replayed')).toBe('true')
    expect(await decisionOf(second)).toEqual(first)
    expect(await usageCount(t, first.id)).toBe(0)
  })

  it('still replays after the tenant’s rule set is deactivated: the decision was already made', async () => {
    const key = newKey()
    const body = purchaseBy(newPerson())
    const first = await decisionOf(await t.post('/v1/authorizations', body, { idempotencyKey: key }))
    await t.db
      .updateTable('rule_sets')
      .set({ active_version: null })
      .where('tenant_id', '=', 'acme')
      .execute()
    try {
      const replay = await decisionOf(await t.post('/v1/authorizations', body, { idempotencyKey: key }))
      expect(replay.id).toBe(first.id)
    } finally {
      await t.db.updateTable('rule_sets').set({ active_version: 1 }).where('tenant_id', '=', 'acme').execute()
    }
  })

  it('refuses the same key with a different body, and stores nothing for it', async () => {
    const person = newPerson()
    const key = newKey()
    const first = await decisionOf(
      await t.post('/v1/authorizations', purchaseBy(person, { amount: { value: 1_000, currency: 'USD' } }), {
        idempotencyKey: key,
      }),
    )
    const before = await countRows(t)
    for (const changed of [
      purchaseBy(person, { amount: { value: 1_001, currency: 'USD' } }),
      purchaseBy(person, { amount: { value: 1_000, currency: 'EUR' } }),
      purchaseBy(newPerson(), { amount: { value: 1_000, currency: 'USD' } }),
      sessionBy(person),
    ]) {
      const problem = await problemOf(
        await t.post('/v1/authorizations', changed, { idempotencyKey: key }),
        422,
      )
      expect(problem.type).toBe('urn:tollgate:problem:idempotency_key_reused')
      expect(problem.detail).toMatch(/different body/)
    }
    expect(await countRows(t)).toEqual(before)
    expect((await decisionRows(key)).map((r) => r.id)).toEqual([first.id])
  })

  it('a different card number under the same key is a different body', async () => {
    const person = newPerson()
    const other = newPerson()
    const key = newKey()
    await decisionOf(await t.post('/v1/authorizations', purchaseBy(person), { idempotencyKey: key }))
    const withOtherCard = purchaseBy(person, {
      payment_method: {
        type: 'card',
        card: { number: other.card, exp_month: 12, exp_year: 2030, cvc: '123' },
      },
    })
    const problem = await problemOf(
      await t.post('/v1/authorizations', withOtherCard, { idempotencyKey: key }),
      422,
    )
    expect(problem.type).toBe('urn:tollgate:problem:idempotency_key_reused')
  })

  it('ten concurrent requests with one key and body make exactly one decision', async () => {
    const person = newPerson()
    const key = newKey()
    const body = purchaseBy(person, { amount: { value: 4_000, currency: 'USD' } })
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => t.post('/v1/authorizations', body, { idempotencyKey: key })),
    )
    const texts = await Promise.all(responses.map((r) => r.clone().text()))
    const decisions = await Promise.all(responses.map((r) => decisionOf(r)))
    expect(new Set(decisions.map((d) => d.id)).size).toBe(1)
    expect(new Set(texts).size).toBe(1)
    const replayed = responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')
    expect(replayed).toHaveLength(9)

    const rows = await decisionRows(key)
    expect(rows).toHaveLength(1)
    expect(rows[0]?.id).toBe(decisions[0]?.id)
    expect(await usageCount(t, String(decisions[0]?.id))).toBe(1)
    const totalForCustomer = await t.db
      .selectFrom('usage_events')
      .select((eb) => eb.fn.sum<string | number | bigint>('amount').as('spent'))
      .where('tenant_id', '=', 'acme')
      .where('customer_id', '=', String(decisions[0]?.customer?.id))
      .executeTakeFirstOrThrow()
    expect(Number(totalForCustomer.spent)).toBe(4_000)
  })

  it('ten concurrent requests with one key but different bodies: one decision, nine refusals', async () => {
    const person = newPerson()
    const key = newKey()
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        t.post('/v1/authorizations', purchaseBy(person, { amount: { value: 100 + i, currency: 'USD' } }), {
          idempotencyKey: key,
        }),
      ),
    )
    const statuses = responses.map((r) => r.status).sort()
    expect(statuses).toEqual([201, ...Array.from({ length: 9 }, () => 422)])
    expect(await decisionRows(key)).toHaveLength(1)
  })

  it('keys are per tenant: two tenants may use the same key for their own decisions', async () => {
    const key = newKey()
    const body = purchaseBy(newPerson())
    const atAcme = await decisionOf(await t.post('/v1/authorizations', body, { idempotencyKey: key }))
    const atGlobex = await t.post('/v1/authorizations', body, { idempotencyKey: key, key: t.otherKey })
    expect(atGlobex.headers.get('idempotent-replayed')).toBeNull()
    const globexDecision = await decisionOf(atGlobex)
    expect(globexDecision.id).not.toBe(atAcme.id)
    expect(await decisionRows(key, 'acme')).toHaveLength(1)
    expect(await decisionRows(key, 'globex')).toHaveLength(1)

    // and a different body under the same key at the other tenant is no reuse either
    const otherBody = purchaseBy(newPerson(), { amount: { value: 777, currency: 'USD' } })
    const fresh = newKey()
    await decisionOf(await t.post('/v1/authorizations', body, { idempotencyKey: fresh }))
    expect(
      (await t.post('/v1/authorizations', otherBody, { idempotencyKey: fresh, key: t.otherKey })).status,
    ).toBe(201)
  })

  it('without a key, the same body twice is two decisions', async () => {
    const body = purchaseBy(newPerson(), { amount: { value: 100, currency: 'USD' } })
    const a = await decisionOf(await t.post('/v1/authorizations', body))
    const b = await decisionOf(await t.post('/v1/authorizations', body))
    expect(a.id).not.toBe(b.id)
    expect(b.limits.max_amount).toBe(9_900)
  })
})

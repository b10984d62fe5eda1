// Stored forms of payment: once a gateway gave a token for a card, the customer's method is found by
// their id, caller number or e-mail (ids, brand, last four, expiry — never the token, never a number)
// and can be chosen by id in an authorization, where the facts read the stored card. Another tenant's
// method is neither listed nor accepted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findStoredMethod, rememberToken, storedMethodSource } from '../../server/payments/stored-methods.ts'
import { purchase, startTestApp, type TestApp } from '../support/app.ts'

let t: TestApp
let methodId: string
const token = 'tok_sandbox_remembered_9f3b'

beforeAll(async () => {
  t = await startTestApp()
  const res = await t.post('/v1/authorizations', purchase())
  expect(res.status).toBe(201)
  const row = await t.db
    .selectFrom('payment_methods')
    .selectAll()
    .where('tenant_id', '=', 'acme')
    .executeTakeFirstOrThrow()
  methodId = row.id
  // what Payments does after a hold whose answer carried a token
  expect(
    await rememberToken(t.db, { tenantId: 'acme', fingerprint: row.fingerprint, gateway: 'sandbox', token }),
  ).toBe(true)
})
afterAll(() => t.close())

type Listed = { payment_methods: Record<string, unknown>[] }

describe('GET /v1/payment-methods', () => {
  it('finds the customer’s method by their id, e-mail and caller number, without token or number', async () => {
    for (const query of [
      'customer_id=c-81',
      'email=Ann%40Example.com',
      'ani=%2B15555550100',
      'ani=(555)%20555-0100',
    ]) {
      const res = await t.get(`/v1/payment-methods?${query}`)
      expect(res.status, query).toBe(200)
      const text = await res.text()
      expect(text).not.toContain(token)
      expect(text).not.toContain('4242424242424242')
      const body = JSON.parse(text) as Listed
      expect(body.payment_methods, query).toHaveLength(1)
      expect(body.payment_methods[0]).toEqual({
        id: methodId,
        type: 'card',
        brand: 'visa',
        last4: '4242',
        exp_month: 12,
        exp_year: 2030,
        last_used_at: expect.any(String),
      })
    }
  })

  it('lists nothing for a customer it does not know, and only methods a gateway can charge again', async () => {
    const unknown = (await (await t.get('/v1/payment-methods?customer_id=nobody')).json()) as Listed
    expect(unknown.payment_methods).toEqual([])
    const res = await t.post(
      '/v1/authorizations',
      purchase({
        customer: { id: 'c-82', email: 'bo@example.com' },
        // another device too: a shared one would tie Bo to Ann, as decisions recognise customers
        network: { ip: '198.51.100.9', device_id: 'd-82' },
        payment_method: { type: 'card', card: { number: '5555555555554444', exp_month: 1, exp_year: 2031 } },
      }),
    )
    expect(res.status).toBe(201)
    const untokened = (await (await t.get('/v1/payment-methods?customer_id=c-82')).json()) as Listed
    expect(untokened.payment_methods).toEqual([])
  })

  it('asks for exactly one of customer_id, ani or email, naming the field', async () => {
    const none = await t.get('/v1/payment-methods')
    expect(none.status).toBe(422)
    expect(JSON.stringify(await none.json())).toContain('/customer_id')
    const two = await t.get('/v1/payment-methods?customer_id=c-81&email=ann%40example.com')
    expect(two.status).toBe(422)
    const badAni = await t.get('/v1/payment-methods?ani=12')
    expect(badAni.status).toBe(422)
    expect(JSON.stringify(await badAni.json())).toContain('/ani')
  })

  it('never shows one tenant’s methods to another, and needs a key', async () => {
    const other = (await (
      await t.get('/v1/payment-methods?customer_id=c-81', { key: t.otherKey })
    ).json()) as Listed
    expect(other.payment_methods).toEqual([])
    expect((await t.app.request('/v1/payment-methods?customer_id=c-81')).status).toBe(401)
  })
})

describe('payment_method: { type: "stored", id }', () => {
  it('decides on the stored card: its fingerprint, BIN and last four are the facts', async () => {
    const res = await t.post(
      '/v1/authorizations',
      purchase({ payment_method: { type: 'stored', id: methodId } }),
    )
    expect(res.status).toBe(201)
    const decision = (await res.json()) as { id: string; outcome: string }
    const row = await t.db
      .selectFrom('decisions')
      .select(['request'])
      .where('tenant_id', '=', 'acme')
      .where('id', '=', decision.id)
      .executeTakeFirstOrThrow()
    const request = row.request as {
      payment_method: { type: string; stored_id: string; card: Record<string, unknown> }
    }
    const stored = await findStoredMethod(t.db, 'acme', methodId)
    expect(request.payment_method).toMatchObject({
      type: 'card',
      stored_id: methodId,
      card: { bin: '424242', last4: '4242', brand: 'visa', fingerprint: stored?.fingerprint },
    })
    // the same card, so no second stored method
    const methods = await t.db
      .selectFrom('payment_methods')
      .select('id')
      .where('tenant_id', '=', 'acme')
      .execute()
    expect(methods.map((m) => m.id)).toContain(methodId)
    expect(methods.filter((m) => m.id === methodId)).toHaveLength(1)
  })

  it('charges it through its token, with the gateway that issued it', async () => {
    const stored = await findStoredMethod(t.db, 'acme', methodId)
    expect(stored && storedMethodSource(stored)).toEqual({
      gateway: 'sandbox',
      source: { type: 'token', token },
    })
  })

  it('refuses another tenant’s method id, naming the field', async () => {
    const res = await t.post(
      '/v1/authorizations',
      purchase({ payment_method: { type: 'stored', id: methodId } }),
      {
        key: t.otherKey,
      },
    )
    expect(res.status).toBe(422)
    const problem = (await res.json()) as { errors: { pointer: string; message: string }[] }
    expect(problem.errors).toEqual([
      expect.objectContaining({
        pointer: '/payment_method/id',
        message: 'is not one of your stored payment methods',
      }),
    ])
    expect(await findStoredMethod(t.db, 'globex', methodId)).toBeUndefined()
  })

  it('refuses a stored method without an id, an id with a card, and a card number beside a stored id', async () => {
    const noId = await t.post('/v1/authorizations', purchase({ payment_method: { type: 'stored' } }))
    expect(noId.status).toBe(422)
    expect(JSON.stringify(await noId.json())).toContain('/payment_method/id')
    const idWithCard = await t.post(
      '/v1/authorizations',
      purchase({
        payment_method: {
          type: 'card',
          id: methodId,
          card: { number: '4242424242424242', exp_month: 12, exp_year: 2030 },
        },
      }),
    )
    expect(idWithCard.status).toBe(422)
    expect(JSON.stringify(await idWithCard.json())).toContain('is only sent with type stored')
    const both = await t.post(
      '/v1/authorizations',
      purchase({
        payment_method: {
          type: 'stored',
          id: methodId,
          card: { number: '4242424242424242', exp_month: 12, exp_year: 2030 },
        },
      }),
    )
    expect(both.status).toBe(422)
    expect(JSON.stringify(await both.json())).toContain('/payment_method/card')
  })
})

// The merchant API's offers: GET /v1/offers/{id}, POST /v1/offers/{id}/accept and /decline, over the
// service graph's ledger. Happy paths, the errors (expired, resolved, bad bodies, a reused key) as
// problem+json naming the field, and the security cases (another tenant's offer, no key).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { OfferMade } from '../../server/offers/types.ts'
import { reserveRequest, seedCustomer, seedOffer, seedTreatment } from '../offers/support.ts'
import { purchase, startTestApp, type TestApp } from '../support/app.ts'

let t: TestApp
let clock = new Date('2026-12-07T12:00:00Z')

beforeAll(async () => {
  t = await startTestApp({ clock: () => clock })
})
afterAll(() => t.close())

async function offerMade(
  options: { reservationSeconds?: number } = {},
): Promise<OfferMade & { offerId: string }> {
  const offerId = await seedOffer(t.db, 'acme', { price: 1999, onHand: 5, ...options })
  const treatmentId = await seedTreatment(t.db, 'acme', offerId)
  const customer = await seedCustomer(t.db, 'acme')
  const outcome = await t.services.offers.reserve(
    reserveRequest('acme', offerId, customer, clock, { treatmentId }),
  )
  if (!outcome.made) throw new Error(outcome.message)
  return { ...outcome.offer, offerId }
}

async function problem(res: Response, status: number) {
  expect(res.status).toBe(status)
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  return (await res.json()) as { type: string; detail?: string; errors?: { field: string }[] }
}

describe('GET /v1/offers/{id}', () => {
  it('shows the offer made: amounts in minor units, treatment, why, status — no token, no card number', async () => {
    const offer = await offerMade()
    const res = await t.get(`/v1/offers/${offer.id}`)
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(text).not.toContain('tok_sandbox')
    expect(text).not.toContain('4242424242424242')
    expect(JSON.parse(text)).toMatchObject({
      id: offer.id,
      status: 'presented',
      channel: 'web',
      price: 1999,
      discount: 0,
      amount: 1999,
      currency: 'USD',
      payment_id: offer.payment_id,
      treatment: { channel: 'web', text: 'Add thirty minutes for $15' },
      why: { rule: 'upsell-readings', weight: 1 },
      order: null,
      resolved_at: null,
    })
  })
})

describe('POST /v1/offers/{id}/accept', () => {
  it('accepts: the order, the hold captured; again returns the same order', async () => {
    const offer = await offerMade()
    const res = await t.post(`/v1/offers/${offer.id}/accept`, {}, { idempotencyKey: `accept-${offer.id}` })
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      status: string
      order: { id: string; amount: number; channel: string }
    }
    expect(body).toMatchObject({ status: 'accepted', order: { amount: 1999, channel: 'web' } })
    const payment = await t.services.payments.get('acme', offer.payment_id ?? '')
    expect(payment).toMatchObject({ status: 'captured', amount_captured: 1999 })

    // a retry with no body at all, as curl -X POST sends it
    const again = await t.app.request(`/v1/offers/${offer.id}/accept`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.key}`, 'idempotency-key': `accept-${offer.id}` },
    })
    expect(again.status).toBe(200)
    expect(((await again.json()) as typeof body).order.id).toBe(body.order.id)
    const stock = await t.db
      .selectFrom('offers')
      .select(['stock_on_hand', 'stock_reserved'])
      .where('tenant_id', '=', 'acme')
      .where('id', '=', offer.offerId)
      .executeTakeFirstOrThrow()
    expect(stock).toEqual({ stock_on_hand: 4, stock_reserved: 0 })
  })

  it('takes the channel the customer answered on', async () => {
    const offer = await offerMade()
    const res = await t.post(`/v1/offers/${offer.id}/accept`, { channel: 'phone' })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ channel: 'web', order: { channel: 'phone' } })
  })

  it('refuses an Idempotency-Key already used to accept another offer', async () => {
    const first = await offerMade()
    const second = await offerMade()
    expect((await t.post(`/v1/offers/${first.id}/accept`, {}, { idempotencyKey: 'shared-key' })).status).toBe(
      200,
    )
    const body = await problem(
      await t.post(`/v1/offers/${second.id}/accept`, {}, { idempotencyKey: 'shared-key' }),
      422,
    )
    expect(body.type).toBe('urn:tollgate:problem:idempotency_key_reused')
    expect((await (await t.get(`/v1/offers/${second.id}`)).json()) as { status: string }).toMatchObject({
      status: 'presented',
    })
  })

  it('refuses an expired offer with offer_expired, and nothing is captured', async () => {
    const offer = await offerMade({ reservationSeconds: 30 })
    clock = new Date(clock.getTime() + 31_000)
    const body = await problem(await t.post(`/v1/offers/${offer.id}/accept`, {}), 409)
    expect(body.type).toBe('urn:tollgate:problem:offer_expired')
    expect(await t.services.payments.get('acme', offer.payment_id ?? '')).toMatchObject({
      status: 'voided',
      amount_captured: 0,
    })
    expect((await (await t.get(`/v1/offers/${offer.id}`)).json()) as { status: string }).toMatchObject({
      status: 'expired',
    })
  })

  it('names the field of a bad body', async () => {
    const offer = await offerMade()
    const fax = await problem(await t.post(`/v1/offers/${offer.id}/accept`, { channel: 'fax' }), 422)
    expect(fax.errors?.map((e) => e.field)).toEqual(['channel'])
    const extra = await problem(
      await t.post(`/v1/offers/${offer.id}/accept`, { card_number: '4242424242424242' }),
      422,
    )
    expect(extra.errors?.map((e) => e.field)).toEqual(['card_number'])
    expect(JSON.stringify(extra)).not.toContain('4242424242424242')
    const res = await t.app.request(`/v1/offers/${offer.id}/accept`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.key}`, 'content-type': 'text/plain' },
      body: 'yes',
    })
    await problem(res, 415)
    const bad = await problem(
      await t.post(`/v1/offers/${offer.id}/accept`, {}, { idempotencyKey: 'has space' }),
      422,
    )
    expect(bad.errors?.map((e) => e.field)).toEqual(['idempotency-key'])
    expect((await (await t.get(`/v1/offers/${offer.id}`)).json()) as { status: string }).toMatchObject({
      status: 'presented',
    })
  })
})

describe('POST /v1/offers/{id}/decline', () => {
  it('declines: the hold voided, the stock back; accepting afterwards is offer_resolved', async () => {
    const offer = await offerMade()
    const res = await t.post(`/v1/offers/${offer.id}/decline`, {})
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'declined', order: null })
    expect(await t.services.payments.get('acme', offer.payment_id ?? '')).toMatchObject({ status: 'voided' })
    expect((await t.post(`/v1/offers/${offer.id}/decline`, {})).status).toBe(200)
    const body = await problem(await t.post(`/v1/offers/${offer.id}/accept`, {}), 409)
    expect(body.type).toBe('urn:tollgate:problem:offer_resolved')
  })
})

describe('an offer made in a purchase’s decision', () => {
  it('holds its price apart: the purchase’s capture takes the purchase’s hold, never the offer’s', async () => {
    const res = await t.post('/v1/authorizations', purchase())
    expect(res.status).toBe(201)
    const decision = (await res.json()) as { id: string; outcome: string; payment: { id: string } | null }
    expect(decision.outcome).toBe('approve')
    const offerId = await seedOffer(t.db, 'acme', { price: 700 })
    const customer = await seedCustomer(t.db, 'acme')
    const outcome = await t.services.offers.reserve(
      reserveRequest('acme', offerId, customer, clock, { decisionId: decision.id }),
    )
    if (!outcome.made) throw new Error(outcome.message)
    const captured = await t.post(`/v1/authorizations/${decision.id}/capture`, {})
    expect(captured.status).toBe(200)
    const body = (await captured.json()) as { payment: { id: string; amount_captured: number } }
    expect(body.payment.id).not.toBe(outcome.offer.payment_id)
    expect(body.payment.amount_captured).toBe(2500)
    expect(await t.services.payments.get('acme', outcome.offer.payment_id ?? '')).toMatchObject({
      status: 'authorized',
      amount_authorized: 700,
    })
    const presentation = await t.db
      .selectFrom('offer_presentations')
      .select('decision_id')
      .where('tenant_id', '=', 'acme')
      .where('id', '=', outcome.offer.id)
      .executeTakeFirstOrThrow()
    expect(presentation.decision_id).toBe(decision.id)
  })
})

describe('security', () => {
  it('another tenant’s key finds nothing and changes nothing', async () => {
    const offer = await offerMade()
    await problem(await t.get(`/v1/offers/${offer.id}`, { key: t.otherKey }), 404)
    await problem(await t.post(`/v1/offers/${offer.id}/accept`, {}, { key: t.otherKey }), 404)
    await problem(await t.post(`/v1/offers/${offer.id}/decline`, {}, { key: t.otherKey }), 404)
    expect((await (await t.get(`/v1/offers/${offer.id}`)).json()) as { status: string }).toMatchObject({
      status: 'presented',
    })
    expect(await t.services.payments.get('acme', offer.payment_id ?? '')).toMatchObject({
      status: 'authorized',
    })
  })

  it('asks for a key, and refuses an unknown one', async () => {
    const offer = await offerMade()
    const none = await t.app.request(`/v1/offers/${offer.id}/accept`, { method: 'POST' })
    await problem(none, 401)
    await problem(await t.get(`/v1/offers/${offer.id}`, { key: 'tg_acme_not-a-real-key' }), 401)
    await problem(await t.post(`/v1/offers/${offer.id}/accept`, {}, { key: 'tg_acme_not-a-real-key' }), 401)
    expect(await t.services.payments.get('acme', offer.payment_id ?? '')).toMatchObject({
      status: 'authorized',
    })
  })

  it('an id never made is 404', async () => {
    await problem(await t.get('/v1/offers/ofr_nothing'), 404)
    await problem(await t.post('/v1/offers/ofr_nothing/accept', {}), 404)
  })
})

describe('the OpenAPI document', () => {
  it('describes the offers’ routes', async () => {
    const doc = (await (await t.app.request('/v1/openapi.json')).json()) as {
      paths: Record<string, Record<string, { description?: string; responses: Record<string, unknown> }>>
    }
    expect(doc.paths['/v1/offers/{id}/accept']?.post?.description).toContain('Captures the offer’s hold')
    expect(Object.keys(doc.paths['/v1/offers/{id}/accept']?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '401', '404', '409', '422']),
    )
    expect(doc.paths['/v1/offers/{id}/decline']?.post).toBeDefined()
    expect(doc.paths['/v1/offers/{id}']?.get).toBeDefined()
  })
})

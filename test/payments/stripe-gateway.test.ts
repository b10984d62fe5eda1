// The Stripe adapter through the official stripe package, against the local stand-in that checks every
// request against Stripe's published OpenAPI description (test/support/stripe-stand-in.ts): each
// operation, every decline, idempotent retries that move no money twice, and an answer that never
// comes turning into GatewayUnavailable — with the retry learning what Stripe did.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { GatewayUnavailable, type PaymentSource } from '../../server/payments/port.ts'
import { StripeGateway } from '../../server/payments/stripe-gateway.ts'
import {
  checkValue,
  parseForm,
  type StripeStandIn,
  startStripeStandIn,
  stripeSubset,
} from '../support/stripe-stand-in.ts'

let standIn: StripeStandIn
let gateway: StripeGateway
let keyCounter = 0
const key = (what: string) => `op_test_${what}_${++keyCounter}`

const card = (number: string): PaymentSource => ({
  type: 'card',
  card: { number, exp_month: 12, exp_year: 2034, cvc: '123', holder_name: 'Ann Lee' },
  billing_address: { line1: '12 Main St', postal_code: '94107', country: 'US' },
})

const hold = (number: string, amount = 5000, idempotencyKey = key('hold')) =>
  gateway.authorize({
    idempotencyKey,
    amount,
    currency: 'USD',
    source: card(number),
    description: 'Advice line session',
  })

function succeeded<T extends { status: string }>(answer: T): Extract<T, { status: 'succeeded' }> {
  if (answer.status !== 'succeeded') throw new Error(`expected success, got ${JSON.stringify(answer)}`)
  return answer as Extract<T, { status: 'succeeded' }>
}

beforeAll(async () => {
  standIn = await startStripeStandIn()
  gateway = new StripeGateway('sk_test_51TollgateStandInKey', {
    host: standIn.host,
    port: standIn.port,
    protocol: 'http',
    timeoutMs: 2000,
    maxNetworkRetries: 0,
  })
})
afterEach(() => {
  // no call the adapter made may break Stripe's published description
  expect(standIn.violations).toEqual([])
})
afterAll(() => standIn.close())

describe('the stand-in checks requests against the published description', () => {
  it('names its source', () => {
    expect(stripeSubset['x-source']).toMatchObject({
      repository: 'https://github.com/stripe/openapi',
      api_version: '2023-08-16',
    })
  })

  it('parses Stripe’s form encoding and refuses undocumented or mistyped fields', () => {
    const form = parseForm(
      'amount=500&payment_method_options[card][request_incremental_authorization]=if_available&expand[0]=latest_charge',
    )
    expect(form).toEqual({
      amount: '500',
      payment_method_options: { card: { request_incremental_authorization: 'if_available' } },
      expand: ['latest_charge'],
    })
    const schema =
      stripeSubset.paths['/v1/payment_intents']?.post?.requestBody?.content[
        'application/x-www-form-urlencoded'
      ].schema
    if (!schema) throw new Error('subset lacks PostPaymentIntents')
    expect(checkValue(schema, { amount: '500', currency: 'usd' }, 'body')).toEqual([])
    expect(checkValue(schema, { currency: 'usd' }, 'body')).toEqual(['body[amount]: is required'])
    expect(checkValue(schema, { amount: 'five', currency: 'usd' }, 'body')).toEqual([
      'body[amount]: must be an integer',
    ])
    expect(checkValue(schema, { amount: '5', currency: 'usd', amount_to_capture: '5' }, 'body')).toEqual([
      'body[amount_to_capture]: is not a documented parameter',
    ])
    expect(
      checkValue(schema, { amount: '5', currency: 'usd', capture_method: 'later' }, 'body'),
    ).toHaveLength(1)
    expect(
      checkValue(schema, { amount: '5', currency: 'usd', metadata: { tollgate_key: 'pop_1' } }, 'body'),
    ).toEqual([])
    expect(
      checkValue(
        schema,
        { amount: '5', currency: 'usd', payment_method_options: { card: { installments_x: '1' } } },
        'body',
      ),
    ).toEqual(['body[payment_method_options][card][installments_x]: is not a documented parameter'])
  })

  it('refuses a POST without an Idempotency-Key, as a violation', async () => {
    const res = await fetch(`http://${standIn.host}:${standIn.port}/v1/refunds`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_test_x1', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'payment_intent=pi_1&amount=5',
    })
    expect(res.status).toBe(400)
    expect(standIn.violations).toEqual(['PostRefunds Idempotency-Key: Tollgate sends one with every POST'])
    standIn.violations.length = 0
  })
})

describe('holds, captures, voids, refunds and increments', () => {
  it('places a hold: a manual-capture PaymentIntent confirmed at once, with a reusable token', async () => {
    const answer = succeeded(await hold('4242424242424242', 5000))
    expect(answer).toMatchObject({ amount_authorized: 5000, amount_captured: 0, amount_refunded: 0 })
    expect(answer.reference).toMatch(/^pi_/)
    expect(answer.token).toMatch(/^cus_\w+\/pm_\w+$/)
    expect(answer.expires_at?.getTime()).toBeGreaterThan(Date.now() + 6 * 24 * 3600 * 1000)
    const create = standIn.requests.findLast((r) => r.operationId === 'PostPaymentIntents')
    expect(create?.form).toMatchObject({
      amount: '5000',
      currency: 'usd',
      capture_method: 'manual',
      confirm: 'true',
      payment_method_options: { card: { request_incremental_authorization: 'if_available' } },
      metadata: { tollgate_key: expect.stringMatching(/^op_test_hold_/) },
    })
    // the card number went to Stripe once, to make the PaymentMethod, and nowhere else
    const withNumber = standIn.requests.filter((r) => JSON.stringify(r.form).includes('4242424242424242'))
    expect(withNumber.map((r) => r.operationId)).toEqual(['PostPaymentMethods'])
    // each step has its own key derived from the operation's
    const keys = standIn.requests.slice(-3).map((r) => r.idempotencyKey)
    expect(keys[0]).toMatch(/:payment_method$/)
    expect(keys[1]).toMatch(/:customer$/)
    expect(keys[2]).toMatch(/^op_test_hold_\d+$/)
  })

  it('captures part of a hold (the rest released) and refunds part of the capture', async () => {
    const held = succeeded(await hold('4242424242424242', 5000))
    const captured = succeeded(
      await gateway.capture({ idempotencyKey: key('capture'), reference: held.reference, amount: 3120 }),
    )
    expect(captured).toMatchObject({
      amount_authorized: 5000,
      amount_captured: 3120,
      amount_refunded: 0,
      expires_at: null,
    })
    expect(
      standIn.requests.findLast((r) => r.operationId === 'PostPaymentIntentsIntentCapture')?.form,
    ).toEqual({
      amount_to_capture: '3120',
    })
    const refunded = succeeded(
      await gateway.refund({ idempotencyKey: key('refund'), reference: held.reference, amount: 1000 }),
    )
    expect(refunded).toMatchObject({ amount_captured: 3120, amount_refunded: 1000 })
    const again = succeeded(
      await gateway.refund({ idempotencyKey: key('refund'), reference: held.reference, amount: 2120 }),
    )
    expect(again.amount_refunded).toBe(3120)
  })

  it('voids a hold in full', async () => {
    const held = succeeded(await hold('4242424242424242', 2500))
    const voided = succeeded(await gateway.void({ idempotencyKey: key('void'), reference: held.reference }))
    expect(voided).toMatchObject({ amount_captured: 0, expires_at: null })
    expect(standIn.intent(held.reference)).toMatchObject({ status: 'canceled', amount_capturable: 0 })
  })

  it('raises an open hold with incremental authorization, and says not_supported where the card does not offer it', async () => {
    const held = succeeded(await hold('4242424242424242', 4000))
    const raised = succeeded(
      await gateway.increment({ idempotencyKey: key('inc'), reference: held.reference, amount: 6500 }),
    )
    expect(raised).toMatchObject({ amount_authorized: 6500, amount_captured: 0 })
    const plain = succeeded(await hold('4000000000000077', 4000))
    const refused = await gateway.increment({
      idempotencyKey: key('inc'),
      reference: plain.reference,
      amount: 6500,
    })
    expect(refused).toMatchObject({ status: 'declined', code: 'not_supported' })
  })

  it('charges at once with automatic capture', async () => {
    const charged = succeeded(
      await gateway.charge({
        idempotencyKey: key('charge'),
        amount: 1999,
        currency: 'EUR',
        source: card('4242424242424242'),
        description: 'Purchase',
      }),
    )
    expect(charged).toMatchObject({ amount_authorized: 1999, amount_captured: 1999, expires_at: null })
    expect(standIn.requests.findLast((r) => r.operationId === 'PostPaymentIntents')?.form).toMatchObject({
      capture_method: 'automatic',
      currency: 'eur',
    })
  })

  it('charges a stored method again through its token, off session, without the number', async () => {
    const first = succeeded(await hold('4242424242424242', 1500))
    const before = standIn.counts().paymentMethods
    const again = succeeded(
      await gateway.authorize({
        idempotencyKey: key('stored'),
        amount: 2200,
        currency: 'USD',
        source: { type: 'token', token: first.token ?? '' },
        description: 'Returning caller',
      }),
    )
    expect(again.amount_authorized).toBe(2200)
    expect(again.token).toBe(first.token)
    expect(standIn.counts().paymentMethods).toBe(before)
    const [customer, method] = (first.token ?? '').split('/')
    expect(standIn.requests.at(-1)?.form).toMatchObject({
      customer,
      payment_method: method,
      off_session: 'true',
    })
  })

  it('declines checking / EFT as not supported through Stripe, without calling it', async () => {
    const count = standIn.requests.length
    const answer = await gateway.charge({
      idempotencyKey: key('eft'),
      amount: 1000,
      currency: 'USD',
      source: {
        type: 'bank_account',
        routing_number: '011000015',
        account_number: '000123456789',
        holder_name: null,
      },
      description: 'EFT',
    })
    expect(answer).toMatchObject({ status: 'declined', code: 'not_supported' })
    expect(standIn.requests.length).toBe(count)
  })
})

describe('declines', () => {
  it.each([
    ['4000000000000002', 'generic_decline'],
    ['4000000000009995', 'insufficient_funds'],
    ['4000000000000127', 'incorrect_cvc'],
    ['4000000000000036', 'incorrect_zip'],
    ['4000000000000069', 'expired_card'],
    ['4000000000000119', 'processing_error'],
  ])('card %s is declined as %s', async (number, code) => {
    const answer = await hold(number)
    expect(answer.status).toBe('declined')
    if (answer.status !== 'declined') return
    expect(answer.code).toBe(code)
    expect(answer.message.length).toBeGreaterThan(0)
    expect(answer.reference).toMatch(/^pi_/)
  })

  it('refuses to capture more than is held, and a hold that lapsed is authorization_expired', async () => {
    const held = succeeded(await hold('4242424242424242', 1000))
    const tooMuch = await gateway.capture({
      idempotencyKey: key('capture'),
      reference: held.reference,
      amount: 1001,
    })
    expect(tooMuch).toMatchObject({ status: 'declined', code: 'amount_too_large' })
    standIn.expire(held.reference)
    const late = await gateway.capture({
      idempotencyKey: key('capture'),
      reference: held.reference,
      amount: 500,
    })
    expect(late).toMatchObject({ status: 'declined', code: 'authorization_expired' })
  })
})

describe('idempotency and lost answers', () => {
  it('a retried hold with the same key gets the first answer and places no second hold', async () => {
    const idempotencyKey = key('retry')
    const before = standIn.counts()
    const first = succeeded(await hold('4242424242424242', 3000, idempotencyKey))
    const second = succeeded(await hold('4242424242424242', 3000, idempotencyKey))
    expect(second.reference).toBe(first.reference)
    expect(second.token).toBe(first.token)
    expect(standIn.counts().paymentIntents).toBe(before.paymentIntents + 1)
    expect(standIn.counts().customers).toBe(before.customers + 1)
    expect(standIn.requests.slice(-3).every((r) => r.replayed)).toBe(true)
  })

  it('retried capture, void, refund and increment move nothing twice', async () => {
    const held = succeeded(await hold('4242424242424242', 5000))
    const incKey = key('inc')
    await gateway.increment({ idempotencyKey: incKey, reference: held.reference, amount: 6000 })
    expect(
      succeeded(await gateway.increment({ idempotencyKey: incKey, reference: held.reference, amount: 6000 }))
        .amount_authorized,
    ).toBe(6000)
    const captureKey = key('capture')
    await gateway.capture({ idempotencyKey: captureKey, reference: held.reference, amount: 4000 })
    const replayed = succeeded(
      await gateway.capture({ idempotencyKey: captureKey, reference: held.reference, amount: 4000 }),
    )
    expect(replayed.amount_captured).toBe(4000)
    const refundKey = key('refund')
    const refunds = standIn.counts().refunds
    await gateway.refund({ idempotencyKey: refundKey, reference: held.reference, amount: 500 })
    const refundAgain = succeeded(
      await gateway.refund({ idempotencyKey: refundKey, reference: held.reference, amount: 500 }),
    )
    expect(refundAgain.amount_refunded).toBe(500)
    expect(standIn.counts().refunds).toBe(refunds + 1)

    const other = succeeded(await hold('4242424242424242', 700))
    const voidKey = key('void')
    await gateway.void({ idempotencyKey: voidKey, reference: other.reference })
    expect(
      succeeded(await gateway.void({ idempotencyKey: voidKey, reference: other.reference })).reference,
    ).toBe(other.reference)
  })

  it('an answer that never comes is GatewayUnavailable; the retry with the same key learns the hold Stripe placed', async () => {
    const slow = new StripeGateway('sk_test_51TollgateStandInKey', {
      host: standIn.host,
      port: standIn.port,
      protocol: 'http',
      timeoutMs: 300,
      maxNetworkRetries: 0,
    })
    const idempotencyKey = key('lost')
    const call = {
      idempotencyKey,
      amount: 4200,
      currency: 'USD',
      source: card('4242424242424242'),
      description: 'Lost answer',
    }
    const before = standIn.counts().paymentIntents
    standIn.hangNext('PostPaymentIntents')
    await expect(slow.authorize(call)).rejects.toBeInstanceOf(GatewayUnavailable)
    expect(standIn.counts().paymentIntents).toBe(before + 1)
    const learned = succeeded(await slow.authorize(call))
    expect(learned.amount_authorized).toBe(4200)
    expect(standIn.counts().paymentIntents).toBe(before + 1)
    expect(standIn.requests.at(-1)?.replayed).toBe(true)
  })

  it('find() learns a lost hold by the key in its metadata, without the card number', async () => {
    const idempotencyKey = key('found')
    standIn.hangNext('PostPaymentIntents')
    const slow = new StripeGateway('sk_test_51TollgateStandInKey', {
      host: standIn.host,
      port: standIn.port,
      protocol: 'http',
      timeoutMs: 300,
      maxNetworkRetries: 0,
    })
    await expect(
      slow.authorize({
        idempotencyKey,
        amount: 3300,
        currency: 'USD',
        source: card('4242424242424242'),
        description: 'x',
      }),
    ).rejects.toBeInstanceOf(GatewayUnavailable)
    const found = succeeded((await gateway.find({ idempotencyKey })) ?? { status: 'missing' })
    expect(found).toMatchObject({ amount_authorized: 3300, amount_captured: 0 })
    expect(found.token).toMatch(/^cus_\w+\/pm_\w+$/)
    expect(standIn.requests.at(-1)).toMatchObject({
      operationId: 'GetPaymentIntentsSearch',
      idempotencyKey: null,
    })
  })

  it('find() reports a declined hold as declined, and one Stripe’s search does not show (yet) as still unknown', async () => {
    const idempotencyKey = key('declined')
    await hold('4000000000009995', 1000, idempotencyKey)
    expect(await gateway.find({ idempotencyKey })).toMatchObject({
      status: 'declined',
      code: 'insufficient_funds',
    })
    await expect(gateway.find({ idempotencyKey: key('never-sent') })).rejects.toBeInstanceOf(
      GatewayUnavailable,
    )
  })

  it('a 500 from Stripe is GatewayUnavailable and the retry goes through once', async () => {
    const held = succeeded(await hold('4242424242424242', 900))
    const call = { idempotencyKey: key('capture'), reference: held.reference, amount: 900 }
    standIn.failNext('PostPaymentIntentsIntentCapture')
    await expect(gateway.capture(call)).rejects.toBeInstanceOf(GatewayUnavailable)
    expect(succeeded(await gateway.capture(call)).amount_captured).toBe(900)
  })

  it('a connection refused is GatewayUnavailable', async () => {
    const nowhere = new StripeGateway('sk_test_51TollgateStandInKey', {
      host: '127.0.0.1',
      port: 1,
      protocol: 'http',
      timeoutMs: 500,
      maxNetworkRetries: 0,
    })
    await expect(
      nowhere.capture({ idempotencyKey: key('capture'), reference: 'pi_x', amount: 1 }),
    ).rejects.toBeInstanceOf(GatewayUnavailable)
  })

  it('a wrong secret key is GatewayUnavailable, so the payment waits for staff to fix it', async () => {
    const wrong = new StripeGateway('not_a_key', {
      host: standIn.host,
      port: standIn.port,
      protocol: 'http',
      maxNetworkRetries: 0,
    })
    await expect(
      wrong.capture({ idempotencyKey: key('capture'), reference: 'pi_x', amount: 1 }),
    ).rejects.toBeInstanceOf(GatewayUnavailable)
    expect(standIn.violations).toEqual(['PostPaymentIntentsIntentCapture: no secret key sent'])
    standIn.violations.length = 0
  })
})

describe('the stand-in answers in the documented shapes', () => {
  it('every object it returned has the fields Stripe’s description requires', async () => {
    const held = succeeded(await hold('4242424242424242', 1200))
    const intent = standIn.intent(held.reference) ?? {}
    for (const field of stripeSubset.components.schemas.payment_intent?.required ?? [])
      expect(intent).toHaveProperty(field)
    const res = await fetch(`http://${standIn.host}:${standIn.port}/v1/customers`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer sk_test_x1',
        'content-type': 'application/x-www-form-urlencoded',
        'idempotency-key': key('customer'),
      },
      body: 'description=Shape',
    })
    const customer = (await res.json()) as Record<string, unknown>
    for (const field of stripeSubset.components.schemas.customer?.required ?? [])
      expect(customer).toHaveProperty(field)
  })
})

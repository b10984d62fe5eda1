// End to end through the service graph: a tenant that switched Stripe on in its billing settings
// has its holds, captures, refunds and declines go through the Stripe adapter (to the stand-in), booked
// on the ledger like the sandbox's; a hold whose answer was lost is found by the reconciler and
// released exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../server/logging.ts'
import { saveBillingSettings } from '../../server/payments/billing-settings.ts'
import { PaymentReconciler } from '../../server/payments/reconciler.ts'
import { createServices, type Services } from '../../server/services.ts'
import { TEST_SECRET } from '../support/app.ts'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'
import { card, unbalanced } from '../support/money.ts'
import { type StripeStandIn, startStripeStandIn } from '../support/stripe-stand-in.ts'

let database: TestDatabase
let standIn: StripeStandIn
let services: Services
const tenantId = 'acme'

beforeAll(async () => {
  standIn = await startStripeStandIn()
  database = await createTestDatabase()
  services = createServices({
    db: database.db,
    secret: TEST_SECRET,
    logger: createLogger('silent'),
    stripe: {
      host: standIn.host,
      port: standIn.port,
      protocol: 'http',
      timeoutMs: 500,
      maxNetworkRetries: 0,
    },
  })
  await saveBillingSettings(
    database.db,
    tenantId,
    {
      gateway: 'stripe',
      secret: 'sk_test_51TollgateStandInKey',
      gateway_account: null,
      settlement: 'capture_and_release',
      heartbeat_timeout_seconds: 90,
    },
    TEST_SECRET,
    null,
  )
})
afterAll(async () => {
  expect(standIn.violations).toEqual([])
  await standIn.close()
  await database.close()
})

describe('Payments through Stripe', () => {
  it('holds, captures part and refunds part, on Stripe and on the ledger', async () => {
    const held = await services.payments.hold({
      tenantId,
      amount: 5000,
      currency: 'USD',
      source: card('4242424242424242'),
      key: 'ses_stripe1:hold',
    })
    expect(held.payment).toMatchObject({ status: 'authorized', gateway: 'stripe', amount_authorized: 5000 })
    const reference = held.payment.gateway_reference ?? ''
    expect(reference).toMatch(/^pi_/)
    const captured = await services.payments.capture(tenantId, held.payment.id, 3120)
    expect(captured.payment).toMatchObject({ status: 'captured', amount_captured: 3120 })
    expect(standIn.intent(reference)).toMatchObject({ status: 'succeeded', amount_received: 3120 })
    const refunded = await services.payments.refund(tenantId, held.payment.id, 1000)
    expect(refunded.payment.amount_refunded).toBe(1000)
    expect(await unbalanced(database.db, tenantId)).toEqual([])
    // the key each call carried to Stripe is the id of the operation Tollgate wrote down first
    const operations = await services.payments.operations(tenantId, held.payment.id)
    for (const operation of operations)
      expect(standIn.requests.some((r) => r.idempotencyKey === operation.id)).toBe(true)
  })

  it('a Stripe decline fails the payment with the decline code', async () => {
    const declined = await services.payments.hold({
      tenantId,
      amount: 5000,
      currency: 'USD',
      source: card('4000000000009995'),
      key: 'ses_stripe2:hold',
    })
    expect(declined.payment).toMatchObject({ status: 'failed', failure_code: 'insufficient_funds' })
  })

  it('a stored method is charged again through its Stripe token', async () => {
    const first = await services.payments.hold({
      tenantId,
      amount: 1200,
      currency: 'USD',
      source: card('4242424242424242'),
      key: 'ses_stripe3:hold',
    })
    expect(first.payment.status).toBe('authorized')
    const intent = standIn.intent(first.payment.gateway_reference ?? '') as {
      customer: string
      payment_method: string
    }
    expect(intent.customer).toMatch(/^cus_/)
    // the token Payments keeps on the payment method (rememberToken) after this hold
    const again = await services.payments.hold({
      tenantId,
      amount: 800,
      currency: 'USD',
      source: { type: 'token', token: `${intent.customer}/${intent.payment_method}` },
      key: 'ses_stripe4:hold',
    })
    expect(again.payment).toMatchObject({ status: 'authorized', amount_authorized: 800 })
    expect(standIn.requests.at(-1)?.form).toMatchObject({
      off_session: 'true',
      payment_method: intent.payment_method,
    })
  })

  it('a hold whose answer was lost is unknown, then found by the reconciler and released exactly once', async () => {
    standIn.hangNext('PostPaymentIntents')
    const lost = await services.payments.hold({
      tenantId,
      amount: 4400,
      currency: 'USD',
      source: card('4242424242424242'),
      key: 'ses_stripe5:hold',
    })
    expect(lost.payment.status).toBe('unknown')
    const reconciler = new PaymentReconciler({
      db: database.db,
      payments: services.payments,
      logger: createLogger('silent'),
    })
    const later = new Date(Date.now() + 3600_000)
    for (let sweep = 0; sweep < 5; sweep++)
      await reconciler.sweep(new Date(later.getTime() + sweep * 3600_000))
    const settled = await services.payments.get(tenantId, lost.payment.id)
    expect(settled?.status).toBe('voided')
    const reference = settled?.gateway_reference ?? ''
    expect(standIn.intent(reference)).toMatchObject({ status: 'canceled', amount_capturable: 0 })
    const cancels = standIn.requests.filter(
      (r) => r.operationId === 'PostPaymentIntentsIntentCancel' && !r.replayed,
    )
    expect(cancels.filter((r) => r.path.includes(reference))).toHaveLength(1)
    expect(await unbalanced(database.db, tenantId)).toEqual([])
  })
})

// /admin/v1/billing-settings and the per-tenant gateway resolver: the sandbox until an admin switches
// Stripe on with a key; the key is stored sealed, never shown (only its last four), and every change
// is audited without it; another tenant's settings are its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findBillingSettingsRow, viewBillingSettings } from '../../server/payments/billing-settings.ts'
import { gatewayResolver } from '../../server/payments/gateways.ts'
import { GatewayUnavailable, type MoneyGateway } from '../../server/payments/port.ts'
import { startTestApp, TEST_SECRET, type TestApp } from '../support/app.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'

let t: TestApp
let admin: StaffClient
let publisher: StaffClient
let otherAdmin: StaffClient

const stripeKey = 'sk_test_51TollgateExampleKey9Zq4'

/** the resolver only hands the sandbox back, so a gateway that is never called will do */
const sandbox: MoneyGateway = {
  name: 'sandbox',
  incrementalAuthorization: true,
  authorize: () => Promise.reject(new Error('not called')),
  capture: () => Promise.reject(new Error('not called')),
  void: () => Promise.reject(new Error('not called')),
  refund: () => Promise.reject(new Error('not called')),
  charge: () => Promise.reject(new Error('not called')),
  increment: () => Promise.reject(new Error('not called')),
}

beforeAll(async () => {
  t = await startTestApp()
  admin = await staffClient(t, 'acme', 'admin')
  publisher = await staffClient(t, 'acme', 'publisher')
  otherAdmin = await staffClient(t, 'globex', 'admin')
})
afterAll(() => t.close())

describe('billing settings', () => {
  it('reads the defaults before anything is saved: the sandbox, capture and release, 90 s', async () => {
    const res = await admin.request('GET', '/admin/v1/billing-settings')
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({
      gateway: 'sandbox',
      secret_set: false,
      secret_last4: null,
      settlement: 'capture_and_release',
      heartbeat_timeout_seconds: 90,
      updated_at: null,
    })
  })

  it('refuses Stripe without a key, naming the field', async () => {
    const res = await admin.request('PUT', '/admin/v1/billing-settings', { gateway: 'stripe' })
    expect(res.status).toBe(422)
    const problem = (await res.json()) as { errors: { pointer: string }[] }
    expect(problem.errors.map((e) => e.pointer)).toContain('/secret')
  })

  it('refuses a key that is not a Stripe secret key, and a bad settlement, naming each field', async () => {
    const bad = await admin.request('PUT', '/admin/v1/billing-settings', {
      gateway: 'stripe',
      secret: 'pk_test_publishable123456',
    })
    expect(bad.status).toBe(422)
    expect(JSON.stringify(await bad.json())).toContain('/secret')
    const mode = await admin.request('PUT', '/admin/v1/billing-settings', {
      gateway: 'sandbox',
      settlement: 'keep_it_all',
      heartbeat_timeout_seconds: 5,
    })
    expect(mode.status).toBe(422)
    const pointers = ((await mode.json()) as { errors: { pointer: string }[] }).errors.map((e) => e.pointer)
    expect(pointers).toEqual(expect.arrayContaining(['/settlement', '/heartbeat_timeout_seconds']))
    expect(await findBillingSettingsRow(t.db, 'acme')).toBeUndefined()
  })

  it('switches Stripe on: the key is sealed, shown only by its last four, and the change is audited without it', async () => {
    const res = await admin.request('PUT', '/admin/v1/billing-settings', {
      gateway: 'stripe',
      secret: stripeKey,
      gateway_account: 'acct_1TollgateDemo',
      settlement: 'credit_difference',
      heartbeat_timeout_seconds: 120,
    })
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body).toMatchObject({
      gateway: 'stripe',
      secret_set: true,
      secret_last4: '9Zq4',
      gateway_account: 'acct_1TollgateDemo',
      settlement: 'credit_difference',
      heartbeat_timeout_seconds: 120,
      updated_by: admin.userId,
    })
    expect(JSON.stringify(body)).not.toContain(stripeKey)
    const again = await admin.request('GET', '/admin/v1/billing-settings')
    expect(JSON.stringify(await again.json())).not.toContain(stripeKey)

    const row = await findBillingSettingsRow(t.db, 'acme')
    expect(row?.gateway_secret_sealed).toBeTruthy()
    expect(row?.gateway_secret_sealed).not.toContain(stripeKey)

    const audit = await t.db
      .selectFrom('audit_log')
      .selectAll()
      .where('tenant_id', '=', 'acme')
      .where('action', '=', 'billing_settings.updated')
      .execute()
    expect(audit).toHaveLength(1)
    expect(audit[0]?.actor_email).toBe(admin.email)
    expect(JSON.stringify(audit[0])).not.toContain(stripeKey)
    expect(audit[0]?.after).toMatchObject({ gateway: 'stripe', secret_set: true })
  })

  it('keeps the stored key when a change leaves it out, and removes it with null', async () => {
    const keep = await admin.request('PUT', '/admin/v1/billing-settings', {
      gateway: 'stripe',
      settlement: 'reverse_and_recharge',
    })
    expect(keep.status).toBe(200)
    expect(await keep.json()).toMatchObject({
      secret_set: true,
      secret_last4: '9Zq4',
      settlement: 'reverse_and_recharge',
    })
    const stillStripe = await admin.request('PUT', '/admin/v1/billing-settings', {
      gateway: 'stripe',
      secret: null,
    })
    expect(stillStripe.status).toBe(422)
    const off = await admin.request('PUT', '/admin/v1/billing-settings', { gateway: 'sandbox', secret: null })
    expect(await off.json()).toMatchObject({ gateway: 'sandbox', secret_set: false, secret_last4: null })
  })

  it('is for admins only, and each tenant sees its own', async () => {
    expect((await publisher.request('GET', '/admin/v1/billing-settings')).status).toBe(403)
    expect(
      (await publisher.request('PUT', '/admin/v1/billing-settings', { gateway: 'sandbox' })).status,
    ).toBe(403)
    await admin.request('PUT', '/admin/v1/billing-settings', { gateway: 'stripe', secret: stripeKey })
    const other = await otherAdmin.request('GET', '/admin/v1/billing-settings')
    expect(await other.json()).toMatchObject({ gateway: 'sandbox', secret_set: false })
  })
})

describe('gatewayFor', () => {
  it('gives the sandbox by default and Stripe once a tenant switches it on, reusing its client', async () => {
    const gatewayFor = gatewayResolver({ db: t.db, secret: TEST_SECRET, sandbox: () => sandbox })
    expect(await gatewayFor('globex')).toBe(sandbox)
    await admin.request('PUT', '/admin/v1/billing-settings', { gateway: 'stripe', secret: stripeKey })
    const stripe = await gatewayFor('acme')
    expect(stripe.name).toBe('stripe')
    expect(stripe.incrementalAuthorization).toBe(true)
    expect(await gatewayFor('acme')).toBe(stripe)
    await admin.request('PUT', '/admin/v1/billing-settings', {
      gateway: 'stripe',
      secret: 'sk_test_AnotherKey12345',
    })
    const renewed = await gatewayFor('acme')
    expect(renewed.name).toBe('stripe')
    expect(renewed).not.toBe(stripe)
    await admin.request('PUT', '/admin/v1/billing-settings', { gateway: 'sandbox' })
    expect(await gatewayFor('acme')).toBe(sandbox)
  })

  it('answers GatewayUnavailable, not a crash, when the key was sealed under another deployment secret', async () => {
    await admin.request('PUT', '/admin/v1/billing-settings', { gateway: 'stripe', secret: stripeKey })
    const gatewayFor = gatewayResolver({
      db: t.db,
      secret: 'a-different-deployment-secret',
      sandbox: () => sandbox,
    })
    await expect(gatewayFor('acme')).rejects.toBeInstanceOf(GatewayUnavailable)
    // and the settings still read: a key is stored, its last four unknown
    const row = await findBillingSettingsRow(t.db, 'acme')
    expect(viewBillingSettings(row, 'a-different-deployment-secret')).toMatchObject({
      secret_set: true,
      secret_last4: null,
    })
  })
})

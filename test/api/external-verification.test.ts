// External verification end to end (figure 10, steps 1014–1016): the demo rule set verifies an
// unknown customer with the credit bureau, a checking payment with the check approval service, an
// unknown caller's line with the ANI database — all through the app's own SANDBOX providers,
// called over real HTTP on 127.0.0.1 by the real client. Requests reaching the sandbox are
// counted at the listening server, so "no call was made" is observed, not assumed.

import type { AddressInfo } from 'node:net'
import { type ServerType, serve } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BacktestRunner } from '../../server/backtests/runner.ts'
import { ProviderRegistry } from '../../server/providers/client.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'
import { authorize, type DecisionWithExplanation, newPerson, type Person, purchaseBy } from './identities.ts'

let t: TestApp
let admin: StaffClient
let otherAdmin: StaffClient
let server: ServerType
const sandboxHits: string[] = []

const bureau = 'bureau'

async function explain(id: string): Promise<DecisionWithExplanation> {
  const res = await t.get(`/v1/decisions/${id}`)
  expect(res.status).toBe(200)
  return (await res.json()) as DecisionWithExplanation
}

function factValue(d: DecisionWithExplanation, fact: string): unknown {
  return d.explanation.facts.find((f) => f.fact === fact)?.value
}

async function configure(id: string, changes: Record<string, unknown>) {
  const res = await admin.request('PATCH', `/admin/v1/providers/${id}`, changes)
  expect(res.status, await res.clone().text()).toBe(200)
}

function personWith(overrides: { email?: string; postal?: string; phone?: string } = {}): Person {
  const person = newPerson()
  return {
    ...person,
    ...(overrides.email ? { email: overrides.email } : {}),
    ...(overrides.phone ? { phone: overrides.phone } : {}),
  }
}

function purchaseOf(person: Person, postal = '94107') {
  return purchaseBy(person, {
    payment_method: {
      type: 'card',
      card: { number: person.card, exp_month: 12, exp_year: 2030, cvc: '123' },
      billing_address: { line1: '12 Main St', postal_code: postal, country: 'US' },
    },
  })
}

const hitsSince = (mark: number) => sandboxHits.length - mark

beforeAll(async () => {
  const providers = new ProviderRegistry()
  t = await startTestApp({ providers })
  // the app listens for real, so the providers' relative sandbox URLs resolve to it
  server = serve({
    fetch: (request: Request) => {
      const path = new URL(request.url).pathname
      if (path.startsWith('/sandbox/')) sandboxHits.push(path)
      return t.app.fetch(request)
    },
    hostname: '127.0.0.1',
    port: 0,
  })
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  providers.setBaseUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)

  admin = await staffClient(t, 'acme', 'admin')
  otherAdmin = await staffClient(t, 'globex', 'admin')
  const create = async (body: Record<string, unknown>) => {
    const res = await admin.request('POST', '/admin/v1/providers', body)
    expect(res.status, await res.clone().text()).toBe(201)
  }
  await create({
    id: bureau,
    kind: 'credit_bureau',
    name: 'Sandbox credit bureau',
    url: '/sandbox/providers/credit_bureau',
    timeout_ms: 1500,
    retries: 2,
    fail_policy: 'fail_closed',
    cache_ttl_seconds: 0,
    secret: 'sandbox-token',
  })
  await create({
    id: 'checks',
    kind: 'check_approval',
    name: 'Sandbox check approval',
    url: '/sandbox/providers/check_approval',
    fail_policy: 'fail_closed',
    cache_ttl_seconds: 60,
  })
  await create({
    id: 'ani',
    kind: 'ani_line_type',
    name: 'Sandbox ANI',
    url: '/sandbox/providers/ani_line_type',
    fail_policy: 'fail_open',
  })
}, 60_000)
afterAll(async () => {
  server.close()
  await t.close()
})

describe('an unknown customer verified by the sandbox providers', () => {
  it('is approved when the credit bureau verifies them, and the explanation shows the call', async () => {
    const mark = sandboxHits.length
    const decision = await authorize(t, purchaseOf(newPerson()))
    expect(decision.outcome).toBe('approve')
    expect(hitsSince(mark)).toBe(1)

    const explained = await explain(decision.id)
    expect(factValue(explained, 'provider_identity_verified')).toBe(true)
    expect(factValue(explained, 'provider_unavailable')).toBe(false)
    const [call] = explained.explanation.providers ?? []
    expect(call).toMatchObject({
      kind: 'credit_bureau',
      provider_id: bureau,
      status: 'answered',
      fail_policy: 'fail_closed',
      attempts: 1,
      error: null,
    })
    expect(call?.latency_ms).toBeGreaterThanOrEqual(0)
  })

  it('goes to review when the bureau cannot verify them (step 1016 → 1017)', async () => {
    const person = personWith({ email: `p${Date.now()}@unverified.example` })
    const decision = await authorize(t, purchaseOf(person))
    expect(decision.outcome).toBe('review')
    expect(decision.reasons.map((r) => r.rule)).toContain('unknown-customer-not-verified')
    expect(decision.reasons.map((r) => r.rule)).not.toContain('unknown-customer-unverifiable')
    const explained = await explain(decision.id)
    expect(factValue(explained, 'provider_identity_verified')).toBe(false)
  })

  it('an unknown customer sent without a name is not approved unchecked: the decision goes to review', async () => {
    const person = newPerson()
    const mark = sandboxHits.length
    const body = purchaseOf(person)
    const decision = await authorize(t, { ...body, customer: { id: person.customerId, email: person.email } })
    // the bureau needs a name, so it was not asked; leaving the name out does not pass the check
    expect(hitsSince(mark)).toBe(0)
    expect(decision.outcome).toBe('review')
    expect(decision.reasons.filter((r) => r.type !== 'allowance').map((r) => r.reason_code)).toEqual([
      'identity.not_checked',
    ])
    const explained = await explain(decision.id)
    expect(factValue(explained, 'provider_status')).toBe('missing_identifiers')
    expect(factValue(explained, 'provider_identity_verified')).toBeNull()
  })

  it('a returning customer is not sent to the provider at all', async () => {
    const person = newPerson()
    const mark = sandboxHits.length
    expect((await authorize(t, purchaseOf(person))).outcome).toBe('approve')
    expect(hitsSince(mark)).toBe(1)
    const again = await authorize(t, purchaseOf(person))
    expect(again.outcome).toBe('approve')
    expect(again.customer?.returning).toBe(true)
    expect(hitsSince(mark)).toBe(1)
    const explained = await explain(again.id)
    expect(explained.explanation.providers).toEqual([])
    expect(explained.explanation.facts.some((f) => f.fact.startsWith('provider_'))).toBe(false)
  })

  it('recovers from one 500 by retrying, and says it took two attempts', async () => {
    const person = personWith({ email: `flaky-${Date.now()}@example.com` })
    const mark = sandboxHits.length
    const decision = await authorize(t, purchaseOf(person))
    expect(decision.outcome).toBe('approve')
    expect(hitsSince(mark)).toBe(2)
    const [call] = (await explain(decision.id)).explanation.providers ?? []
    expect(call).toMatchObject({ status: 'answered', attempts: 2 })
  })
})

describe('a customer sent to review is not approved unchecked next time', () => {
  const withoutName = (person: Person) => {
    const body = purchaseOf(person)
    return { ...body, customer: { id: person.customerId, email: person.email } }
  }

  it('is checked again while no one has approved them, and approved once a reviewer has', async () => {
    const analyst = await staffClient(t, 'acme', 'analyst', 'reviewer@acme.test')
    const person = newPerson()
    const mark = sandboxHits.length
    const first = await authorize(t, withoutName(person))
    expect(first.outcome).toBe('review')

    // returning now, but never approved: the same check, the same review — not an approval
    const retry = await authorize(t, withoutName(person))
    expect(retry.customer?.returning).toBe(true)
    expect(retry.outcome).toBe('review')
    expect(retry.reasons.map((r) => r.reason_code)).toContain('identity.not_checked')
    expect(factValue(await explain(retry.id), 'customer_verified')).toBe(false)
    expect(hitsSince(mark)).toBe(0)

    // a reviewer approves the first: the customer is verified from then on, with no provider call
    const claimed = await analyst.request('POST', `/admin/v1/reviews/${first.id}/claim`, {})
    expect(claimed.status, await claimed.clone().text()).toBe(200)
    const resolved = await analyst.request('POST', `/admin/v1/reviews/${first.id}/resolve`, {
      decision: 'approve',
      note: 'called the customer back',
    })
    expect(resolved.status, await resolved.clone().text()).toBe(200)
    const after = await authorize(t, withoutName(person))
    expect(after.outcome).toBe('approve')
    const explained = await explain(after.id)
    expect(factValue(explained, 'customer_verified')).toBe(true)
    expect(explained.explanation.providers).toEqual([])
    expect(hitsSince(mark)).toBe(0)
  })

  it('asks the bureau again for a customer it could not verify, and sends them to review again', async () => {
    const person = personWith({ email: `again-${Date.now()}@unverified.example` })
    const mark = sandboxHits.length
    expect((await authorize(t, purchaseOf(person))).outcome).toBe('review')
    const again = await authorize(t, purchaseOf(person))
    expect(again.customer?.returning).toBe(true)
    expect(again.outcome).toBe('review')
    expect(again.reasons.map((r) => r.rule)).toContain('unknown-customer-not-verified')
    expect(hitsSince(mark)).toBe(2)
  })

  it('a customer approved once is not checked again', async () => {
    const person = newPerson()
    expect((await authorize(t, purchaseOf(person))).outcome).toBe('approve')
    const mark = sandboxHits.length
    const again = await authorize(t, withoutName(person))
    expect(again.outcome).toBe('approve')
    expect(factValue(await explain(again.id), 'customer_verified')).toBe(true)
    expect(hitsSince(mark)).toBe(0)
  })
})

describe('a provider that cannot answer', () => {
  it('times out within its deadline and fails closed: the decision goes to review', async () => {
    await configure(bureau, { timeout_ms: 600 })
    try {
      const started = performance.now()
      // postal code 99999: the sandbox answers after five seconds
      const decision = await authorize(t, purchaseOf(newPerson(), '99999'))
      const elapsed = performance.now() - started
      expect(decision.outcome).toBe('review')
      expect(decision.reasons.map((r) => r.rule)).toContain('unknown-customer-unverifiable')
      expect(decision.reasons.map((r) => r.rule)).not.toContain('unknown-customer-not-verified')
      // deadline plus a margin for a loaded machine, far below the sandbox's five seconds
      expect(elapsed).toBeLessThan(600 + 1500)

      const explained = await explain(decision.id)
      expect(factValue(explained, 'provider_unavailable')).toBe(true)
      expect(factValue(explained, 'provider_identity_verified')).toBe(false)
      const [call] = explained.explanation.providers ?? []
      expect(call).toMatchObject({ status: 'timeout', fail_policy: 'fail_closed' })
      expect(call?.latency_ms).toBeGreaterThanOrEqual(590)
      expect(call?.latency_ms).toBeLessThan(600 + 1000)
    } finally {
      await configure(bureau, { timeout_ms: 1500 })
    }
  })

  it('fails open when so configured: the facts read unavailable-neutral and the decision goes on', async () => {
    await configure(bureau, { timeout_ms: 600, fail_policy: 'fail_open' })
    try {
      const decision = await authorize(t, purchaseOf(newPerson(), '99999'))
      expect(decision.outcome).toBe('approve')
      const explained = await explain(decision.id)
      expect(factValue(explained, 'provider_unavailable')).toBe(false)
      expect(factValue(explained, 'provider_identity_verified')).toBeNull()
      expect(explained.explanation.providers?.[0]).toMatchObject({
        status: 'timeout',
        fail_policy: 'fail_open',
      })
    } finally {
      await configure(bureau, { timeout_ms: 1500, fail_policy: 'fail_closed' })
    }
  })

  it('opens the circuit after repeated failures, then short-circuits without a call, and half-opens later', async () => {
    await configure(bureau, { retries: 0, breaker_threshold: 2, breaker_reset_ms: 800 })
    try {
      const mark = sandboxHits.length
      // a phone ending 9999: the sandbox answers 500
      for (let i = 0; i < 2; i++) {
        const failing = await authorize(t, purchaseOf(personWith({ phone: `+130355${5 + i}9999` })))
        expect(failing.outcome).toBe('review')
      }
      expect(hitsSince(mark)).toBe(2)
      const state = await (await admin.request('GET', `/admin/v1/providers/${bureau}`)).json()
      expect(state.circuit).toBe('open')

      // an ordinary customer now: no HTTP call, the policy applies at once
      const started = performance.now()
      const shorted = await authorize(t, purchaseOf(newPerson()))
      expect(shorted.outcome).toBe('review')
      expect(hitsSince(mark)).toBe(2)
      const [call] = (await explain(shorted.id)).explanation.providers ?? []
      expect(call).toMatchObject({ status: 'circuit_open', attempts: 0 })
      expect(call?.latency_ms).toBeLessThan(50)
      expect(performance.now() - started).toBeLessThan(5000)

      // after the reset time one trial goes through, answers, and closes the circuit
      await new Promise((resolve) => setTimeout(resolve, 900))
      const trial = await authorize(t, purchaseOf(newPerson()))
      expect(trial.outcome).toBe('approve')
      expect(hitsSince(mark)).toBe(3)
      expect((await (await admin.request('GET', `/admin/v1/providers/${bureau}`)).json()).circuit).toBe(
        'closed',
      )
    } finally {
      await configure(bureau, { retries: 2, breaker_threshold: 5, breaker_reset_ms: 30_000 })
    }
  })
})

describe('the check approval service and the ANI database', () => {
  const checking = (person: Person, account: string) =>
    purchaseBy(person, {
      payment_method: {
        type: 'checking',
        bank_account: { routing_number: '011000015', account_number: account },
        billing_address: { line1: '12 Main St', postal_code: '94107', country: 'US' },
      },
    })

  it('approves an approved account, caches the answer, and reviews a declined one', async () => {
    const person = newPerson()
    const mark = sandboxHits.length
    const first = await authorize(t, checking(person, '123456789'))
    expect(first.outcome).toBe('approve')
    // an approved checking payment is charged at once (no hold on a bank account), less the demo's
    // 5 % for paying by bank
    expect(first.amount).toMatchObject({ requested: 2500, discount: 125, payable: 2375 })
    expect(first.payment).toMatchObject({ kind: 'charge', status: 'captured', amount_captured: 2375 })
    const checkCalls = () => sandboxHits.slice(mark).filter((p) => p.endsWith('/check_approval')).length
    expect(checkCalls()).toBe(1)

    // the same account and amount again: answered from the cache, no HTTP call
    const second = await authorize(t, checking(person, '123456789'))
    expect(second.outcome).toBe('approve')
    expect(checkCalls()).toBe(1)
    const calls = (await explain(second.id)).explanation.providers ?? []
    expect(calls.find((c) => c.kind === 'check_approval')).toMatchObject({ status: 'cached', attempts: 0 })

    const declined = await authorize(t, checking(newPerson(), '222220000'))
    expect(declined.outcome).toBe('review')
    expect(declined.reasons.map((r) => r.rule)).toContain('check-not-approved')
    const explainedDecline = await explain(declined.id)
    expect(factValue(explainedDecline, 'provider_check_approved')).toBe(false)
    expect(explainedDecline.explanation.providers?.find((c) => c.kind === 'check_approval')).toMatchObject({
      status: 'answered',
      fail_policy: 'fail_closed',
    })
  })

  it('reviews a checking payment the service was not asked about, as when none is enabled', async () => {
    await configure('checks', { enabled: false })
    try {
      const decision = await authorize(t, checking(newPerson(), '123456789'))
      expect(decision.outcome).toBe('review')
      expect(decision.reasons.map((r) => r.rule)).toContain('check-not-approved')
      const explained = await explain(decision.id)
      // no check approval service was called, and "no answer" did not count as approved
      expect(explained.explanation.providers?.some((c) => c.kind === 'check_approval')).toBe(false)
      expect(factValue(explained, 'provider_check_approved')).toBeNull()
    } finally {
      await configure('checks', { enabled: true })
    }
  })

  it('blocks an unknown caller whose line the ANI database places in a prison', async () => {
    const person = personWith({ phone: '+12025550000' })
    const call = purchaseBy(person, {
      channel: 'phone',
      network: { ani: '+12025550000', ip: '203.0.113.7', device_id: person.deviceId },
    })
    const decision = await authorize(t, call)
    expect(decision.outcome).toBe('block')
    expect(decision.reasons.map((r) => r.rule)).toContain('unknown-caller-institution')
    expect(factValue(await explain(decision.id), 'provider_line_type')).toBe('prison')
  })
})

describe('replays', () => {
  it('a backtest reads the recorded answers and calls no provider', async () => {
    const analyst = await staffClient(t, 'acme', 'analyst')
    const res = await analyst.request('POST', '/admin/v1/rule-sets/authorizations/backtests', {
      version: 1,
      from: new Date(Date.now() - 3_600_000).toISOString(),
      to: new Date(Date.now() + 3_600_000).toISOString(),
    })
    expect(res.status, await res.clone().text()).toBe(202)
    const job = (await res.json()) as { id: string }
    const mark = sandboxHits.length
    await new BacktestRunner({ db: t.db }).runUntilIdle()
    expect(hitsSince(mark)).toBe(0)

    const done = (await (await analyst.request('GET', `/admin/v1/backtests/${job.id}`)).json()) as {
      status: string
      progress: { processed: number; changed: number }
      matrix: Record<string, Record<string, number>>
    }
    expect(done.status).toBe('completed')
    expect(done.progress.processed).toBeGreaterThanOrEqual(10)
    // every review, timeout and circuit-open review included, replays as it was decided
    expect(done.progress.changed).toBe(0)
    expect(done.matrix.review?.review).toBeGreaterThanOrEqual(4)
  }, 60_000)
})

describe('provider configuration', () => {
  it('lists the tenant’s providers without their tokens', async () => {
    const res = await admin.request('GET', '/admin/v1/providers')
    expect(res.status).toBe(200)
    const { providers } = (await res.json()) as { providers: Record<string, unknown>[] }
    expect(providers.map((p) => p.id)).toEqual(['ani', bureau, 'checks'])
    const text = JSON.stringify(providers)
    expect(text).not.toContain('sandbox-token')
    expect(providers.find((p) => p.id === bureau)).toMatchObject({ has_secret: true, kind: 'credit_bureau' })
    const row = await t.db
      .selectFrom('data_providers')
      .select('secret_sealed')
      .where('tenant_id', '=', 'acme')
      .where('id', '=', bureau)
      .executeTakeFirstOrThrow()
    expect(row.secret_sealed).not.toContain('sandbox-token')
  })

  it('runs a test call through the real client', async () => {
    const res = await admin.request('POST', '/admin/v1/providers/ani/test', {
      query: { phone: '+12025551111' },
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({
      status: 'answered',
      attempts: 1,
      answer: { line_type: 'pay_phone' },
    })
    const sample = await admin.request('POST', `/admin/v1/providers/${bureau}/test`, {})
    expect((await sample.json()).status).toBe('answered')
    const bad = await admin.request('POST', '/admin/v1/providers/ani/test', { query: { number: 1 } })
    expect(bad.status).toBe(422)
  })

  it('allows one enabled provider per kind, validates, disables, and audits every change', async () => {
    const dup = await admin.request('POST', '/admin/v1/providers', {
      id: 'bureau-2',
      kind: 'credit_bureau',
      name: 'Second bureau',
      url: 'https://bureau.example/verify',
    })
    expect(dup.status).toBe(409)
    const badUrl = await admin.request('POST', '/admin/v1/providers', {
      id: 'x',
      kind: 'ani_line_type',
      name: 'x',
      url: 'ftp://x',
    })
    expect(badUrl.status).toBe(422)
    const badPolicy = await admin.request('PATCH', '/admin/v1/providers/ani', { fail_policy: 'sometimes' })
    expect(badPolicy.status).toBe(422)

    const disabled = await admin.request('POST', '/admin/v1/providers/ani/disable')
    expect(disabled.status).toBe(200)
    expect((await disabled.json()).enabled).toBe(false)
    // a disabled provider is not asked: its facts read not_configured
    const person = personWith({ phone: '+12025560000' })
    const decision = await authorize(
      t,
      purchaseBy(person, { channel: 'phone', network: { ani: '+12025560000', ip: '203.0.113.7' } }),
    )
    expect(factValue(await explain(decision.id), 'provider_line_type')).toBeNull()
    expect(decision.reasons.map((r) => r.rule)).not.toContain('unknown-caller-institution')
    await configure('ani', { enabled: true })

    const audit = await t.db
      .selectFrom('audit_log')
      .select(['action', 'entity_id'])
      .where('tenant_id', '=', 'acme')
      .where('entity_type', '=', 'provider')
      .execute()
    const actions = audit.map((a) => a.action)
    expect(actions.filter((a) => a === 'provider.created')).toHaveLength(3)
    expect(actions).toContain('provider.updated')
    expect(actions).toContain('provider.disabled')
    expect(actions).toContain('provider.tested')
  })

  it('another tenant’s provider is not found', async () => {
    for (const [method, path, body] of [
      ['GET', `/admin/v1/providers/${bureau}`, undefined],
      ['PATCH', `/admin/v1/providers/${bureau}`, { timeout_ms: 100 }],
      ['POST', `/admin/v1/providers/${bureau}/disable`, undefined],
      ['POST', `/admin/v1/providers/${bureau}/test`, {}],
    ] as const) {
      const res = await otherAdmin.request(method, path, body)
      expect(res.status, `${method} ${path}`).toBe(404)
    }
    const list = await (await otherAdmin.request('GET', '/admin/v1/providers')).json()
    expect(list.providers).toEqual([])
  })

  it('is for admins only', async () => {
    const editor = await staffClient(t, 'acme', 'editor')
    expect((await editor.request('GET', '/admin/v1/providers')).status).toBe(403)
    expect((await editor.request('POST', `/admin/v1/providers/${bureau}/test`, {})).status).toBe(403)
  })
})

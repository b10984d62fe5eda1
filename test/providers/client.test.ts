// The provider client against a real HTTP server on 127.0.0.1: deadline, retries with backoff,
// the circuit breaker (open, short-circuit, half-open), the answer cache and answer checking.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ProviderQuery } from '../../rules/facts/providers.ts'
import { type ProviderConfig, ProviderRegistry, queryKey } from '../../server/providers/client.ts'
import { type Receiver, startReceiver } from './receiver.ts'

const verified = {
  identity_verified: true,
  score_band: 'good',
  address_match: 'full',
  age_band: '35-44',
  income_band: 'middle',
  designator: 'GOLD',
}

const query: ProviderQuery<'credit_bureau'> = {
  name: 'Ann Lee',
  email: 'ann@example.com',
  phone: '+12025550100',
  birth_date: null,
  address: { line1: '12 Main St', postal_code: '94107', country: 'US' },
}

let receiver: Receiver
let serial = 0

function config(overrides: Partial<ProviderConfig> = {}): ProviderConfig {
  serial++
  return {
    tenantId: 'acme',
    id: `bureau-${serial}`,
    kind: 'credit_bureau',
    url: `${receiver.url}/verify`,
    timeoutMs: 1000,
    retries: 2,
    failPolicy: 'fail_closed',
    cacheTtlSeconds: 0,
    breakerThreshold: 5,
    breakerResetMs: 30_000,
    secret: null,
    version: 'v1',
    ...overrides,
  }
}

beforeAll(async () => {
  receiver = await startReceiver(verified)
})
afterEach(() => {
  receiver.requests.length = 0
  receiver.respond(() => ({ status: 200, body: { answer: verified } }))
})
afterAll(() => receiver.close())

describe('a provider call', () => {
  it('posts the normalized query with the auth token and reads the answer', async () => {
    const client = new ProviderRegistry().client(config({ secret: 'tok_123' }))
    const call = await client.call(query)
    expect(call).toMatchObject({ status: 'answered', attempts: 1, error: null, failPolicy: 'fail_closed' })
    expect(call.answer).toMatchObject({ identity_verified: true, score_band: 'good', age_band: '35-44' })
    expect(receiver.requests).toHaveLength(1)
    const [request] = receiver.requests
    expect(request?.headers.authorization).toBe('Bearer tok_123')
    expect(request?.body).toEqual({ query })
  })

  it('resolves a path against the server base URL', async () => {
    const client = new ProviderRegistry({ baseUrl: receiver.url }).client(config({ url: '/sandbox/x' }))
    expect((await client.call(query)).status).toBe('answered')
    expect(receiver.requests[0]?.path).toBe('/sandbox/x')
  })

  it('recovers from one 500 by retrying with backoff', async () => {
    receiver.respond((_r, index) =>
      index === 0 ? { status: 500 } : { status: 200, body: { answer: verified } },
    )
    const call = await new ProviderRegistry().client(config()).call(query)
    expect(call.status).toBe('answered')
    expect(call.attempts).toBe(2)
    expect(receiver.requests).toHaveLength(2)
    expect(receiver.requests[0]?.headers['x-tollgate-attempt']).toBe('1')
    expect(receiver.requests[1]?.headers['x-tollgate-attempt']).toBe('2')
  })

  it('gives up after its retries and reports an error', async () => {
    receiver.respond(() => ({ status: 503 }))
    const call = await new ProviderRegistry().client(config({ retries: 2 })).call(query)
    expect(call).toMatchObject({ status: 'error', attempts: 3, answer: null })
    expect(call.error).toContain('503')
    expect(receiver.requests).toHaveLength(3)
  })

  it('does not retry a 4xx, which another attempt would not fix', async () => {
    receiver.respond(() => ({ status: 400 }))
    const call = await new ProviderRegistry().client(config()).call(query)
    expect(call).toMatchObject({ status: 'error', attempts: 1 })
    expect(receiver.requests).toHaveLength(1)
  })

  it('refuses an answer that does not fit the kind', async () => {
    receiver.respond(() => ({ status: 200, body: { answer: { identity_verified: 'yes' } } }))
    const call = await new ProviderRegistry().client(config()).call(query)
    expect(call.status).toBe('error')
    expect(call.error).toContain('identity_verified')
  })

  it('refuses an answer that is not JSON, without retrying it', async () => {
    receiver.respond(() => ({ status: 200, raw: '<html>maintenance</html>' }))
    const call = await new ProviderRegistry().client(config({ retries: 2 })).call(query)
    expect(call).toMatchObject({ status: 'error', attempts: 1, answer: null })
    expect(call.error).toContain('not JSON')
    expect(receiver.requests).toHaveLength(1)
  })

  it('times out at its deadline, retries and waits included', async () => {
    receiver.respond(() => ({ status: 200, body: { answer: verified }, delayMs: 5000 }))
    const started = performance.now()
    const call = await new ProviderRegistry().client(config({ timeoutMs: 300, retries: 3 })).call(query)
    const elapsed = performance.now() - started
    expect(call.status).toBe('timeout')
    expect(call.error).toContain('300 ms')
    expect(elapsed).toBeGreaterThanOrEqual(290)
    // the deadline bounds the call; the margin is for a loaded machine
    expect(elapsed).toBeLessThan(300 + 700)
  })

  it('caches answers by the normalized query for the TTL, and never errors', async () => {
    const client = new ProviderRegistry().client(config({ cacheTtlSeconds: 60 }))
    expect((await client.call(query)).status).toBe('answered')
    const second = await client.call({ ...query })
    expect(second).toMatchObject({ status: 'cached', attempts: 0 })
    expect(second.answer).toMatchObject({ identity_verified: true })
    expect(receiver.requests).toHaveLength(1)
    // another person is another question
    expect((await client.call({ ...query, email: 'bob@example.com' })).status).toBe('answered')
    expect(receiver.requests).toHaveLength(2)

    receiver.respond(() => ({ status: 500 }))
    const failing = new ProviderRegistry().client(config({ cacheTtlSeconds: 60, retries: 0 }))
    expect((await failing.call(query)).status).toBe('error')
    expect((await failing.call(query)).status).toBe('error')
  })

  it('keys the cache by a hash, not by the identities', () => {
    const key = queryKey('credit_bureau', query)
    expect(key).not.toContain('ann')
    expect(key).toBe(queryKey('credit_bureau', { ...query }))
  })

  it('opens the circuit after repeated failures, short-circuits without a request, and half-opens later', async () => {
    receiver.respond(() => ({ status: 500 }))
    const client = new ProviderRegistry().client(
      config({ retries: 0, breakerThreshold: 3, breakerResetMs: 400 }),
    )
    for (let i = 0; i < 3; i++) expect((await client.call(query)).status).toBe('error')
    expect(receiver.requests).toHaveLength(3)
    expect(client.circuit).toBe('open')

    const started = performance.now()
    const shorted = await client.call(query)
    expect(shorted).toMatchObject({ status: 'circuit_open', attempts: 0, answer: null })
    expect(performance.now() - started).toBeLessThan(100)
    expect(receiver.requests).toHaveLength(3)

    // after the reset time one trial call goes through; its success closes the circuit
    receiver.respond(() => ({ status: 200, body: { answer: verified } }))
    await new Promise((resolve) => setTimeout(resolve, 450))
    const trial = await client.call(query)
    expect(trial.status).toBe('answered')
    expect(receiver.requests).toHaveLength(4)
    expect(client.circuit).toBe('closed')
  })

  it('starts a changed provider with a fresh breaker', async () => {
    receiver.respond(() => ({ status: 500 }))
    const registry = new ProviderRegistry()
    const first = config({ retries: 0, breakerThreshold: 1 })
    const client = registry.client(first)
    await client.call(query)
    expect(client.circuit).toBe('open')
    expect(registry.client(first)).toBe(client)
    expect(registry.client({ ...first, version: 'v2' }).circuit).toBe('closed')
  })
})

// A provider that usually answers at once can still be late with one answer. Authorizations that
// arrive together share a transaction (server/batches.ts), which ends when its last decision does;
// so a decision of a shared batch waits at most 20 ms for a provider, then leaves its batch while
// the call goes on, and runs again alone with that same call's answer. Observed at a real HTTP
// provider on 127.0.0.1 that answers one request late.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ProviderRegistry } from '../../server/providers/client.ts'
import { type Receiver, startReceiver, verifiedIdentity } from '../providers/receiver.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'
import { authorize, newPerson, type Person, purchaseBy } from './identities.ts'

const lateMs = 600

let t: TestApp
let admin: StaffClient
let bureau: Receiver

beforeAll(async () => {
  bureau = await startReceiver(verifiedIdentity)
  t = await startTestApp({ providers: new ProviderRegistry() })
  admin = await staffClient(t, 'acme', 'admin')
  const res = await admin.request('POST', '/admin/v1/providers', {
    id: 'bureau',
    kind: 'credit_bureau',
    name: 'Credit bureau',
    url: `${bureau.url}/verify`,
    timeout_ms: 3000,
    retries: 0,
    fail_policy: 'fail_closed',
    cache_ttl_seconds: 0,
  })
  expect(res.status, await res.clone().text()).toBe(201)
}, 60_000)
afterAll(async () => {
  await t.close()
  await bureau.close()
})

const purchase = (person: Person) => purchaseBy(person)

async function providerCallsOf(decisionId: string) {
  return t.db
    .selectFrom('provider_calls')
    .select(['status', 'attempts', 'latency_ms'])
    .where('tenant_id', '=', 'acme')
    .where('decision_id', '=', decisionId)
    .execute()
}

describe('a provider late with one answer', () => {
  it('holds up only the decision that asked, which is decided on that one call', async () => {
    // three customers the bureau has verified, quickly: their next purchases never ask it, and the
    // bureau is known to answer fast, so the next unknown customer stays in its batch to ask
    const known = [newPerson(), newPerson(), newPerson()]
    for (const person of known) expect((await authorize(t, purchase(person))).outcome).toBe('approve')
    expect(bureau.requests).toHaveLength(3)

    // the next answer is late
    bureau.respond(() => ({ status: 200, body: { answer: verifiedIdentity }, delayMs: lateMs }))
    const finished = new Map<string, number>()
    const stranger = newPerson()
    const timed = (name: string, person: Person) =>
      authorize(t, purchase(person)).then((decision) => {
        finished.set(name, Date.now())
        return decision
      })
    const decisions = await Promise.all([
      timed('stranger', stranger),
      ...known.map((person, i) => timed(`known ${i}`, person)),
    ])
    expect(decisions.map((d) => d.outcome)).toEqual(['approve', 'approve', 'approve', 'approve'])
    expect(decisions[0]?.customer?.returning).toBe(false)

    // the bureau was asked once, about the stranger; the known customers did not wait for its answer
    expect(bureau.requests).toHaveLength(4)
    const asked = bureau.requests.at(-1)
    expect(asked?.body).toMatchObject({ query: { email: stranger.email } })
    const knownDone = Math.max(...known.map((_, i) => finished.get(`known ${i}`) ?? Number.POSITIVE_INFINITY))
    expect(knownDone).toBeLessThan((asked?.at ?? 0) + lateMs)
    expect(finished.get('stranger')).toBeGreaterThanOrEqual((asked?.at ?? 0) + lateMs - 50)

    // the stranger's decision records that one call, answered on its first attempt and late
    const calls = await providerCallsOf(decisions[0]?.id ?? '')
    expect(calls).toHaveLength(1)
    expect(calls[0]).toMatchObject({ status: 'answered', attempts: 1 })
    expect(calls[0]?.latency_ms).toBeGreaterThanOrEqual(lateMs - 50)
  })
})

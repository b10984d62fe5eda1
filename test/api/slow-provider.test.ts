// A slow outside provider must not slow the decisions that never ask it. Authorizations arriving
// together share a transaction (server/batches.ts), and a transaction ends when its last decision
// does; so a decision about to wait on a provider that has lately been slow leaves its batch first
// and runs alone. Observed at a real HTTP provider on 127.0.0.1 that takes 800 ms to answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ProviderRegistry } from '../../server/providers/client.ts'
import { type Receiver, startReceiver, verifiedIdentity } from '../providers/receiver.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'
import { authorize, newPerson, type Person, purchaseBy } from './identities.ts'

const verified = verifiedIdentity
const slowMs = 800

let t: TestApp
let admin: StaffClient
let bureau: Receiver

beforeAll(async () => {
  bureau = await startReceiver(verified)
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

describe('a slow provider', () => {
  it('keeps only the decisions that ask it waiting, not the others that arrive with them', async () => {
    // three customers the bureau has already verified: their next purchases never ask it
    const known = [newPerson(), newPerson(), newPerson()]
    for (const person of known) expect((await authorize(t, purchase(person))).outcome).toBe('approve')
    expect(bureau.requests).toHaveLength(3)

    // the bureau turns slow; one unknown customer learns it the hard way
    bureau.respond(() => ({ status: 200, body: { answer: verified }, delayMs: slowMs }))
    expect((await authorize(t, purchase(newPerson()))).outcome).toBe('approve')

    // an unknown customer arrives together with the three known ones
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

    // the stranger's question reached the bureau; the known customers were answered before the
    // bureau could have answered it, so they did not share its wait
    const asked = bureau.requests.at(-1)
    expect(bureau.requests).toHaveLength(5)
    expect(asked?.body).toMatchObject({ query: { email: stranger.email } })
    const knownDone = Math.max(...known.map((_, i) => finished.get(`known ${i}`) ?? Number.POSITIVE_INFINITY))
    expect(knownDone).toBeLessThan((asked?.at ?? 0) + slowMs)
    expect(finished.get('stranger')).toBeGreaterThanOrEqual((asked?.at ?? 0) + slowMs - 50)
  })
})

// A slow outside provider must not slow the decisions that never ask it. Authorizations arriving
// together share a transaction (server/decision-store/batcher.ts), and a transaction ends when its last decision
// does; and a decision waiting inside a transaction holds a database connection (PGlite has one).
// So a decision about to call a provider that has lately been slow leaves its transaction at once,
// and one that asked a usually quick provider waits for it there at most 20 ms, then leaves. Either
// way the call goes on, and the decision runs again in a later batch on that same call's answer.
// Observed at a real HTTP provider on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ProviderRegistry } from '../../server/providers/client.ts'
import { type Receiver, startReceiver, verifiedIdentity } from '../providers/receiver.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { staffClient } from '../support/staff.ts'
import { authorize, type Decision, newPerson, type Person, purchaseBy } from './identities.ts'

const verified = verifiedIdentity
const slowMs = 800

/** A test app whose tenant acme has a credit bureau at a receiver, uncached, without retries. */
function withBureau(options: { poolSize?: number } = {}): { t: TestApp; bureau: Receiver } {
  const context = {} as { t: TestApp; bureau: Receiver }
  beforeAll(async () => {
    context.bureau = await startReceiver(verified)
    context.t = await startTestApp({ providers: new ProviderRegistry(), poolSize: options.poolSize })
    const admin = await staffClient(context.t, 'acme', 'admin')
    const res = await admin.request('POST', '/admin/v1/providers', {
      id: 'bureau',
      kind: 'credit_bureau',
      name: 'Credit bureau',
      url: `${context.bureau.url}/verify`,
      timeout_ms: 3000,
      retries: 0,
      fail_policy: 'fail_closed',
      cache_ttl_seconds: 0,
    })
    expect(res.status, await res.clone().text()).toBe(201)
  }, 60_000)
  afterAll(async () => {
    await context.t.close()
    await context.bureau.close()
  })
  return context
}

const purchase = (person: Person) => purchaseBy(person)

/** Three customers the bureau verifies now: their next purchases never ask it. */
async function threeKnown(t: TestApp, bureau: Receiver): Promise<Person[]> {
  const known = [newPerson(), newPerson(), newPerson()]
  for (const person of known) expect((await authorize(t, purchase(person))).outcome).toBe('approve')
  expect(bureau.requests).toHaveLength(3)
  return known
}

/** An unknown customer's purchase arriving together with purchases by customers the bureau knows. */
async function strangerAmong(t: TestApp, known: Person[]) {
  const finished = new Map<string, number>()
  const stranger = newPerson()
  const timed = (name: string, person: Person) =>
    authorize(t, purchase(person)).then((decision) => {
      finished.set(name, Date.now())
      return decision
    })
  const decisions: Decision[] = await Promise.all([
    timed('stranger', stranger),
    ...known.map((person, i) => timed(`known ${i}`, person)),
  ])
  const knownDone = Math.max(...known.map((_, i) => finished.get(`known ${i}`) ?? Number.POSITIVE_INFINITY))
  return { stranger, decisions, knownDone, strangerDone: finished.get('stranger') ?? 0 }
}

describe('a slow provider', () => {
  const context = withBureau()

  it('keeps only the decisions that ask it waiting, not the others that arrive with them', async () => {
    const { t, bureau } = context
    const known = await threeKnown(t, bureau)

    // the bureau turns slow; one unknown customer learns it the hard way
    bureau.respond(() => ({ status: 200, body: { answer: verified }, delayMs: slowMs }))
    expect((await authorize(t, purchase(newPerson()))).outcome).toBe('approve')

    const { stranger, decisions, knownDone, strangerDone } = await strangerAmong(t, known)
    expect(decisions.map((d) => d.outcome)).toEqual(['approve', 'approve', 'approve', 'approve'])
    expect(decisions[0]?.customer?.returning).toBe(false)

    // the stranger's question reached the bureau; the known customers were answered before the
    // bureau could have answered it, so they did not share its wait
    const asked = bureau.requests.at(-1)
    expect(bureau.requests).toHaveLength(5)
    expect(asked?.body).toMatchObject({ query: { email: stranger.email } })
    expect(knownDone).toBeLessThan((asked?.at ?? 0) + slowMs)
    expect(strangerDone).toBeGreaterThanOrEqual((asked?.at ?? 0) + slowMs - 50)
  })
})

describe('a quick provider late with one answer', () => {
  const context = withBureau()
  const lateMs = 600

  it('holds up only the decision that asked, which is decided on that one call', async () => {
    const { t, bureau } = context
    // the bureau answers these quickly, so the next unknown customer stays in its batch to ask
    const known = await threeKnown(t, bureau)

    // the next answer is late
    bureau.respond(() => ({ status: 200, body: { answer: verified }, delayMs: lateMs }))
    const { stranger, decisions, knownDone, strangerDone } = await strangerAmong(t, known)
    expect(decisions.map((d) => d.outcome)).toEqual(['approve', 'approve', 'approve', 'approve'])
    expect(decisions[0]?.customer?.returning).toBe(false)

    // the bureau was asked once, about the stranger; the known customers did not wait for its answer
    expect(bureau.requests).toHaveLength(4)
    const asked = bureau.requests.at(-1)
    expect(asked?.body).toMatchObject({ query: { email: stranger.email } })
    expect(knownDone).toBeLessThan((asked?.at ?? 0) + lateMs)
    expect(strangerDone).toBeGreaterThanOrEqual((asked?.at ?? 0) + lateMs - 50)

    // the stranger's decision records that one call, answered on its first attempt and late
    const calls = await t.db
      .selectFrom('provider_calls')
      .select(['status', 'attempts', 'latency_ms'])
      .where('tenant_id', '=', 'acme')
      .where('decision_id', '=', decisions[0]?.id ?? '')
      .execute()
    expect(calls).toHaveLength(1)
    expect(calls[0]).toMatchObject({ status: 'answered', attempts: 1 })
    expect(calls[0]?.latency_ms).toBeGreaterThanOrEqual(lateMs - 50)
  })
})

/**
 * The bureau turns slow and `count` unknown customers ask it; resolves once each has waited longer
 * than a decision may wait inside a transaction (20 ms), with when the first was asked and the
 * decisions still to come.
 */
async function strangersWaiting(t: TestApp, bureau: Receiver, count: number) {
  const before = bureau.requests.length
  bureau.respond(() => ({ status: 200, body: { answer: verified }, delayMs: slowMs }))
  const answered = Promise.all(
    Array.from({ length: count }, () =>
      authorize(t, purchase(newPerson())).then((decision) => ({ decision, at: Date.now() })),
    ),
  )
  await vi.waitFor(() => expect(bureau.requests).toHaveLength(before + count), { timeout: 5000, interval: 5 })
  const firstAsked = Math.min(...bureau.requests.slice(before).map((r) => r.at))
  await new Promise((resolve) => setTimeout(resolve, 150))
  return { firstAsked, answered }
}

describe('more customers waiting on a slow provider than there are database connections', () => {
  // two connections on PostgreSQL; PGlite has only ever one
  const context = withBureau({ poolSize: 2 })

  it('keeps none of them while they wait, so the decisions after them go ahead', async () => {
    const { t, bureau } = context
    const known = await threeKnown(t, bureau)
    const { firstAsked, answered } = await strangersWaiting(t, bureau, 3)

    // meanwhile the known customers buy again, and are answered long before the bureau answers
    const decisions = await Promise.all(known.map((person) => authorize(t, purchase(person))))
    expect(Date.now()).toBeLessThan(firstAsked + slowMs)
    expect(decisions.map((d) => d.outcome)).toEqual(['approve', 'approve', 'approve'])

    // the strangers are decided on the bureau's answers, each asked once
    const strangers = await answered
    expect(strangers.map((a) => a.decision.outcome)).toEqual(['approve', 'approve', 'approve'])
    expect(strangers.map((a) => a.decision.customer?.returning)).toEqual([false, false, false])
    for (const { at } of strangers) expect(at).toBeGreaterThanOrEqual(firstAsked + slowMs - 50)
    expect(bureau.requests).toHaveLength(6)
  })
})

describe('one customer waiting on a slow provider, with one database connection', () => {
  const context = withBureau({ poolSize: 1 })

  it('leaves its transaction of one too, so the next decision does not wait for the bureau', async () => {
    const { t, bureau } = context
    const [known] = await threeKnown(t, bureau)
    if (!known) throw new Error('no known customer')
    const { firstAsked, answered } = await strangersWaiting(t, bureau, 1)

    expect((await authorize(t, purchase(known))).outcome).toBe('approve')
    expect(Date.now()).toBeLessThan(firstAsked + slowMs)
    const [stranger] = await answered
    expect(stranger?.decision.outcome).toBe('approve')
    expect(stranger?.at).toBeGreaterThanOrEqual(firstAsked + slowMs - 50)
    expect(bureau.requests).toHaveLength(4)
  })
})

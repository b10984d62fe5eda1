// The telephony bridge's way in: it holds the service graph (server/services.ts) and authorizes a
// caller in-process, with no HTTP hop. The merchant API is built on the same graph, so what the
// bridge decided is recorded once and read back through GET /v1/decisions/{id}, and a caller's
// allowances count the same whichever way a request arrived. PGlite by default, PostgreSQL with
// TEST_DATABASE_URL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuthorizationRequest } from '../../server/authorizations/schema.ts'
import type { CallerContext } from '../../server/authorizations/service.ts'
import { ProblemError } from '../../server/http/problem.ts'
import { createTenant } from '../../server/tenants/tenants.ts'
import { decisionOf, newPerson, type Person } from '../api/identities.ts'
import { startTestApp, type TestApp } from '../support/app.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp()
})
afterAll(() => t.close())

/** A call as the bridge hands it over once the IVR has its caller: the ANI from FreeSWITCH. */
function call(person: Person, ani: string | null = person.phone): AuthorizationRequest {
  return {
    kind: 'session',
    channel: 'phone',
    customer: { id: person.customerId },
    network: { ...(ani ? { ani } : {}), dnis: '+18005559001' },
    // the IVR asks the caller for their number and sends what they keyed
    entered: ani ? { phone: ani } : {},
  } as AuthorizationRequest
}

/** What the bridge knows of a call: its tenant (from the dialled number) and the call's UUID. */
const fromBridge = (callId?: string): CallerContext => ({
  tenantId: 'acme',
  channel: 'phone',
  ...(callId ? { idempotencyKey: `call-${callId}` } : {}),
})

describe('a second consumer of the service graph (the telephony bridge)', () => {
  it('authorizes a phone call in-process; the merchant API built on the same graph reads the recorded decision', async () => {
    const person = newPerson()
    const { decision, replayed } = await t.services.authorizations.authorize(call(person), fromBridge())
    expect(replayed).toBe(false)
    expect(decision.outcome).toBe('approve')
    expect(decision.id).toMatch(/^dec_/)

    const row = await t.db
      .selectFrom('decisions')
      .select(['tenant_id', 'channel', 'kind', 'outcome'])
      .where('id', '=', decision.id)
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ tenant_id: 'acme', channel: 'phone', kind: 'session', outcome: 'approve' })

    const response = await t.get(`/v1/decisions/${decision.id}`)
    expect(response.status).toBe(200)
    const read = (await response.json()) as { id: string; outcome: string; customer: { id: string } | null }
    expect(read.id).toBe(decision.id)
    expect(read.outcome).toBe('approve')
    expect(read.customer?.id).toBe(decision.customer?.id)

    // the graph's one metrics registry says how the decision arrived
    const metrics = await (await t.app.request('/metrics')).text()
    expect(metrics).toMatch(/tollgate_decisions_total\{outcome="approve",arrival="phone"\} [1-9]/)
  })

  it('counts a caller’s sessions once, whether they came through the bridge or the merchant API', async () => {
    const person = newPerson()
    // the demo rule set allows two sessions a day per phone
    expect((await t.services.authorizations.authorize(call(person), fromBridge())).decision.outcome).toBe(
      'approve',
    )
    const overHttp = await decisionOf(await t.post('/v1/authorizations', call(person)))
    expect(overHttp.outcome).toBe('approve')
    const third = await t.services.authorizations.authorize(call(person), fromBridge())
    expect(third.decision.outcome).toBe('limit')
  })

  it('replays a call it has decided already (the call’s UUID as Idempotency-Key), counting it once', async () => {
    const person = newPerson()
    const first = await t.services.authorizations.authorize(call(person), fromBridge(person.customerId))
    const again = await t.services.authorizations.authorize(call(person), fromBridge(person.customerId))
    expect(again.replayed).toBe(true)
    expect(again.decision).toEqual(first.decision)
    const usage = await t.db
      .selectFrom('usage_events')
      .select('decision_id')
      .where('phone', '=', person.phone)
      .execute()
    expect(usage).toEqual([{ decision_id: first.decision.id }])
  })

  it('blocks a call whose ANI was not forwarded, and records why', async () => {
    const { decision } = await t.services.authorizations.authorize(call(newPerson(), null), fromBridge())
    expect(decision.outcome).toBe('block')
    expect(decision.reasons.map((r) => r.reason_code)).toContain('no_ani')
    expect(await t.services.authorizations.get('acme', decision.id)).toMatchObject({ outcome: 'block' })
  })

  it('keeps tenants apart: another tenant’s key cannot read a call decided for acme', async () => {
    const { decision } = await t.services.authorizations.authorize(call(newPerson()), fromBridge())
    expect((await t.get(`/v1/decisions/${decision.id}`, { key: t.otherKey })).status).toBe(404)
    expect(await t.services.authorizations.get('globex', decision.id)).toBeUndefined()
  })

  it('refuses a call for a tenant with no active rule set, storing nothing', async () => {
    await createTenant(t.db, { tenantId: 'initech', name: 'Initech', timeZone: 'UTC' })
    const refused = t.services.authorizations.authorize(call(newPerson()), {
      tenantId: 'initech',
      channel: 'phone',
    })
    await expect(refused).rejects.toBeInstanceOf(ProblemError)
    await expect(refused).rejects.toMatchObject({ code: 'no_active_rule_set' })
    const stored = await t.db
      .selectFrom('decisions')
      .select('id')
      .where('tenant_id', '=', 'initech')
      .execute()
    expect(stored).toEqual([])
  })
})

// An authorization takes a key this process has already seen from memory and checks it again in
// the statement that reads the decision's rows. What another process (or a direct database change)
// does to the key or to the tenant's deciding version must still apply to the very next request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey } from '../../server/api-keys/keys.ts'
import { demoRuleSet } from '../../server/tenants/demo-rule-set.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { addVersion, setPointers } from '../support/rule-versions.ts'
import { countRows, decisionOf, newPerson, problemOf, purchaseBy } from './identities.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp()
})
afterAll(() => t.close())

function post(key: string, body: unknown) {
  return t.app.request('/v1/authorizations', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

describe('keys this process remembers', () => {
  it('a key revoked behind this process’s back is refused on its next authorization, storing nothing', async () => {
    const extra = await createApiKey(t.db, 'acme', 'revoked elsewhere')
    expect((await post(extra.key, purchaseBy(newPerson()))).status).toBe(201)
    expect((await post(extra.key, purchaseBy(newPerson()))).status).toBe(201)
    // as another server process would: straight to the database, past this process's cache
    await t.db.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', extra.id).execute()
    const before = await countRows(t)
    const problem = await problemOf(await post(extra.key, purchaseBy(newPerson())), 401)
    expect(problem.type).toBe('urn:tollgate:problem:unauthenticated')
    expect(problem.detail).toMatch(/revoked/)
    expect(await countRows(t)).toEqual(before)
    // and stays refused: the refusal is not a one-off
    await problemOf(await post(extra.key, purchaseBy(newPerson())), 401)
  })

  it('a version activated behind this process’s back decides the very next authorization', async () => {
    const extra = await createApiKey(t.db, 'acme', 'sees activation')
    const first = await decisionOf(await post(extra.key, purchaseBy(newPerson())))
    const current = first.rule_set?.version ?? 0
    // the next version blocks every purchase over 1.00
    await addVersion(t, 'acme', current + 1, {
      ...demoRuleSet,
      rules: [
        ...demoRuleSet.rules,
        {
          id: 'over-one-dollar',
          name: 'Over 1.00',
          priority: 10,
          conditions: { all: [{ fact: 'amount', operator: 'greaterThan', value: 100 }] },
          event: { type: 'block', params: { reason_code: 'over_one_dollar', message: 'Over 1.00' } },
        },
      ],
    })
    await setPointers(t, 'acme', { active_version: current + 1 })
    const next = await decisionOf(
      await post(extra.key, purchaseBy(newPerson(), { amount: { value: 2500, currency: 'USD' } })),
    )
    expect(next.rule_set?.version).toBe(current + 1)
    expect(next.outcome).toBe('block')
    expect(next.reasons.map((r) => r.reason_code)).toContain('over_one_dollar')
    // put it back for the other tests
    await setPointers(t, 'acme', { active_version: current })
    const after = await decisionOf(await post(extra.key, purchaseBy(newPerson())))
    expect(after.rule_set?.version).toBe(current)
  })

  it('a key of one tenant stays refused for another tenant’s path, cached or not', async () => {
    // the cache is keyed by the whole key: rewriting its tenant part finds nothing
    expect((await post(t.key, purchaseBy(newPerson()))).status).toBe(201)
    const secretPart = t.key.slice('tg_acme_'.length)
    await problemOf(await post(`tg_globex_${secretPart}`, purchaseBy(newPerson())), 401)
  })
})

// Who may call the merchant API and what each caller can see: API keys, tenant isolation, and
// 500s that never carry internal text.
import { OpenAPIHono } from '@hono/zod-openapi'
import { requestId } from 'hono/request-id'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, revokeApiKey } from '../../server/api-keys/keys.ts'
import { onError } from '../../server/http/problem.ts'
import { createLogger } from '../../server/logging.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { authorize, countRows, newPerson, problemOf, purchaseBy } from './identities.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp()
})
afterAll(() => t.close())

function postWithHeaders(headers: Record<string, string>, body: unknown = purchaseBy(newPerson())) {
  return t.app.request('/v1/authorizations', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
}

describe('API keys', () => {
  it('401 without an Authorization header, on both routes', async () => {
    const post = await problemOf(await postWithHeaders({}), 401)
    expect(post.type).toBe('urn:tollgate:problem:unauthenticated')
    expect(post.detail).toMatch(/Bearer/)
    const decision = await authorize(t, purchaseBy(newPerson()))
    await problemOf(await t.app.request(`/v1/decisions/${decision.id}`), 401)
  })

  it('401 for a header that is not a bearer key, or a malformed key', async () => {
    const stranger = newPerson()
    for (const authorization of [
      `Basic ${Buffer.from('acme:secret').toString('base64')}`,
      'Bearer',
      'Bearer ',
      `Bearer ${t.key} extra`,
      `Token ${t.key}`,
      'Bearer tg_acme_short',
      'Bearer tg_ACME_aaaaaaaaaaaaaaaaaaaaaaaa',
      'Bearer sk_live_aaaaaaaaaaaaaaaaaaaaaaaa',
      `Bearer ${t.key.slice(0, -1)}!`,
      "Bearer ' or 1=1 --",
    ]) {
      const problem = await problemOf(await postWithHeaders({ authorization }, purchaseBy(stranger)), 401)
      expect(problem.type, authorization).toBe('urn:tollgate:problem:unauthenticated')
    }
    // the right key in any case of the scheme works
    expect((await postWithHeaders({ authorization: `bearer ${t.key}` })).status).toBe(201)
  })

  it('401 for a well-formed key that does not exist', async () => {
    const problem = await problemOf(
      await postWithHeaders({ authorization: `Bearer tg_acme_${'A'.repeat(32)}` }),
      401,
    )
    expect(problem.detail).toMatch(/unknown or has been revoked/)
    // nor can a key be pointed at another tenant by rewriting its tenant part
    const secretPart = t.key.slice('tg_acme_'.length)
    await problemOf(await postWithHeaders({ authorization: `Bearer tg_globex_${secretPart}` }), 401)
    await problemOf(await postWithHeaders({ authorization: `Bearer tg_nobody_${secretPart}` }), 401)
  })

  it('401 once a key is revoked, while the tenant’s other keys keep working', async () => {
    const extra = await createApiKey(t.db, 'acme', 'to revoke')
    expect((await postWithHeaders({ authorization: `Bearer ${extra.key}` })).status).toBe(201)
    await revokeApiKey(t.db, 'acme', extra.id)
    const problem = await problemOf(await postWithHeaders({ authorization: `Bearer ${extra.key}` }), 401)
    expect(problem.detail).toMatch(/revoked/)
    const decision = await authorize(t, purchaseBy(newPerson()))
    await problemOf(await t.get(`/v1/decisions/${decision.id}`, { key: extra.key }), 401)
    expect((await postWithHeaders({ authorization: `Bearer ${t.key}` })).status).toBe(201)
  })

  it('a refused key stores nothing and is not logged', async () => {
    const before = await countRows(t)
    const wrongKey = `tg_acme_${'Z'.repeat(40)}`
    await problemOf(await postWithHeaders({ authorization: `Bearer ${wrongKey}` }), 401)
    expect(await countRows(t)).toEqual(before)
    expect(t.logs.join('\n')).not.toContain(wrongKey)
    expect(t.logs.join('\n')).not.toContain(t.key)
  })

  it('the key is checked before the body is: an unauthenticated caller learns nothing about the schema', async () => {
    const problem = await problemOf(await postWithHeaders({}, { nonsense: true }), 401)
    expect(problem.errors).toBeUndefined()
  })
})

describe('tenant isolation', () => {
  it('another tenant cannot read a decision: 404, exactly as for one that does not exist', async () => {
    const decision = await authorize(t, purchaseBy(newPerson()))
    expect((await t.get(`/v1/decisions/${decision.id}`)).status).toBe(200)
    const response = await t.get(`/v1/decisions/${decision.id}`, { key: t.otherKey })
    const text = await response.clone().text()
    const problem = await problemOf(response, 404)
    const missing = await problemOf(
      await t.get('/v1/decisions/dec_doesnotexist0000', { key: t.otherKey }),
      404,
    )
    expect({ ...problem, request_id: '', detail: '', instance: '' }).toEqual({
      ...missing,
      request_id: '',
      detail: '',
      instance: '',
    })
    // nothing of the decision leaks into the answer
    expect(text).not.toContain('approve')
    expect(text).not.toContain(String(decision.customer?.id))
    expect(text).not.toContain(String(decision.payment_method?.fingerprint))
  })

  it('usage at one tenant does not count at another', async () => {
    const person = newPerson()
    const spent = await authorize(t, purchaseBy(person, { amount: { value: 10_000, currency: 'USD' } }))
    expect(spent.outcome).toBe('approve')
    expect((await authorize(t, purchaseBy(person))).outcome).toBe('limit')

    const elsewhere = await authorize(t, purchaseBy(person), { key: t.otherKey })
    expect(elsewhere.outcome).toBe('approve')
    expect(elsewhere.limits.max_amount).toBe(10_000)
    // nor is the customer known there: profiles are per tenant
    expect(elsewhere.customer?.returning).toBe(false)
    expect(elsewhere.customer?.id).not.toBe(spent.customer?.id)

    // the sessions of a day, too
    const caller = newPerson()
    const session = {
      kind: 'session',
      channel: 'web',
      customer: { id: caller.customerId, email: caller.email, name: 'Test Person' },
    }
    await authorize(t, session)
    await authorize(t, session)
    expect((await authorize(t, session)).outcome).toBe('limit')
    expect((await authorize(t, session, { key: t.otherKey })).outcome).toBe('approve')
  })

  it('a card used at two tenants is stored once per tenant, each with its own customer', async () => {
    const person = newPerson()
    const here = await authorize(t, purchaseBy(person))
    const there = await authorize(t, purchaseBy(person), { key: t.otherKey })
    const rows = await t.db
      .selectFrom('payment_methods')
      .select(['tenant_id', 'customer_id'])
      .where('fingerprint', '=', String(here.payment_method?.fingerprint))
      .orderBy('tenant_id')
      .execute()
    expect(rows).toEqual([
      { tenant_id: 'acme', customer_id: here.customer?.id },
      { tenant_id: 'globex', customer_id: there.customer?.id },
    ])
  })
})

describe('500s never carry internal text', () => {
  it('the one onError answers a bare problem with the request id, and logs the detail', async () => {
    const logs: string[] = []
    const logger = createLogger('debug', { write: (line: string) => void logs.push(line) })
    const app = new OpenAPIHono()
    app.use(requestId({ headerName: 'X-Request-Id' }))
    app.onError(onError(logger))
    const secret = 'password=hunter2 at /srv/tollgate/db.ts:42 relation "decisions" does not exist'
    app.get('/boom', () => {
      throw new Error(secret)
    })
    app.get('/boom-type', () => {
      throw new TypeError("Cannot read properties of undefined (reading 'card')")
    })
    app.get('/boom-string', () => {
      throw Object.assign(new Error('duplicate key value violates unique constraint "decisions_pk"'), {
        code: '23505',
        detail: 'Key (tenant_id, id)=(acme, dec_1) already exists.',
      })
    })

    for (const path of ['/boom', '/boom-type', '/boom-string']) {
      const response = await app.request(path)
      const text = await response.clone().text()
      const problem = await problemOf(response, 500)
      expect(problem.type).toBe('urn:tollgate:problem:internal')
      expect(problem.title).toBe('Something went wrong on our side')
      expect(problem.detail).toBe(`Quote request id ${problem.request_id} when you report this.`)
      expect(text).not.toMatch(/hunter2|srv|relation|Cannot read|duplicate|constraint|Key \(|stack|at /)
      expect(Object.keys(problem).sort()).toEqual([
        'detail',
        'instance',
        'request_id',
        'status',
        'title',
        'type',
      ])
      // the detail is in the log, under the same request id
      const logged = logs.find((line) => line.includes(problem.request_id))
      expect(logged).toBeDefined()
      expect(JSON.parse(String(logged))).toMatchObject({ level: 50, request_id: problem.request_id, path })
    }
    expect(logs.join('\n')).toContain('hunter2')
  })

  it('the merchant API keeps that shape when the database fails under it', async () => {
    const scratch = await startTestApp()
    try {
      await scratch.db.schema.dropTable('usage_events').execute()
      const response = await scratch.post('/v1/authorizations', purchaseBy(newPerson()))
      const text = await response.clone().text()
      const problem = await problemOf(response, 500)
      expect(problem.type).toBe('urn:tollgate:problem:internal')
      expect(text).not.toMatch(/usage_events|relation|does not exist|select|insert/i)
      expect(scratch.logs.some((l) => l.includes(problem.request_id) && l.includes('usage_events'))).toBe(
        true,
      )
      // the decision was rolled back with the usage it could not record
      expect(
        Number(
          (
            await scratch.db
              .selectFrom('decisions')
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        ),
      ).toBe(0)
    } finally {
      await scratch.close()
    }
  })
})

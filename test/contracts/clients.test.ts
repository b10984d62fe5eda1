// A client generated from each OpenAPI document reaches the real routes: the documents are read from
// a server listening on a port, openapi-typescript turns each into types, the client code in
// merchant-client.ts and admin-client.ts is type-checked against those types, and then it runs,
// through openapi-fetch, against that server at the address the document's `servers` entry gives.
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { type ServerType, serve } from '@hono/node-server'
import type { OpenAPI3 } from 'openapi-typescript'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiTypesDir, type DocumentName, documents, typesOf } from '../../server/http/api-types.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { reviewRuleSet } from '../support/review-rule-set.ts'
import { createStaffUser, STAFF_PASSWORD } from '../support/staff.ts'
import { adminClient, signIn, workTheDesk } from './admin-client.ts'
import { authorizeAndReadBack, merchantClient, readDecision } from './merchant-client.ts'

const root = path.resolve(import.meta.dirname, '../..')
const clientCode = ['merchant-client.ts', 'admin-client.ts'].map((f) => path.join(import.meta.dirname, f))

/**
 * The type errors of the client code when the generated files hold `generated`: the files on disk
 * (written by `npm run api-types`) are replaced in memory, so this checks against the served
 * documents whatever the disk holds.
 */
function typeErrors(generated: Record<DocumentName, string>): string[] {
  const config = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile)
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root)
  const replaced = new Map(
    (Object.keys(documents) as DocumentName[]).map((name) => [
      path.join(apiTypesDir, documents[name].file),
      generated[name],
    ]),
  )
  const host = ts.createCompilerHost(options)
  const { fileExists, readFile, directoryExists } = host
  host.fileExists = (file) => replaced.has(file) || fileExists(file)
  host.readFile = (file) => replaced.get(file) ?? readFile(file)
  host.directoryExists = (dir) =>
    dir === apiTypesDir || (directoryExists?.(dir) ?? ts.sys.directoryExists(dir))
  const program = ts.createProgram({ rootNames: clientCode, options, host })
  return ts
    .getPreEmitDiagnostics(program)
    .map(
      (d) =>
        `${path.relative(root, d.file?.fileName ?? '?')}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`,
    )
}

/** Where a generated client sends its calls: the first server, relative to the document's own URL. */
function serverUrl(document: OpenAPI3, documentUrl: string): string {
  return new URL(document.servers?.[0]?.url ?? '/', documentUrl).href
}

let t: TestApp
let server: ServerType
let origin: string
const served = {} as Record<DocumentName, { document: OpenAPI3; url: string; types: string }>
let reviewer: { email: string }

beforeAll(async () => {
  t = await startTestApp({ ruleSet: reviewRuleSet })
  server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' })
  // The type check blocks this process for seconds, so the server's idle-connection timer and the
  // client's would fire together and reset a reused connection: the server keeps them longer.
  if ('keepAliveTimeout' in server) server.keepAliveTimeout = 120_000
  await once(server, 'listening')
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  for (const name of Object.keys(documents) as DocumentName[]) {
    const url = `${origin}${documents[name].url}`
    const response = await fetch(url)
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`)
    const document = (await response.json()) as OpenAPI3
    served[name] = { document, url, types: await typesOf(document) }
  }
  reviewer = await createStaffUser(t, 'acme', 'analyst')
}, 180_000)

afterAll(async () => {
  server?.close()
  await t?.close()
})

const merchantUrl = () => serverUrl(served.merchant.document, served.merchant.url)
const adminUrl = () => serverUrl(served.admin.document, served.admin.url)
const bigPurchase = (customerId: string) => ({ amount: 60_000, customerId, idempotencyKey: randomUUID() })

describe('clients generated from the served documents', () => {
  it('type-check: every call the client code makes is in the documents, with the bodies it sends', () => {
    expect(typeErrors({ merchant: served.merchant.types, admin: served.admin.types })).toEqual([])
  }, 120_000)

  it('a merchant authorizes a purchase and reads the decision back', async () => {
    const client = merchantClient(merchantUrl(), t.key)
    const { created, read } = await authorizeAndReadBack(client, bigPurchase('c-contract-1'))
    expect(created.response.status).toBe(201)
    expect(created.data).toMatchObject({ outcome: 'review', payment_method: { last4: '4242' } })
    expect(read?.response.status).toBe(200)
    expect(read?.data).toMatchObject({ id: created.data?.id, outcome: 'review' })
  })

  it('a merchant gets the problem document, typed, for another tenant’s decision or a malformed id', async () => {
    const { created } = await authorizeAndReadBack(
      merchantClient(merchantUrl(), t.key),
      bigPurchase('c-contract-6'),
    )
    const otherTenant = await readDecision(merchantClient(merchantUrl(), t.otherKey), created.data?.id ?? '')
    expect(otherTenant.status).toBe(404)
    expect(otherTenant.problem).toMatchObject({ status: 404, type: expect.stringMatching(/not_found$/) })
    const malformed = await readDecision(merchantClient(merchantUrl(), t.key), 'not a decision id')
    expect(malformed.status).toBe(422)
    expect(malformed.problem?.errors?.map((e) => e.field)).toEqual(['id'])
  })

  it('a merchant with an unknown key is refused and nothing is decided', async () => {
    const { created, read } = await authorizeAndReadBack(
      merchantClient(merchantUrl(), 'tg_acme_not-a-key'),
      bigPurchase('c-contract-2'),
    )
    expect(created.response.status).toBe(401)
    expect(created.error).toMatchObject({ status: 401 })
    expect(read).toBeUndefined()
  })

  it('a reviewer signs in, lists rule sets, claims the open review and reads it', async () => {
    const { created } = await authorizeAndReadBack(
      merchantClient(merchantUrl(), t.key),
      bigPurchase('c-contract-3'),
    )
    const admin = adminClient(adminUrl())
    const signedIn = await signIn(admin, { tenant: 'acme', email: reviewer.email, password: STAFF_PASSWORD })
    expect(signedIn.response.status).toBe(200)
    expect(signedIn.data?.user.role).toBe('analyst')

    const desk = await workTheDesk(admin)
    expect(desk.ruleSets.data?.rule_sets.map((r) => r.id)).toEqual(['authorizations'])
    expect(desk.open.data?.reviews.map((r) => r.decision_id)).toContain(created.data?.id)
    expect(desk.claimed?.response.status).toBe(200)
    expect(desk.claimed?.data?.status).toBe('claimed')
    expect(desk.detail?.data?.review.status).toBe('claimed')
    expect(desk.detail?.data?.fired_rules.map((r) => r.id)).toEqual(['big-purchase'])
  })

  it('a reviewer with a wrong password, or writing without the CSRF token, is refused', async () => {
    const stranger = adminClient(adminUrl())
    const refused = await signIn(stranger, { tenant: 'acme', email: reviewer.email, password: 'wrong' })
    expect(refused.response.status).toBe(401)
    expect(refused.error?.status).toBe(401)

    await authorizeAndReadBack(merchantClient(merchantUrl(), t.key), bigPurchase('c-contract-4'))
    const admin = adminClient(adminUrl())
    await signIn(admin, { tenant: 'acme', email: reviewer.email, password: STAFF_PASSWORD })
    admin.session.csrf = ''
    const desk = await workTheDesk(admin)
    expect(desk.open.response.status).toBe(200)
    expect(desk.claimed?.response.status).toBe(403)
  })
})

describe('the contract tests catch a document that misleads a client', () => {
  it('paths without the base path, as /v1/openapi.json had: the client code no longer type-checks', async () => {
    const { document } = served.merchant
    const withoutBase: OpenAPI3 = {
      ...document,
      paths: Object.fromEntries(
        Object.entries(document.paths ?? {}).map(([route, item]) => [route.replace(/^\/v1/, ''), item]),
      ),
    }
    const errors = typeErrors({ merchant: await typesOf(withoutBase), admin: served.admin.types })
    expect(
      errors.some(
        (e) => e.startsWith('test/contracts/merchant-client.ts') && e.includes('/v1/authorizations'),
      ),
    ).toBe(true)
  }, 120_000)

  it('a servers entry that adds the base path again: the calls miss the routes', async () => {
    const document: OpenAPI3 = { ...served.merchant.document, servers: [{ url: '/v1' }] } as OpenAPI3
    const client = merchantClient(serverUrl(document, served.merchant.url), t.key)
    const { created } = await authorizeAndReadBack(client, bigPurchase('c-contract-5'))
    expect(created.response.status).toBe(404)
  })
})

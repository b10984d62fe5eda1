// /admin/v1/providers: the tenant's outside data providers (figure 10, step 1015) — list, create,
// change, disable, and a test call that goes through the real client. Admin only; every change
// is audited. Auth tokens are write-only.
import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { Db } from '../../db/connect.ts'
import {
  failPolicies,
  type ProviderKind,
  type ProviderQuery,
  providerKinds,
  providerQuerySchemas,
} from '../../rules/facts/providers.ts'
import { recordAudit } from '../audit/audit.ts'
import { type AdminEnv, adminProblems, adminRoute, conflict, notFound, unprocessable } from '../http/admin.ts'
import { defaultHook } from '../http/openapi.ts'
import { ProblemError, validationProblem, zodToProblem } from '../http/problem.ts'
import type { ProviderRegistry } from './client.ts'
import {
  findProvider,
  insertProvider,
  listProviders,
  type ProviderRow,
  providerConfig,
  providerDefaults,
  updateProvider,
  viewProvider,
} from './store.ts'

const policyText = `**Fail policy.** When a provider times out, errors or its circuit is open:
\`fail_open\` — its answer facts read null and \`provider_unavailable\` false, so the decision goes
on as if the check were not there; \`fail_closed\` — \`provider_unavailable\` reads true and the facts
that could let someone through read false (\`provider_identity_verified\`, \`provider_check_approved\`,
\`provider_listed_*_matches\`). \`provider_status\` always says what happened. A provider is called at
most once per decision, only when a rule reads one of its facts, and never by simulations or
backtests (they read the answer recorded with the decision). \`url\` may be a path such as
\`/sandbox/providers/credit_bureau\`: it is resolved against this server's own address.`

const providerSchema = z
  .object({
    id: z.string(),
    kind: z.enum(providerKinds),
    name: z.string(),
    url: z.string(),
    timeout_ms: z.number().int(),
    retries: z.number().int(),
    fail_policy: z.enum(failPolicies),
    cache_ttl_seconds: z.number().int(),
    breaker_threshold: z.number().int(),
    breaker_reset_ms: z.number().int(),
    enabled: z.boolean(),
    has_secret: z.boolean().openapi({ description: 'an auth token is set; it is never shown' }),
    circuit: z.enum(['closed', 'open', 'half_open']).openapi({ description: 'in this server process' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('DataProvider')

const settings = {
  name: z.string().min(1).max(120),
  url: z
    .string()
    .min(1)
    .max(2000)
    .openapi({ description: 'http(s) URL, or a path resolved against this server (the sandbox)' }),
  timeout_ms: z
    .number()
    .int()
    .min(50)
    .max(30_000)
    .openapi({ description: 'the deadline for the whole call, retries and waits included' }),
  retries: z
    .number()
    .int()
    .min(0)
    .max(5)
    .openapi({ description: 'attempts after the first, on 5xx, 429 or a broken connection' }),
  fail_policy: z.enum(failPolicies),
  cache_ttl_seconds: z.number().int().min(0).max(86_400).openapi({ description: '0 keeps no answers' }),
  breaker_threshold: z
    .number()
    .int()
    .min(1)
    .max(100)
    .openapi({ description: 'consecutive failures that open the circuit' }),
  breaker_reset_ms: z
    .number()
    .int()
    .min(100)
    .max(3_600_000)
    .openapi({ description: 'how long the circuit stays open before one trial call' }),
  enabled: z.boolean(),
  secret: z
    .string()
    .min(1)
    .max(500)
    .nullable()
    .openapi({ description: 'sent as Authorization: Bearer …; null for none' }),
}

const createBody = z
  .object({
    id: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lowercase letters, digits, _ and -'),
    kind: z.enum(providerKinds),
    name: settings.name,
    url: settings.url,
    timeout_ms: settings.timeout_ms.default(providerDefaults.timeout_ms),
    retries: settings.retries.default(providerDefaults.retries),
    fail_policy: settings.fail_policy.default(providerDefaults.fail_policy),
    cache_ttl_seconds: settings.cache_ttl_seconds.default(providerDefaults.cache_ttl_seconds),
    breaker_threshold: settings.breaker_threshold.default(providerDefaults.breaker_threshold),
    breaker_reset_ms: settings.breaker_reset_ms.default(providerDefaults.breaker_reset_ms),
    enabled: settings.enabled.default(true),
    secret: settings.secret.default(null),
  })
  .strict()

const updateBody = z
  .object({
    name: settings.name.optional(),
    url: settings.url.optional(),
    timeout_ms: settings.timeout_ms.optional(),
    retries: settings.retries.optional(),
    fail_policy: settings.fail_policy.optional(),
    cache_ttl_seconds: settings.cache_ttl_seconds.optional(),
    breaker_threshold: settings.breaker_threshold.optional(),
    breaker_reset_ms: settings.breaker_reset_ms.optional(),
    enabled: settings.enabled.optional(),
    secret: settings.secret.optional(),
  })
  .strict()

const testResultSchema = z
  .object({
    status: z.enum(['answered', 'cached', 'timeout', 'circuit_open', 'error']),
    attempts: z.number().int(),
    latency_ms: z.number().int(),
    answer: z.record(z.string(), z.unknown()).nullable(),
    error: z.string().nullable(),
    circuit: z.enum(['closed', 'open', 'half_open']),
  })
  .openapi('ProviderTestCall')

const idParam = z.object({ id: z.string().min(1).max(64) })
const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } })

const list = adminRoute('admin', {
  method: 'get',
  path: '/providers',
  tags: ['Providers'],
  summary: 'The tenant’s outside data providers',
  description: policyText,
  responses: {
    200: { description: 'The providers', content: json(z.object({ providers: z.array(providerSchema) })) },
    ...adminProblems,
  },
})

const read = adminRoute('admin', {
  method: 'get',
  path: '/providers/{id}',
  tags: ['Providers'],
  summary: 'One provider, with its circuit state in this process',
  request: { params: idParam },
  responses: {
    200: { description: 'The provider', content: json(providerSchema) },
    ...adminProblems,
    ...notFound,
  },
})

const create = adminRoute('admin', {
  method: 'post',
  path: '/providers',
  tags: ['Providers'],
  summary: 'Add a provider; one enabled provider per kind',
  description: policyText,
  request: { body: { required: true, content: json(createBody) } },
  responses: {
    201: { description: 'Created', content: json(providerSchema) },
    ...adminProblems,
    ...unprocessable,
    ...conflict,
  },
})

const update = adminRoute('admin', {
  method: 'patch',
  path: '/providers/{id}',
  tags: ['Providers'],
  summary: 'Change a provider; its circuit and cache start afresh',
  request: { params: idParam, body: { required: true, content: json(updateBody) } },
  responses: {
    200: { description: 'Changed', content: json(providerSchema) },
    ...adminProblems,
    ...notFound,
    ...unprocessable,
    ...conflict,
  },
})

const disable = adminRoute('admin', {
  method: 'post',
  path: '/providers/{id}/disable',
  tags: ['Providers'],
  summary: 'Stop asking a provider: its facts read not_configured until it is enabled again',
  request: { params: idParam },
  responses: {
    200: { description: 'Disabled', content: json(providerSchema) },
    ...adminProblems,
    ...notFound,
  },
})

const testCall = adminRoute('admin', {
  method: 'post',
  path: '/providers/{id}/test',
  tags: ['Providers'],
  summary: 'Call the provider now with a sample or given query, past the cache, through the real client',
  request: {
    params: idParam,
    body: {
      required: false,
      content: json(
        z
          .object({
            query: z
              .record(z.string(), z.unknown())
              .optional()
              .openapi({ description: 'the kind’s query; a sample when left out' }),
          })
          .strict(),
      ),
    },
  },
  responses: {
    200: { description: 'What the call came to', content: json(testResultSchema) },
    ...adminProblems,
    ...notFound,
    ...unprocessable,
  },
})

const sampleQueries: { [K in ProviderKind]: ProviderQuery<K> } = {
  ani_line_type: { phone: '+12025550100' },
  credit_bureau: {
    name: 'Ann Lee',
    email: 'ann@example.com',
    phone: '+12025550100',
    birth_date: '1980-04-02',
    address: { line1: '12 Main St', postal_code: '94107', country: 'US' },
  },
  check_approval: {
    routing_number: '011000015',
    account_last4: '6789',
    account_fingerprint: 'bank_sample',
    amount: { value: 2500, currency: 'USD' },
    name: 'Ann Lee',
  },
  demographics: { phone: '+12025550100', email: 'ann@example.com', name: 'Ann Lee', postal_code: '94107' },
  card_issuer: { bin: '424242' },
}

function checkUrl(raw: string): string {
  if (raw.startsWith('/') && !raw.startsWith('//')) return raw
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw validationProblem(['url'], 'is neither an http(s) URL nor a path on this server')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw validationProblem(['url'], 'must be an http or https URL')
  if (url.username || url.password) throw validationProblem(['url'], 'must not carry credentials; use secret')
  return url.toString()
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505'
}

function oneEnabledPerKind(error: unknown, kind: string): never {
  if (isUniqueViolation(error))
    throw new ProblemError(
      'conflict',
      `Another enabled ${kind} provider exists, or this id is taken; disable it first.`,
    )
  throw error
}

export function providerRoutes(deps: { db: Db; secret: string; providers: ProviderRegistry }) {
  const { db, providers } = deps
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })

  const view = (row: ProviderRow) => ({
    ...viewProvider(row),
    circuit: providers.client(providerConfig(row, deps.secret)).circuit,
  })

  app.openapi(list, async (c) => {
    const rows = await listProviders(db, c.get('staff').tenantId)
    return c.json({ providers: rows.map(view) }, 200)
  })

  app.openapi(read, async (c) => {
    const { id } = c.req.valid('param')
    const row = await findProvider(db, c.get('staff').tenantId, id)
    if (!row) throw new ProblemError('not_found', `No provider ${id}`)
    return c.json(view(row), 200)
  })

  app.openapi(create, async (c) => {
    const body = c.req.valid('json')
    const staff = c.get('staff')
    const input = { ...body, url: checkUrl(body.url) }
    const row = await db
      .transaction()
      .execute(async (trx) => {
        const created = await insertProvider(trx, staff.tenantId, input, deps.secret, staff.userId)
        await recordAudit(
          trx,
          staff.tenantId,
          { id: staff.userId, email: staff.email },
          {
            action: 'provider.created',
            entityType: 'provider',
            entityId: created.id,
            after: viewProvider(created),
          },
        )
        return created
      })
      .catch((error: unknown) => oneEnabledPerKind(error, body.kind))
    return c.json(view(row), 201)
  })

  app.openapi(update, async (c) => {
    const { id } = c.req.valid('param')
    const body = c.req.valid('json')
    const staff = c.get('staff')
    const changes = { ...body, ...(body.url === undefined ? {} : { url: checkUrl(body.url) }) }
    const row = await db
      .transaction()
      .execute(async (trx) => {
        const before = await findProvider(trx, staff.tenantId, id)
        if (!before) throw new ProblemError('not_found', `No provider ${id}`)
        const after = await updateProvider(trx, staff.tenantId, id, changes, deps.secret)
        if (!after) throw new ProblemError('not_found', `No provider ${id}`)
        await recordAudit(
          trx,
          staff.tenantId,
          { id: staff.userId, email: staff.email },
          {
            action: 'provider.updated',
            entityType: 'provider',
            entityId: id,
            before: viewProvider(before),
            after: viewProvider(after),
          },
        )
        return after
      })
      .catch((error: unknown) => oneEnabledPerKind(error, 'such a'))
    providers.forget(staff.tenantId, id)
    return c.json(view(row), 200)
  })

  app.openapi(disable, async (c) => {
    const { id } = c.req.valid('param')
    const staff = c.get('staff')
    const row = await db.transaction().execute(async (trx) => {
      const before = await findProvider(trx, staff.tenantId, id)
      if (!before) throw new ProblemError('not_found', `No provider ${id}`)
      const after = await updateProvider(trx, staff.tenantId, id, { enabled: false }, deps.secret)
      if (!after) throw new ProblemError('not_found', `No provider ${id}`)
      await recordAudit(
        trx,
        staff.tenantId,
        { id: staff.userId, email: staff.email },
        { action: 'provider.disabled', entityType: 'provider', entityId: id, before: viewProvider(before) },
      )
      return after
    })
    providers.forget(staff.tenantId, id)
    return c.json(view(row), 200)
  })

  app.openapi(testCall, async (c) => {
    const { id } = c.req.valid('param')
    const staff = c.get('staff')
    const row = await findProvider(db, staff.tenantId, id)
    if (!row) throw new ProblemError('not_found', `No provider ${id}`)
    const config = providerConfig(row, deps.secret)
    const given = (await c.req.json().catch(() => ({}))) as { query?: unknown }
    const parsed = providerQuerySchemas[config.kind].safeParse(given.query ?? sampleQueries[config.kind])
    if (!parsed.success) throw zodToProblem(parsed.error, ['query'])
    const client = providers.client(config)
    const call = await client.call(parsed.data, { bypassCache: true })
    await recordAudit(
      db,
      staff.tenantId,
      { id: staff.userId, email: staff.email },
      {
        action: 'provider.tested',
        entityType: 'provider',
        entityId: id,
        after: {
          status: call.status,
          attempts: call.attempts,
          latency_ms: call.latencyMs,
          error: call.error,
        },
      },
    )
    return c.json(
      {
        status: call.status,
        attempts: call.attempts,
        latency_ms: call.latencyMs,
        answer: call.answer as Record<string, unknown> | null,
        error: call.error,
        circuit: client.circuit,
      },
      200,
    )
  })

  return app
}

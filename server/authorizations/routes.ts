// POST /v1/authorizations and GET /v1/decisions/{id}: the merchant's decision API.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import { defaultHook, type MerchantEnv } from '../http/openapi.ts'
import { ProblemError, problemSchema, validationProblem } from '../http/problem.ts'
import { decisionPayment, paymentOfDecision } from '../payments/purchases.ts'
import { providerCallsOf } from '../providers/sources.ts'
import type { Services } from '../services.ts'
import {
  authorizationRequestSchema,
  type DecisionResponse,
  decisionSchema,
  decisionWithExplanationSchema,
} from './schema.ts'

const problems = {
  401: {
    description: 'Missing, unknown or revoked API key',
    content: { 'application/problem+json': { schema: problemSchema } },
  },
  422: {
    description: 'A field is invalid; errors[] names it',
    content: { 'application/problem+json': { schema: problemSchema } },
  },
}

const createAuthorization = createRoute({
  method: 'post',
  path: '/authorizations',
  tags: ['Authorizations'],
  summary: 'Decide a purchase or a billable session',
  description:
    'Runs the tenant’s active rule set and answers approve, limit, temporary_block, block or review, with the reasons, the limits of an approval, discounts and offers. An approval counts toward the customer’s allowances. Send an Idempotency-Key to retry safely: the same key and body return the stored decision without counting it twice.',
  security: [{ bearer: [] }],
  request: {
    headers: z.object({
      'idempotency-key': z
        .string()
        .min(1)
        .max(255)
        .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
        .optional()
        .openapi({ description: 'a unique key per logical request, such as a UUID' }),
    }),
    body: { required: true, content: { 'application/json': { schema: authorizationRequestSchema } } },
  },
  responses: {
    201: { description: 'The decision', content: { 'application/json': { schema: decisionSchema } } },
    ...problems,
    409: {
      description: 'No rule set is active',
      content: { 'application/problem+json': { schema: problemSchema } },
    },
    413: {
      description: 'Body over 64 KiB',
      content: { 'application/problem+json': { schema: problemSchema } },
    },
  },
})

const readDecision = createRoute({
  method: 'get',
  path: '/decisions/{id}',
  tags: ['Authorizations'],
  summary: 'Read a decision, its explanation and any reviewer’s resolution',
  security: [{ bearer: [] }],
  request: {
    params: z.object({
      id: z
        .string()
        .min(1)
        .max(64)
        .openapi({ param: { name: 'id', in: 'path' } }),
    }),
  },
  responses: {
    200: {
      description: 'The decision',
      content: { 'application/json': { schema: decisionWithExplanationSchema } },
    },
    401: problems[401],
    404: {
      description: 'No such decision for this tenant',
      content: { 'application/problem+json': { schema: problemSchema } },
    },
  },
})

export function authorizationRoutes(
  services: Pick<Services, 'db' | 'authorizations' | 'apiKeys' | 'payments'>,
) {
  const app = new OpenAPIHono<MerchantEnv>({ defaultHook })

  app.openapi(createAuthorization, async (c) => {
    const body = c.req.valid('json')
    const { 'idempotency-key': idempotencyKey } = c.req.valid('header')
    const { decision, replayed } = await services.authorizations.authorize(body, {
      tenantId: c.get('tenantId'),
      channel: 'api',
      idempotencyKey,
      ruleSetPointer: c.get('ruleSetPointer'),
      keyCheck: c.get('keyCheckPending') ? services.apiKeys.checkInTransaction(c.get('apiKeyId')) : undefined,
    })
    if (replayed) c.header('Idempotent-Replayed', 'true')
    return c.json(decision, 201)
  })

  app.openapi(readDecision, async (c) => {
    const { id } = c.req.valid('param')
    if (!/^dec_[a-z0-9]+$/.test(id)) throw validationProblem(['id'], 'is not a decision id')
    const row = await services.authorizations.get(c.get('tenantId'), id)
    if (!row) throw new ProblemError('not_found', `No decision ${id}`)
    const decision = row.response as DecisionResponse
    // the payment as it stands now (captured, refunded …), not as it stood when decided
    const paymentId = await paymentOfDecision(services.db, c.get('tenantId'), id)
    const payment = paymentId ? await services.payments.get(c.get('tenantId'), paymentId) : undefined
    return c.json(
      {
        ...decision,
        ...(payment ? { payment: decisionPayment(payment) } : {}),
        resolution: (row.resolution as DecisionResponse['resolution']) ?? null,
        explanation: {
          fired_rules: (row.fired_rules as { id: string; name: string; type: string; conditions: [] }[]).map(
            (r) => ({
              id: r.id,
              name: r.name,
              type: r.type,
              conditions: r.conditions,
            }),
          ),
          facts: row.facts as { fact: string; params: Record<string, unknown> | null; value: unknown }[],
          providers: await providerCallsOf(services.db, c.get('tenantId'), id),
        },
      },
      200,
    )
  })

  return app
}

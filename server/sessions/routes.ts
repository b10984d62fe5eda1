// /v1/sessions: the merchant's billable sessions — start (the decision and the hold), legs,
// heartbeats, end (rated and settled) and read. The telephony bridge calls the same service
// in-process (services.sessions).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import { defaultHook, type MerchantEnv } from '../http/openapi.ts'
import { ProblemError, problemSchema } from '../http/problem.ts'
import type { Services } from '../services.ts'
import { endRequestSchema, legRequestSchema, sessionRequestSchema, sessionSchema } from './schema.ts'

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: problemSchema } },
})

const problems = {
  401: problem('Missing, unknown or revoked API key'),
  404: problem('No such session (or leg) for this tenant'),
  409: problem(
    'The session is not live (it ended, failed or was refused), or three representatives are on it',
  ),
  422: problem('A field is invalid; errors[] names it'),
}

const idempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
  .optional()
  .openapi({ description: 'a unique key per logical request, such as a UUID' })

const sessionId = z
  .string()
  .regex(/^ses_[a-z0-9]+$/, 'is not a session id')
  .openapi({ param: { name: 'id', in: 'path' }, example: 'ses_0mhk2x1c7a8b9c0d1e2f3g4h' })
const legId = z
  .string()
  .regex(/^leg_[a-z0-9]+$/, 'is not a leg id')
  .openapi({ param: { name: 'leg', in: 'path' } })

const sessionResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: sessionSchema } },
})

const startSession = createRoute({
  method: 'post',
  path: '/sessions',
  tags: ['Sessions'],
  summary: 'Start a billable session: the decision and the hold',
  description:
    'Decides the caller (kind session) on the tenant’s active rule set and, when approved, places a hold for the service line’s hold amount (checking and EFT: no hold, charged at the end). max_duration_seconds is the smaller of what the allowances leave and what the hold covers, and is reserved against the allowances until the session is settled. A refused decision returns status refused; a declined hold status failed with the reason. Send an Idempotency-Key to retry safely.',
  security: [{ bearer: [] }],
  request: {
    headers: z.object({ 'idempotency-key': idempotencyKey }),
    body: { required: true, content: { 'application/json': { schema: sessionRequestSchema } } },
  },
  responses: {
    201: sessionResponse('The session, with its decision'),
    401: problems[401],
    409: problem('No rule set is active'),
    422: problems[422],
  },
})

const readSession = createRoute({
  method: 'get',
  path: '/sessions/{id}',
  tags: ['Sessions'],
  summary: 'Read a session: its legs, billing window, rating and settlement',
  security: [{ bearer: [] }],
  request: { params: z.object({ id: sessionId }) },
  responses: {
    200: sessionResponse('The session'),
    401: problems[401],
    404: problems[404],
    422: problems[422],
  },
})

const connectLeg = createRoute({
  method: 'post',
  path: '/sessions/{id}/legs',
  tags: ['Sessions'],
  summary: 'Connect a representative’s (or, in a chat room, the customer’s) leg',
  description:
    'The first representative’s connect starts the billing window; one to three representatives may be connected at once. Send an Idempotency-Key to retry safely: the same key returns the same leg.',
  security: [{ bearer: [] }],
  request: {
    params: z.object({ id: sessionId }),
    headers: z.object({ 'idempotency-key': idempotencyKey }),
    body: { required: true, content: { 'application/json': { schema: legRequestSchema } } },
  },
  responses: { 201: sessionResponse('The session with the new leg'), ...problems },
})

const endLeg = createRoute({
  method: 'post',
  path: '/sessions/{id}/legs/{leg}/end',
  tags: ['Sessions'],
  summary: 'Disconnect a leg',
  description:
    'The last representative’s disconnect ends the billing window. Ending a leg again changes nothing.',
  security: [{ bearer: [] }],
  request: { params: z.object({ id: sessionId, leg: legId }) },
  responses: {
    200: sessionResponse('The session'),
    401: problems[401],
    404: problems[404],
    422: problems[422],
  },
})

const heartbeat = createRoute({
  method: 'post',
  path: '/sessions/{id}/heartbeat',
  tags: ['Sessions'],
  summary: 'Keep a live session alive',
  description:
    'A live session whose heartbeats stop for the tenant’s heartbeat timeout is ended at its last heartbeat and settled.',
  security: [{ bearer: [] }],
  request: { params: z.object({ id: sessionId }) },
  responses: { 200: sessionResponse('The session'), ...problems },
})

const endSession = createRoute({
  method: 'post',
  path: '/sessions/{id}/end',
  tags: ['Sessions'],
  summary: 'End a session: rate the billing window and settle',
  description:
    'Closes its open legs, rates the billing window on the service line’s terms and settles the hold as the tenant’s settlement setting says (capture and release, reverse and recharge, or credit the difference); a session that never connected reverses its hold in full. Ending again returns the session as it stands.',
  security: [{ bearer: [] }],
  request: {
    params: z.object({ id: sessionId }),
    body: { required: false, content: { 'application/json': { schema: endRequestSchema } } },
  },
  responses: { 200: sessionResponse('The ended (normally settled) session'), ...problems },
})

export function sessionRoutes(services: Pick<Services, 'sessions' | 'apiKeys'>) {
  const app = new OpenAPIHono<MerchantEnv>({ defaultHook })
  const found = <T>(value: T | undefined, id: string): T => {
    if (value === undefined) throw new ProblemError('not_found', `No session ${id}`)
    return value
  }

  app.openapi(startSession, async (c) => {
    const { session, replayed } = await services.sessions.start(c.req.valid('json'), {
      tenantId: c.get('tenantId'),
      channel: 'api',
      idempotencyKey: c.req.valid('header')['idempotency-key'],
      ruleSetPointer: c.get('ruleSetPointer'),
    })
    if (replayed) c.header('Idempotent-Replayed', 'true')
    return c.json(session, 201)
  })

  app.openapi(readSession, async (c) => {
    const { id } = c.req.valid('param')
    return c.json(found(await services.sessions.get(c.get('tenantId'), id), id), 200)
  })

  app.openapi(connectLeg, async (c) => {
    const { id } = c.req.valid('param')
    const { session } = await services.sessions.connectLeg(c.get('tenantId'), id, {
      ...c.req.valid('json'),
      idempotencyKey: c.req.valid('header')['idempotency-key'],
    })
    return c.json(session, 201)
  })

  app.openapi(endLeg, async (c) => {
    const { id, leg } = c.req.valid('param')
    return c.json(await services.sessions.endLeg(c.get('tenantId'), id, leg), 200)
  })

  app.openapi(heartbeat, async (c) => {
    const { id } = c.req.valid('param')
    return c.json(await services.sessions.heartbeat(c.get('tenantId'), id), 200)
  })

  app.openapi(endSession, async (c) => {
    const { id } = c.req.valid('param')
    // the body is optional: read it only when one came
    const hasBody = Number(c.req.header('content-length') ?? 0) > 0
    const body = hasBody ? c.req.valid('json') : {}
    return c.json(await services.sessions.end(c.get('tenantId'), id, { reason: body.reason }), 200)
  })

  return app
}

// /admin/v1/webhooks: merchants' endpoints per event type, their delivery log, and replays.
import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { Db } from '../../db/connect.ts'
import { recordAudit } from '../audit/audit.ts'
import { type AdminEnv, adminProblems, adminRoute, conflict, notFound, unprocessable } from '../http/admin.ts'
import { defaultHook } from '../http/openapi.ts'
import { ProblemError, validationProblem } from '../http/problem.ts'
import type { Logger } from '../logging.ts'
import { RETRY_DELAYS_SECONDS, WebhookDispatcher } from './dispatcher.ts'
import {
  createEndpoint,
  type DeliveryView,
  deleteEndpoint,
  enqueueTestEvent,
  findEndpoint,
  listDeliveries,
  listEndpoints,
  MAX_ATTEMPTS,
  replayDelivery,
  TEST_EVENT,
  webhookEvents,
} from './webhooks.ts'

const verification = `Every delivery is a POST of a JSON event \`{id, type, created_at, data}\` with the headers
\`Tollgate-Event-Id\`, \`Tollgate-Event-Type\`, \`Tollgate-Delivery-Id\` and
\`Tollgate-Signature: t=<unix seconds>,v1=<hex>\`.

**Verifying a delivery.** Take the raw request body as received (before parsing it), compute
HMAC-SHA256 with the endpoint's signing secret over \`<t>.<body>\` (the t value, a dot, the body),
hex-encode it and compare it with each v1 value in constant time. Reject the delivery when none
matches or when t is more than five minutes from your clock. Answer 2xx within 5 seconds; anything
else, a timeout or a refused connection is retried after about ${RETRY_DELAYS_SECONDS.slice(0, 4)
  .map((s) => (s < 3600 ? `${s / 60} min` : `${s / 3600} h`))
  .join(', ')} and so on (±20% jitter), ${MAX_ATTEMPTS} attempts in all. An event can arrive more
than once (retries, replays): deduplicate by its id. A test event sent from the console (POST
/webhooks/{id}/test) has type \`${TEST_EVENT}\` and is signed the same way; answer it 2xx.`

const endpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    description: z.string(),
    created_at: z.string(),
  })
  .openapi('WebhookEndpoint')

const attemptSchema = z.object({
  attempt: z.number().int(),
  started_at: z.string(),
  duration_ms: z.number().int(),
  response_status: z.number().int().nullable(),
  response_excerpt: z.string().nullable().openapi({ description: 'the first 500 characters of the answer' }),
  error: z.string().nullable().openapi({ description: 'why no answer came: timeout, refused connection…' }),
})

const deliverySchema = z
  .object({
    id: z.string(),
    event_id: z.string(),
    event_type: z.string(),
    status: z.enum(['pending', 'succeeded', 'failed']),
    attempts: z.number().int(),
    max_attempts: z.number().int(),
    next_attempt_at: z.string().nullable(),
    delivered_at: z.string().nullable(),
    replay_of: z.string().nullable(),
    created_at: z.string(),
    attempt_log: z.array(attemptSchema),
  })
  .openapi('WebhookDelivery')

const idParam = z.object({ id: z.string().min(1).max(64) })

const list = adminRoute('admin', {
  method: 'get',
  path: '/webhooks',
  tags: ['Webhooks'],
  summary: 'Webhook endpoints',
  description: verification,
  responses: {
    200: {
      description: 'The endpoints (signing secrets are never shown again)',
      content: { 'application/json': { schema: z.object({ webhooks: z.array(endpointSchema) }) } },
    },
    ...adminProblems,
  },
})

const create = adminRoute('admin', {
  method: 'post',
  path: '/webhooks',
  tags: ['Webhooks'],
  summary: 'Register an endpoint for event types; the signing secret is returned this once',
  description: verification,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              url: z.string().max(2000).openapi({ example: 'https://merchant.example/tollgate/webhooks' }),
              events: z.array(z.enum(webhookEvents)).min(1).openapi({
                description:
                  'decision.resolved, session.settled, payment.captured, payment.voided, payment.refunded, payment.failed, offer.accepted, offer.expired',
              }),
              description: z.string().max(500).default(''),
            })
            .strict(),
        },
      },
    },
  },
  responses: {
    201: {
      description: 'The endpoint and its signing secret',
      content: {
        'application/json': {
          schema: endpointSchema.extend({
            secret: z.string().openapi({ description: 'whsec_…: keep it; it is not shown again' }),
          }),
        },
      },
    },
    ...adminProblems,
    ...unprocessable,
  },
})

const remove = adminRoute('admin', {
  method: 'delete',
  path: '/webhooks/{id}',
  tags: ['Webhooks'],
  summary: 'Stop sending to an endpoint; its delivery log stays readable',
  request: { params: idParam },
  responses: { 204: { description: 'Deleted' }, ...adminProblems, ...notFound },
})

const deliveries = adminRoute('admin', {
  method: 'get',
  path: '/webhooks/{id}/deliveries',
  tags: ['Webhooks'],
  summary: 'An endpoint’s deliveries, newest first, with every attempt’s answer and duration',
  request: {
    params: idParam,
    query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
  },
  responses: {
    200: {
      description: 'The delivery log',
      content: { 'application/json': { schema: z.object({ deliveries: z.array(deliverySchema) }) } },
    },
    ...adminProblems,
    ...notFound,
  },
})

const replay = adminRoute('admin', {
  method: 'post',
  path: '/webhooks/deliveries/{delivery_id}/replay',
  tags: ['Webhooks'],
  summary: 'Send a delivery’s event again, as a new delivery with the same event id and body',
  request: { params: z.object({ delivery_id: z.string().min(1).max(64) }) },
  responses: {
    202: {
      description: 'Queued; the dispatcher sends it on its next pass',
      content: { 'application/json': { schema: z.object({ delivery_id: z.string() }) } },
    },
    ...adminProblems,
    ...notFound,
    ...conflict,
  },
})

const sendTest = adminRoute('admin', {
  method: 'post',
  path: '/webhooks/{id}/test',
  tags: ['Webhooks'],
  summary: 'Send the endpoint a signed test event now and report how it answered',
  description: `Sends a \`${TEST_EVENT}\` event (\`data\`: the webhook id, who sent it and a message) signed and with the same headers as any other delivery, waits for the answer (5 seconds at most) and returns the delivery with its attempt. It is tried once, not retried, and appears in the endpoint's delivery log. A receiver should answer 2xx to it and need not act on it.`,
  request: { params: idParam },
  responses: {
    200: {
      description: 'The delivery and its one attempt: what the endpoint answered, or why no answer came',
      content: {
        'application/json': {
          schema: z.object({
            delivered: z.boolean().openapi({ description: 'the endpoint answered 2xx' }),
            delivery: deliverySchema,
          }),
        },
      },
    },
    ...adminProblems,
    ...notFound,
  },
})

const deliveryOut = (d: DeliveryView) => ({ ...d, status: d.status as 'pending' | 'succeeded' | 'failed' })

function checkUrl(raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw validationProblem(['url'], 'is not a URL')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw validationProblem(['url'], 'must be an http or https URL')
  if (url.username || url.password) throw validationProblem(['url'], 'must not carry credentials')
  return url.toString()
}

export function webhookRoutes(deps: { db: Db; secret: string; logger: Logger }) {
  const { db } = deps
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })
  // a test event goes the way every delivery goes; only when it is sent differs
  const dispatcher = new WebhookDispatcher({ db, secret: deps.secret, logger: deps.logger })

  app.openapi(list, async (c) => c.json({ webhooks: await listEndpoints(db, c.get('staff').tenantId) }, 200))

  app.openapi(create, async (c) => {
    const body = c.req.valid('json')
    const staff = c.get('staff')
    const url = checkUrl(body.url)
    const created = await db.transaction().execute(async (trx) => {
      const result = await createEndpoint(trx, deps.secret, staff.tenantId, {
        url,
        events: body.events,
        description: body.description,
        createdBy: staff.userId,
      })
      await recordAudit(
        trx,
        staff.tenantId,
        { id: staff.userId, email: staff.email },
        {
          action: 'webhook.created',
          entityType: 'webhook',
          entityId: result.endpoint.id,
          after: result.endpoint,
        },
      )
      return result
    })
    return c.json({ ...created.endpoint, secret: created.secret }, 201)
  })

  app.openapi(remove, async (c) => {
    const { id } = c.req.valid('param')
    const staff = c.get('staff')
    await db.transaction().execute(async (trx) => {
      const before = await findEndpoint(trx, staff.tenantId, id)
      if (!before || !(await deleteEndpoint(trx, staff.tenantId, id, new Date())))
        throw new ProblemError('not_found', `No webhook ${id}`)
      await recordAudit(
        trx,
        staff.tenantId,
        { id: staff.userId, email: staff.email },
        { action: 'webhook.deleted', entityType: 'webhook', entityId: id, before },
      )
    })
    return c.body(null, 204)
  })

  app.openapi(deliveries, async (c) => {
    const { id } = c.req.valid('param')
    const { limit } = c.req.valid('query')
    const tenantId = c.get('staff').tenantId
    if (!(await findEndpoint(db, tenantId, id, true))) throw new ProblemError('not_found', `No webhook ${id}`)
    const rows = await listDeliveries(db, tenantId, { endpointId: id }, limit)
    return c.json({ deliveries: rows.map(deliveryOut) }, 200)
  })

  app.openapi(sendTest, async (c) => {
    const { id } = c.req.valid('param')
    const staff = c.get('staff')
    const deliveryId = await db.transaction().execute(async (trx) => {
      if (!(await findEndpoint(trx, staff.tenantId, id)))
        throw new ProblemError('not_found', `No webhook ${id}`)
      const queued = await enqueueTestEvent(trx, staff.tenantId, id, staff.email, new Date())
      await recordAudit(
        trx,
        staff.tenantId,
        { id: staff.userId, email: staff.email },
        { action: 'webhook.tested', entityType: 'webhook', entityId: id, after: { delivery_id: queued } },
      )
      return queued
    })
    const delivered = await dispatcher.sendNow(staff.tenantId, deliveryId)
    const [delivery] = await listDeliveries(db, staff.tenantId, { endpointId: id, deliveryId }, 1)
    if (!delivery) throw new Error(`test delivery ${deliveryId} vanished`)
    return c.json({ delivered, delivery: deliveryOut(delivery) }, 200)
  })

  app.openapi(replay, async (c) => {
    const { delivery_id } = c.req.valid('param')
    const staff = c.get('staff')
    const result = await db.transaction().execute(async (trx) => {
      const queued = await replayDelivery(trx, staff.tenantId, delivery_id, new Date())
      if (queued.status === 'queued')
        await recordAudit(
          trx,
          staff.tenantId,
          { id: staff.userId, email: staff.email },
          {
            action: 'webhook.delivery.replayed',
            entityType: 'webhook_delivery',
            entityId: delivery_id,
            after: { delivery_id: queued.id },
          },
        )
      return queued
    })
    if (result.status === 'not_found') throw new ProblemError('not_found', `No delivery ${delivery_id}`)
    if (result.status === 'endpoint_deleted')
      throw new ProblemError('conflict', 'The endpoint of this delivery has been deleted.')
    return c.json({ delivery_id: result.id }, 202)
  })

  return app
}

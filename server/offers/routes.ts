// GET /v1/offers/{id}, POST /v1/offers/{id}/accept and /decline: the merchant reads an offer a
// decision made, and answers it for the customer. Accepting captures the offer's hold and takes its
// stock, once; declining releases both. The id is the one a decision's offers[] gave.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import { offerMadeTreatmentSchema } from '../authorizations/schema.ts'
import { defaultHook, type MerchantEnv } from '../http/openapi.ts'
import { ProblemError, problemSchema, validationProblem } from '../http/problem.ts'
import type { DatabaseOfferLedger, OfferView } from './ledger.ts'
import { offerChannels } from './types.ts'

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: problemSchema } },
})

const idParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: 'id', in: 'path' },
      description: 'the offer’s id, from a decision’s offers[]',
    }),
})

const idempotencyHeader = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(200)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .optional()
    .openapi({
      description:
        'a unique key per acceptance: a retry with it returns the same order; the same key for another offer is refused',
    }),
})

const channelField = z.enum(offerChannels).optional().openapi({
  description:
    'where the customer answered (web, phone, chat, video, email, call_out); the offer’s own channel when omitted',
})

const answerBody = z.object({ channel: channelField }).strict()

const orderSchema = z
  .object({
    id: z.string(),
    presentation_id: z.string().openapi({ description: 'the offer’s id' }),
    sku: z.string(),
    quantity: z.number().int(),
    amount: z.number().int().openapi({ description: 'integer minor units captured from the offer’s hold' }),
    currency: z.string(),
    payment_id: z.string().nullable().openapi({ description: 'the captured payment; null for a free offer' }),
    channel: z.enum(offerChannels),
    created_at: z.string(),
  })
  .openapi('OfferOrder')

const offerSchema = z
  .object({
    id: z.string(),
    sku: z.string(),
    name: z.string(),
    description: z.string(),
    quantity: z.number().int(),
    price: z.number().int().openapi({ description: 'the catalog price per unit, integer minor units' }),
    discount: z.number().int().openapi({ description: 'minor units taken off price × quantity' }),
    amount: z
      .number()
      .int()
      .openapi({ description: 'what acceptance captures: price × quantity − discount' }),
    currency: z.string(),
    status: z.enum(['presented', 'accepted', 'declined', 'expired']).openapi({
      description:
        'presented: its stock is reserved and its amount held until expires_at; accepted (see order); declined; expired (stock and hold released)',
    }),
    channel: z.enum(offerChannels),
    expires_at: z.string(),
    presented_at: z.string(),
    resolved_at: z.string().nullable(),
    // a union, not .nullable(): that would make the registered schema itself nullable
    treatment: z.union([offerMadeTreatmentSchema, z.null()]),
    payment_id: z.string().nullable().openapi({ description: 'the hold on the customer’s method' }),
    why: z.record(z.string(), z.unknown()).openapi({
      description:
        'the rule that made it eligible, its weight, propensity, value, priority, segment and presentation rules',
    }),
    order: z.union([orderSchema, z.null()]),
  })
  .openapi('Offer')

const errors = {
  401: problem('Missing, unknown or revoked API key'),
  404: problem('No such offer for this tenant'),
  409: problem(
    'offer_expired: the offer lapsed (its stock and hold were released); offer_resolved: it was already declined, or accepted',
  ),
  422: problem('A field is invalid (errors[] names it), or the Idempotency-Key was used for another offer'),
}

const getRoute = createRoute({
  method: 'get',
  path: '/offers/{id}',
  tags: ['Offers'],
  summary: 'An offer a decision made',
  description:
    'Where it stands (presented, accepted, declined, expired), how it was presented and why, and its order.',
  security: [{ bearer: [] }],
  request: { params: idParam },
  responses: {
    200: { description: 'The offer', content: { 'application/json': { schema: offerSchema } } },
    401: errors[401],
    404: errors[404],
    422: errors[422],
  },
})

const acceptRoute = createRoute({
  method: 'post',
  path: '/offers/{id}/accept',
  tags: ['Offers'],
  summary: 'The customer accepts an offer',
  description:
    'Captures the offer’s hold on the customer’s method, takes its stock and makes the order, once: accepting again returns the same order. After expires_at it is refused (offer_expired) and nothing is charged.',
  security: [{ bearer: [] }],
  request: {
    params: idParam,
    headers: idempotencyHeader,
    body: { required: false, content: { 'application/json': { schema: answerBody } } },
  },
  responses: {
    200: {
      description: 'The offer, accepted, with its order',
      content: { 'application/json': { schema: offerSchema } },
    },
    ...errors,
    402: problem(
      'payment_declined: the hold could not be captured; the offer has expired and nothing was charged',
    ),
    503: problem('The payment provider has not answered yet; accept again with the same Idempotency-Key'),
  },
})

const declineRoute = createRoute({
  method: 'post',
  path: '/offers/{id}/decline',
  tags: ['Offers'],
  summary: 'The customer declines an offer',
  description:
    'Releases the offer’s stock and its hold at once. Declining again changes nothing. The customer is not offered it again for the offer’s decline cool-down.',
  security: [{ bearer: [] }],
  request: {
    params: idParam,
    body: { required: false, content: { 'application/json': { schema: answerBody } } },
  },
  responses: {
    200: { description: 'The offer, declined', content: { 'application/json': { schema: offerSchema } } },
    ...errors,
  },
})

/** The optional body, read by hand: the routes take none as well as `{}` or `{ channel }`. */
async function readAnswer(req: { text(): Promise<string> }) {
  const text = await req.text()
  if (!text.trim()) return {}
  const parsed = answerBody.safeParse(JSON.parse(text))
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const field =
      issue?.code === 'unrecognized_keys' ? (issue.keys[0] ?? 'channel') : String(issue?.path[0] ?? 'channel')
    throw validationProblem(
      [field],
      issue?.code === 'unrecognized_keys' ? 'is not a known property' : (issue?.message ?? 'is invalid'),
    )
  }
  return parsed.data
}

export function offerRoutes(services: { offers: DatabaseOfferLedger }) {
  const app = new OpenAPIHono<MerchantEnv>({ defaultHook })
  const ledger = services.offers

  async function view(tenantId: string, id: string): Promise<OfferView> {
    const offer = await ledger.get(tenantId, id)
    if (!offer) throw new ProblemError('not_found', `No offer ${id}`)
    return offer
  }

  app.openapi(getRoute, async (c) => c.json(await view(c.get('tenantId'), c.req.valid('param').id), 200))

  app.openapi(acceptRoute, async (c) => {
    const tenantId = c.get('tenantId')
    const { id } = c.req.valid('param')
    const { channel } = await readAnswer(c.req)
    const key = c.req.valid('header')['idempotency-key']
    await ledger.accept(tenantId, id, {
      ...(channel ? { channel } : {}),
      ...(key ? { idempotencyKey: key } : {}),
    })
    return c.json(await view(tenantId, id), 200)
  })

  app.openapi(declineRoute, async (c) => {
    const tenantId = c.get('tenantId')
    const { id } = c.req.valid('param')
    const { channel } = await readAnswer(c.req)
    await ledger.decline(tenantId, id, channel ? { channel } : {})
    return c.json(await view(tenantId, id), 200)
  })

  return app
}

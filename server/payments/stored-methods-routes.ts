// GET /v1/payment-methods: a returning customer's stored forms of payment, by the merchant's customer
// id, the caller's number (ANI) or the e-mail, so an IVR or a checkout can offer "the card ending
// 4242" and send it back as payment_method: { type: "stored", id }. Ids, brand, last four and expiry
// only: never the gateway's token, never a number.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import { parsePhoneNumberFromString } from 'libphonenumber-js'
import type { Db } from '../../db/connect.ts'
import { defaultHook, type MerchantEnv } from '../http/openapi.ts'
import { problemSchema, validationProblem } from '../http/problem.ts'
import { findStoredMethods, type StoredMethodQuery, viewStoredMethod } from './stored-methods.ts'

const storedMethodSchema = z
  .object({
    id: z
      .string()
      .openapi({ example: 'pm_8f2k3j', description: 'send as payment_method.id with type "stored"' }),
    type: z.string().openapi({ example: 'card' }),
    brand: z.union([z.string(), z.null()]).openapi({ example: 'visa' }),
    last4: z.union([z.string(), z.null()]).openapi({ example: '4242' }),
    exp_month: z.union([z.number().int(), z.null()]),
    exp_year: z.union([z.number().int(), z.null()]),
    last_used_at: z.string(),
  })
  .openapi('StoredPaymentMethod')

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: problemSchema } },
})

const listStoredMethods = createRoute({
  method: 'get',
  path: '/payment-methods',
  tags: ['Payment methods'],
  summary: 'A returning customer’s stored forms of payment',
  description:
    'Give exactly one of customer_id (your id for the customer), ani (the caller’s number, E.164) or email. Only methods a gateway can charge again are listed, most recently used first. Choose one in an authorization or session with `payment_method: { "type": "stored", "id": "pm_…" }`.',
  security: [{ bearer: [] }],
  request: {
    query: z.object({
      customer_id: z.string().min(1).max(128).optional(),
      ani: z.string().min(1).max(40).optional(),
      email: z.string().min(3).max(254).optional(),
    }),
  },
  responses: {
    200: {
      description: 'The stored methods (none for a customer not known)',
      content: { 'application/json': { schema: z.object({ payment_methods: z.array(storedMethodSchema) }) } },
    },
    401: problem('Missing, unknown or revoked API key'),
    422: problem('Not exactly one of customer_id, ani or email; errors[] names the field'),
  },
})

export function storedMethodRoutes(services: { db: Db }) {
  const app = new OpenAPIHono<MerchantEnv>({ defaultHook })

  app.openapi(listStoredMethods, async (c) => {
    const { customer_id: customerId, ani, email } = c.req.valid('query')
    const given = [customerId, ani, email].filter((value) => value !== undefined)
    if (given.length !== 1)
      throw validationProblem(
        [customerId === undefined ? 'customer_id' : ani !== undefined ? 'ani' : 'email'],
        'give exactly one of customer_id, ani or email',
      )
    let query: StoredMethodQuery
    if (customerId !== undefined) query = { customerId }
    else if (ani !== undefined) {
      // decisions keep phone numbers in E.164; a national number is read as a US one, as they are
      const parsed = parsePhoneNumberFromString(ani, 'US')
      if (!parsed?.isPossible())
        throw validationProblem(['ani'], 'is not a phone number; send E.164 such as +15555550100')
      query = { ani: parsed.number }
    } else query = { email: email ?? '' }
    const rows = await findStoredMethods(services.db, c.get('tenantId'), query)
    return c.json({ payment_methods: rows.map(viewStoredMethod) }, 200)
  })

  return app
}

// /admin/v1/service-lines: staff list, read, create, change and deactivate the lines their
// sessions are billed on. Viewers read; editors write; every write is audited. Amounts are integer
// minor units of the line's currency; each line shows the hold a session starts with.
import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { Db } from '../../db/connect.ts'
import { type AdminEnv, adminProblems, adminRoute, conflict, notFound, unprocessable } from '../http/admin.ts'
import { defaultHook } from '../http/openapi.ts'
import { ProblemError } from '../http/problem.ts'
import {
  createServiceLine,
  deactivateServiceLine,
  holdOf,
  holdPolicies,
  listServiceLines,
  readServiceLine,
  type ServiceLine,
  serviceLineModes,
  updateServiceLine,
} from './service-lines.ts'

const minorUnits = (description: string) =>
  z.number().int().min(0).max(1_000_000_000_000).openapi({ description })

const serviceLineSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    currency: z.string().openapi({ description: 'ISO 4217', example: 'USD' }),
    rate_per_minute: z.number().int().openapi({ description: 'minor units per minute connected' }),
    connect_fee: z.number().int().openapi({ description: 'minor units, charged once a session connects' }),
    first_period_seconds: z
      .number()
      .int()
      .openapi({ description: 'charged whole as soon as a session connects' }),
    increment_seconds: z
      .number()
      .int()
      .openapi({ description: 'then each increment begun is charged whole' }),
    hold_policy: z.enum(holdPolicies),
    hold_amount: z.number().int().nullable().openapi({ description: 'minor units, for a fixed hold' }),
    hold_minutes: z.number().int().nullable().openapi({ description: 'for a hold by minutes' }),
    mode: z.enum(serviceLineModes).openapi({
      description:
        'conference: billed from the first representative’s answer to the last one’s hang-up; chat_room: the customer’s own connection',
    }),
    active: z.boolean(),
    hold: z
      .object({
        amount: z.number().int().openapi({ description: 'minor units held before a session connects' }),
        covers_seconds: z.number().int().nullable().openapi({
          description: 'the longest connected time the hold pays for; null when time is free',
        }),
      })
      .openapi({ description: 'what a session on this line starts with' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('ServiceLine')

const lineFields = {
  name: z.string().trim().min(1).max(120),
  description: z.string().max(500),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'an ISO 4217 code in capitals, such as USD')
    .openapi({ example: 'USD' }),
  rate_per_minute: minorUnits('minor units per minute connected'),
  connect_fee: minorUnits('minor units charged once a session connects'),
  first_period_seconds: z.number().int().min(1).max(3600),
  increment_seconds: z.number().int().min(1).max(3600),
  hold_policy: z.enum(holdPolicies).openapi({
    description: 'fixed: hold hold_amount; minutes: hold what hold_minutes connected would cost',
  }),
  hold_amount: z.number().int().min(1).max(1_000_000_000_000).nullable(),
  hold_minutes: z.number().int().min(1).max(1440).nullable(),
  mode: z.enum(serviceLineModes),
}

const createBody = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, - and _')
      .optional()
      .openapi({ description: 'chosen by Tollgate when left out' }),
    ...lineFields,
    description: lineFields.description.default(''),
    connect_fee: lineFields.connect_fee.default(0),
    hold_amount: lineFields.hold_amount.optional(),
    hold_minutes: lineFields.hold_minutes.optional(),
    mode: lineFields.mode.default('conference'),
  })
  .strict()

const changeBody = z
  .object({
    name: lineFields.name.optional(),
    description: lineFields.description.optional(),
    currency: lineFields.currency.optional(),
    rate_per_minute: lineFields.rate_per_minute.optional(),
    connect_fee: lineFields.connect_fee.optional(),
    first_period_seconds: lineFields.first_period_seconds.optional(),
    increment_seconds: lineFields.increment_seconds.optional(),
    hold_policy: lineFields.hold_policy.optional(),
    hold_amount: lineFields.hold_amount.optional(),
    hold_minutes: lineFields.hold_minutes.optional(),
    mode: lineFields.mode.optional(),
    active: z.boolean().optional(),
  })
  .strict()

const idParam = z.object({ id: z.string().min(1).max(64) })
const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } })

const getLines = adminRoute('viewer', {
  method: 'get',
  path: '/service-lines',
  tags: ['Service lines'],
  summary: 'The lines sessions are billed on, by name',
  request: {
    query: z.object({
      include_inactive: z
        .enum(['true', 'false'])
        .default('false')
        .openapi({ description: 'also the lines taken out of sale' }),
    }),
  },
  responses: {
    200: {
      description: 'Service lines',
      content: json(z.object({ service_lines: z.array(serviceLineSchema) })),
    },
    ...adminProblems,
    ...unprocessable,
  },
})

const getLine = adminRoute('viewer', {
  method: 'get',
  path: '/service-lines/{id}',
  tags: ['Service lines'],
  summary: 'A service line',
  request: { params: idParam },
  responses: {
    200: { description: 'The line', content: json(serviceLineSchema) },
    ...adminProblems,
    ...notFound,
  },
})

const postLine = adminRoute('editor', {
  method: 'post',
  path: '/service-lines',
  tags: ['Service lines'],
  summary: 'Create a service line',
  description:
    'Amounts are integer minor units of the currency (2.99 USD is 299, 300 JPY is 300, 1.250 BHD is 1250). A fixed hold must pay for the connect fee and the first period. A hold by minutes holds what that many minutes connected cost, so it is never less than the charge of a session kept to its grant.',
  request: { body: { required: true, content: json(createBody) } },
  responses: {
    201: { description: 'Created', content: json(serviceLineSchema) },
    ...adminProblems,
    ...conflict,
    ...unprocessable,
  },
})

const patchLine = adminRoute('editor', {
  method: 'patch',
  path: '/service-lines/{id}',
  tags: ['Service lines'],
  summary: 'Change a service line',
  description:
    'Only the fields given change. Giving a hold_policy clears the other policy’s field. The currency, rate, connect fee and increments cannot change while a session on the line is live or unsettled (409).',
  request: { params: idParam, body: { required: true, content: json(changeBody) } },
  responses: {
    200: { description: 'Changed', content: json(serviceLineSchema) },
    ...adminProblems,
    ...notFound,
    ...conflict,
    ...unprocessable,
  },
})

const deactivateLine = adminRoute('editor', {
  method: 'post',
  path: '/service-lines/{id}/deactivate',
  tags: ['Service lines'],
  summary: 'Take a service line out of sale',
  description: 'New sessions cannot use it; past sessions keep it. PATCH active: true brings it back.',
  request: { params: idParam },
  responses: {
    200: { description: 'Deactivated', content: json(serviceLineSchema) },
    ...adminProblems,
    ...notFound,
  },
})

function lineBody(line: ServiceLine) {
  return {
    id: line.id,
    name: line.name,
    description: line.description,
    currency: line.currency,
    rate_per_minute: line.rate_per_minute,
    connect_fee: line.connect_fee,
    first_period_seconds: line.first_period_seconds,
    increment_seconds: line.increment_seconds,
    hold_policy: line.hold_policy,
    hold_amount: line.hold_amount,
    hold_minutes: line.hold_minutes,
    mode: line.mode,
    active: line.active,
    hold: holdOf(line),
    created_at: line.created_at.toISOString(),
    updated_at: line.updated_at.toISOString(),
  }
}

export function serviceLineRoutes(db: Db) {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })
  const actorOf = (c: { get(key: 'staff'): { userId: string; email: string } }) => {
    const staff = c.get('staff')
    return { id: staff.userId, email: staff.email }
  }

  app.openapi(getLines, async (c) => {
    const { include_inactive } = c.req.valid('query')
    const lines = await listServiceLines(db, c.get('staff').tenantId, {
      includeInactive: include_inactive === 'true',
    })
    return c.json({ service_lines: lines.map(lineBody) }, 200)
  })

  app.openapi(getLine, async (c) => {
    const { id } = c.req.valid('param')
    const line = await readServiceLine(db, c.get('staff').tenantId, id)
    if (!line) throw new ProblemError('not_found', `No service line ${id} in this workspace.`)
    return c.json(lineBody(line), 200)
  })

  app.openapi(postLine, async (c) => {
    const line = await createServiceLine(db, c.get('staff').tenantId, actorOf(c), c.req.valid('json'))
    return c.json(lineBody(line), 201)
  })

  app.openapi(patchLine, async (c) => {
    const { id } = c.req.valid('param')
    const line = await updateServiceLine(db, c.get('staff').tenantId, id, actorOf(c), c.req.valid('json'))
    return c.json(lineBody(line), 200)
  })

  app.openapi(deactivateLine, async (c) => {
    const { id } = c.req.valid('param')
    const line = await deactivateServiceLine(db, c.get('staff').tenantId, id, actorOf(c))
    return c.json(lineBody(line), 200)
  })

  return app
}

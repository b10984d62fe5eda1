// GET /admin/v1/facts: the fact catalog, so the console's rule builder offers only what exists.
import { OpenAPIHono, z } from '@hono/zod-openapi'
import { describeFactCatalog } from '../../rules/facts.ts'
import { eventParamSchemas, eventTypes } from '../../rules/schema.ts'
import { type AdminEnv, adminProblems, adminRoute } from '../http/admin.ts'
import { defaultHook } from '../http/openapi.ts'

const factSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    value_type: z.enum(['number', 'string', 'boolean']),
    operators: z.array(z.string()),
    params: z
      .unknown()
      .openapi({ description: 'JSON Schema of the params, or null when the fact takes none' }),
  })
  .openapi('Fact')

const listFacts = adminRoute('viewer', {
  method: 'get',
  path: '/facts',
  tags: ['Rule sets'],
  summary:
    'Every fact a rule can test, with its params, value type and the operators that fit; and every event type with its params',
  responses: {
    200: {
      description: 'The catalog',
      content: {
        'application/json': {
          schema: z.object({
            facts: z.array(factSchema),
            events: z.array(z.object({ type: z.string(), description: z.string(), params: z.unknown() })),
          }),
        },
      },
    },
    ...adminProblems,
  },
})

export function factRoutes() {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })
  const events = eventTypes.map((type) => ({
    type,
    description: eventParamSchemas[type].description ?? '',
    params: z.toJSONSchema(eventParamSchemas[type], { io: 'input', unrepresentable: 'any' }),
  }))
  const body = { facts: describeFactCatalog(), events }
  app.openapi(listFacts, (c) => c.json(body, 200))
  return app
}

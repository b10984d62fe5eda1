// /admin/v1/do-not-call: the numbers campaigns never dial. Viewers read the list; editors add and
// remove numbers, as they draft campaigns. Every change is audited.
import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { Db } from '../../db/connect.ts'
import { type AdminEnv, adminProblems, adminRoute, conflict, notFound, unprocessable } from '../http/admin.ts'
import { defaultHook } from '../http/openapi.ts'
import {
  addDoNotCall,
  type DoNotCallEntry,
  doNotCallNumber,
  listDoNotCall,
  removeDoNotCall,
} from './do-not-call.ts'

const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } })
const tags = ['Campaigns']

const entrySchema = z
  .object({
    phone: z.string().openapi({ description: 'E.164', example: '+15555550100' }),
    source: z.string().openapi({
      description:
        'staff: added here; campaign:<id>: the customer pressed the key during that campaign’s call',
    }),
    added_at: z.string(),
  })
  .openapi('DoNotCallEntry')

const getList = adminRoute('viewer', {
  method: 'get',
  path: '/do-not-call',
  tags,
  summary: 'The numbers campaigns never call, newest first',
  request: {
    query: z.object({
      q: z.string().max(40).optional().openapi({ description: 'digits the number contains' }),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
  },
  responses: {
    200: { description: 'The numbers', content: json(z.object({ numbers: z.array(entrySchema) })) },
    ...adminProblems,
    ...unprocessable,
  },
})

const postNumber = adminRoute('editor', {
  method: 'post',
  path: '/do-not-call',
  tags,
  summary: 'Add a number',
  description:
    'The number is read as the phone lists read it (national US numbers accepted) and kept in E.164. A campaign already running leaves it out before its next call.',
  request: {
    body: {
      required: true,
      content: json(z.object({ phone: z.string().max(40).openapi({ example: '+1 555 555 0100' }) }).strict()),
    },
  },
  responses: {
    201: { description: 'Added', content: json(entrySchema) },
    ...adminProblems,
    ...conflict,
    ...unprocessable,
  },
})

const deleteNumber = adminRoute('editor', {
  method: 'delete',
  path: '/do-not-call/{phone}',
  tags,
  summary: 'Remove a number',
  description:
    'Campaigns may call it again. The number in the path is read as it is for POST (E.164, URL-encoded).',
  request: { params: z.object({ phone: z.string().min(1).max(40) }) },
  responses: {
    204: { description: 'Removed' },
    ...adminProblems,
    ...notFound,
    ...unprocessable,
  },
})

const body = (entry: DoNotCallEntry) => ({
  phone: entry.phone,
  source: entry.source,
  added_at: entry.added_at.toISOString(),
})

export function doNotCallRoutes(db: Db) {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })
  const actorOf = (c: { get(key: 'staff'): { userId: string; email: string } }) => {
    const staff = c.get('staff')
    return { id: staff.userId, email: staff.email }
  }

  app.openapi(getList, async (c) => {
    const { q, limit } = c.req.valid('query')
    const numbers = await listDoNotCall(db, c.get('staff').tenantId, { q, limit })
    return c.json({ numbers: numbers.map(body) }, 200)
  })

  app.openapi(postNumber, async (c) => {
    const phone = doNotCallNumber(c.req.valid('json').phone, 'phone')
    const entry = await addDoNotCall(db, c.get('staff').tenantId, actorOf(c), phone)
    return c.json(body(entry), 201)
  })

  app.openapi(deleteNumber, async (c) => {
    const phone = doNotCallNumber(c.req.valid('param').phone, 'phone')
    await removeDoNotCall(db, c.get('staff').tenantId, actorOf(c), phone)
    return c.body(null, 204)
  })

  return app
}

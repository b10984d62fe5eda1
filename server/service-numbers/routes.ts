// /admin/v1/service-numbers: the numbers callers dial and what each answers (a service line, or the
// representatives' line). Viewers read; editors add, change and remove; every change is audited.
import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { Db } from '../../db/connect.ts'
import { type AdminEnv, adminProblems, adminRoute, conflict, notFound, unprocessable } from '../http/admin.ts'
import { defaultHook } from '../http/openapi.ts'
import { ProblemError } from '../http/problem.ts'
import type { StaffIdentity } from '../staff/sessions.ts'
import {
  createServiceNumber,
  deleteServiceNumber,
  listServiceNumbers,
  numberPurposes,
  readServiceNumber,
  updateServiceNumber,
} from './service-numbers.ts'

const purposeText = `**Purpose.** \`service_line\`: callers, screened, billed on \`service_line_id\` (a conference
line) and queued for its representatives_per_call. \`representatives\`: the representatives' line, where
they log in and out by keypad. FreeSWITCH hands the bridge only the dialled number, so a number
belongs to one workspace; the shipped dialplan (telephony/freeswitch/) must route it to the bridge.`

const numberSchema = z
  .object({
    number: z
      .string()
      .openapi({ description: 'the dialled number (DNIS) as FreeSWITCH gives it', example: '9001' }),
    purpose: z.enum(numberPurposes),
    service_line_id: z.string().nullable(),
    service_line_name: z.string().nullable(),
    advertising_source: z
      .string()
      .nullable()
      .openapi({ description: 'where callers saw the number; recorded with each call' }),
    created_at: z.string(),
  })
  .openapi('ServiceNumber')

const number = z
  .string()
  .regex(/^\+?[0-9]{2,20}$/, 'must be 2 to 20 digits, optionally after a +')
  .openapi({ example: '9001' })
const lineId = z.string().min(1).max(64).nullable()
const source = z.string().trim().min(1).max(120).nullable()

const createBody = z
  .object({
    number,
    purpose: z.enum(numberPurposes),
    service_line_id: lineId.optional(),
    advertising_source: source.optional(),
  })
  .strict()
const changeBody = z
  .object({
    purpose: z.enum(numberPurposes).optional(),
    service_line_id: lineId.optional(),
    advertising_source: source.optional(),
  })
  .strict()

const numberParam = z.object({ number })
const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } })

const list = adminRoute('viewer', {
  method: 'get',
  path: '/service-numbers',
  tags: ['Telephony'],
  summary: 'The numbers callers and representatives dial, by number',
  description: purposeText,
  responses: {
    200: { description: 'Numbers', content: json(z.object({ service_numbers: z.array(numberSchema) })) },
    ...adminProblems,
  },
})

const read = adminRoute('viewer', {
  method: 'get',
  path: '/service-numbers/{number}',
  tags: ['Telephony'],
  summary: 'One number',
  request: { params: numberParam },
  responses: {
    200: { description: 'The number', content: json(numberSchema) },
    ...adminProblems,
    ...notFound,
    ...unprocessable,
  },
})

const create = adminRoute('editor', {
  method: 'post',
  path: '/service-numbers',
  tags: ['Telephony'],
  summary: 'Answer a number: for a service line, or as the representatives’ line',
  description: purposeText,
  request: { body: { required: true, content: json(createBody) } },
  responses: {
    201: { description: 'Added', content: json(numberSchema) },
    ...adminProblems,
    ...unprocessable,
    409: { ...conflict[409], description: 'The number is already in use' },
  },
})

const change = adminRoute('editor', {
  method: 'patch',
  path: '/service-numbers/{number}',
  tags: ['Telephony'],
  summary: 'Point a number at another line or purpose, or change its advertising source',
  description: `Only the fields given change. ${purposeText}`,
  request: { params: numberParam, body: { required: true, content: json(changeBody) } },
  responses: {
    200: { description: 'Changed', content: json(numberSchema) },
    ...adminProblems,
    ...notFound,
    ...unprocessable,
  },
})

const remove = adminRoute('editor', {
  method: 'delete',
  path: '/service-numbers/{number}',
  tags: ['Telephony'],
  summary: 'Stop answering a number',
  description: 'New calls to it hear that it is not in service; calls already answered keep going.',
  request: { params: numberParam },
  responses: {
    204: { description: 'Removed' },
    ...adminProblems,
    ...notFound,
    ...unprocessable,
  },
})

const actor = (staff: StaffIdentity) => ({ id: staff.userId, email: staff.email })

export function serviceNumberRoutes(db: Db) {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })

  app.openapi(list, async (c) =>
    c.json({ service_numbers: await listServiceNumbers(db, c.get('staff').tenantId) }, 200),
  )

  app.openapi(read, async (c) => {
    const { number } = c.req.valid('param')
    const found = await readServiceNumber(db, c.get('staff').tenantId, number)
    if (!found) throw new ProblemError('not_found', `No number ${number} in this workspace.`)
    return c.json(found, 200)
  })

  app.openapi(create, async (c) => {
    const staff = c.get('staff')
    return c.json(await createServiceNumber(db, staff.tenantId, actor(staff), c.req.valid('json')), 201)
  })

  app.openapi(change, async (c) => {
    const staff = c.get('staff')
    const { number } = c.req.valid('param')
    return c.json(
      await updateServiceNumber(db, staff.tenantId, number, actor(staff), c.req.valid('json')),
      200,
    )
  })

  app.openapi(remove, async (c) => {
    const staff = c.get('staff')
    await deleteServiceNumber(db, staff.tenantId, c.req.valid('param').number, actor(staff))
    return c.body(null, 204)
  })

  return app
}

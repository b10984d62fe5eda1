// /admin/v1/representatives (viewers read, editors write; every change audited) and
// /admin/v1/payouts with its CSV export (analysts and above): the people who answer sessions, their
// pay plans, and what they earned in a period.
import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { Db } from '../../db/connect.ts'
import { recordAudit } from '../audit/audit.ts'
import { isCurrency } from '../billing/currency.ts'
import { type AdminEnv, adminProblems, adminRoute, conflict, notFound, unprocessable } from '../http/admin.ts'
import { defaultHook } from '../http/openapi.ts'
import { fieldError, ProblemError, validationProblem } from '../http/problem.ts'
import type { StaffIdentity } from '../staff/sessions.ts'
import { ACCRUALS_SHOWN, currentMonth, payoutCsv, payoutReport } from './payouts.ts'
import {
  findRepresentative,
  insertRepresentative,
  listRepresentatives,
  type RepresentativeRow,
  updateRepresentative,
  viewRepresentative,
} from './representatives.ts'

const payPlanText = `**Pay plans.** \`share\`: \`share_bps\` basis points (1/100 of a percent) of the session's
charge, in the session's currency. The charge is divided among all representative legs of a session
in proportion to their seconds inside the billing window, and each leg earns its representative's
basis points of its part, rounded down; the house keeps the rest. \`per_minute\`: \`rate_per_minute\`
minor units of \`currency\` per minute of the leg's time inside the billing window, rounded down.
Pay is accrued once per leg when the session settles.`

const sharePlan = z
  .object({
    plan: z.literal('share'),
    share_bps: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .openapi({ description: 'basis points of the charge: 5000 is half', example: 5_000 }),
  })
  .strict()
const perMinutePlan = z
  .object({
    plan: z.literal('per_minute'),
    rate_per_minute: z
      .number()
      .int()
      .min(0)
      .max(100_000_000)
      .openapi({ description: 'minor units of currency per connected minute', example: 60 }),
    currency: z
      .string()
      .refine(isCurrency, 'is not an ISO 4217 currency code in capitals')
      .openapi({ example: 'USD' }),
  })
  .strict()
const payPlan = z.discriminatedUnion('plan', [sharePlan, perMinutePlan])

const representativeSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    extension: z.string(),
    pay: payPlan,
    active: z.boolean().openapi({ description: 'false once deactivated; their pay and legs stay' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Representative')

const name = z.string().trim().min(1, 'is required').max(120)
const extension = z
  .string()
  .regex(/^[0-9]{2,10}$/, 'must be 2 to 10 digits')
  .openapi({ description: 'the phone extension they answer on, unique in the workspace', example: '1001' })

const createBody = z.object({ name, extension, pay: payPlan }).strict()
const updateBody = z
  .object({ name: name.optional(), extension: extension.optional(), pay: payPlan.optional() })
  .strict()

const idParam = z.object({ id: z.string().min(1).max(64) })
const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } })

const list = adminRoute('viewer', {
  method: 'get',
  path: '/representatives',
  tags: ['Representatives'],
  summary: 'Representatives, by extension',
  description: payPlanText,
  request: {
    query: z.object({
      include_inactive: z
        .enum(['true', 'false'])
        .default('false')
        .openapi({ description: 'true lists deactivated representatives too' }),
    }),
  },
  responses: {
    200: {
      description: 'The representatives',
      content: json(z.object({ representatives: z.array(representativeSchema) })),
    },
    ...adminProblems,
    ...unprocessable,
  },
})

const read = adminRoute('viewer', {
  method: 'get',
  path: '/representatives/{id}',
  tags: ['Representatives'],
  summary: 'One representative',
  request: { params: idParam },
  responses: {
    200: { description: 'The representative', content: json(representativeSchema) },
    ...adminProblems,
    ...notFound,
  },
})

const create = adminRoute('editor', {
  method: 'post',
  path: '/representatives',
  tags: ['Representatives'],
  summary: 'Add a representative with an extension and a pay plan',
  description: payPlanText,
  request: { body: { required: true, content: json(createBody) } },
  responses: {
    201: { description: 'Added', content: json(representativeSchema) },
    ...adminProblems,
    ...unprocessable,
    ...conflict,
  },
})

const update = adminRoute('editor', {
  method: 'patch',
  path: '/representatives/{id}',
  tags: ['Representatives'],
  summary: 'Change a representative’s name, extension or pay plan (from the next settled session on)',
  description: payPlanText,
  request: { params: idParam, body: { required: true, content: json(updateBody) } },
  responses: {
    200: { description: 'Changed', content: json(representativeSchema) },
    ...adminProblems,
    ...notFound,
    ...unprocessable,
    ...conflict,
  },
})

const deactivate = adminRoute('editor', {
  method: 'post',
  path: '/representatives/{id}/deactivate',
  tags: ['Representatives'],
  summary: 'Take a representative off the roster; their accrued pay stays in the payout report',
  request: { params: idParam },
  responses: {
    200: { description: 'Deactivated', content: json(representativeSchema) },
    ...adminProblems,
    ...notFound,
  },
})

const activate = adminRoute('editor', {
  method: 'post',
  path: '/representatives/{id}/activate',
  tags: ['Representatives'],
  summary: 'Put a deactivated representative back on the roster',
  request: { params: idParam },
  responses: {
    200: { description: 'Active again', content: json(representativeSchema) },
    ...adminProblems,
    ...notFound,
  },
})

const day = z.iso.date()
const payoutQuery = z.object({
  from: day
    .optional()
    .openapi({ description: 'first day (YYYY-MM-DD, workspace time zone); default: the 1st of this month' }),
  to: day.optional().openapi({ description: 'last day, included; default: today' }),
  representative_id: z.string().min(1).max(64).optional(),
})

const payoutLine = z.object({
  representative_id: z.string(),
  name: z.string(),
  extension: z.string(),
  currency: z.string(),
  legs: z.number().int().openapi({ description: 'session legs paid for' }),
  seconds: z.number().int().openapi({ description: 'their paid time inside billing windows' }),
  amount: z.number().int().openapi({ description: 'minor units of currency' }),
})
const payoutSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    time_zone: z.string(),
    starts_at: z.string().openapi({ description: 'the period’s first instant' }),
    ends_at: z.string().openapi({ description: 'the instant after the period (exclusive)' }),
    lines: z.array(payoutLine).openapi({ description: 'one per representative and currency' }),
    totals: z
      .array(payoutLine.pick({ currency: true, legs: true, seconds: true, amount: true }))
      .openapi({ description: 'one per currency' }),
    accruals: z
      .array(
        z.object({
          session_id: z.string(),
          leg_id: z.string(),
          seconds: z.number().int(),
          amount: z.number().int(),
          currency: z.string(),
          pay_plan: z.enum(['share', 'per_minute']),
          accrued_at: z.string(),
        }),
      )
      .openapi({
        description: `with representative_id: each leg they were paid for, newest first (at most ${ACCRUALS_SHOWN}); otherwise empty`,
      }),
  })
  .openapi('PayoutReport')

const payouts = adminRoute('analyst', {
  method: 'get',
  path: '/payouts',
  tags: ['Representatives'],
  summary: 'What representatives earned in a period, per representative and currency',
  description: `Sums the pay accrued at settlement in the period (days in the workspace's time zone, both included). ${payPlanText}`,
  request: { query: payoutQuery },
  responses: {
    200: { description: 'The report', content: json(payoutSchema) },
    ...adminProblems,
    ...unprocessable,
  },
})

const payoutsCsv = adminRoute('analyst', {
  method: 'get',
  path: '/payouts.csv',
  tags: ['Representatives'],
  summary: 'The payout report as CSV, one row per representative and currency',
  description:
    'Columns: representative_id, name, extension, currency, legs, seconds, amount (a decimal in the currency), amount_minor_units, from, to.',
  request: { query: payoutQuery },
  responses: {
    200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } },
    ...adminProblems,
    ...unprocessable,
  },
})

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505'
}

function extensionTaken(error: unknown, ext: string | undefined): never {
  if (isUniqueViolation(error))
    throw new ProblemError('conflict', `Extension ${ext} belongs to another representative.`, [
      fieldError(['extension'], 'belongs to another representative'),
    ])
  throw error
}

const actor = (staff: StaffIdentity) => ({ id: staff.userId, email: staff.email })

export function representativeRoutes(db: Db) {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })

  app.openapi(list, async (c) => {
    const { include_inactive } = c.req.valid('query')
    const rows = await listRepresentatives(db, c.get('staff').tenantId, {
      includeInactive: include_inactive === 'true',
    })
    return c.json({ representatives: rows.map(viewRepresentative) }, 200)
  })

  app.openapi(read, async (c) => {
    const { id } = c.req.valid('param')
    const row = await findRepresentative(db, c.get('staff').tenantId, id)
    if (!row) throw new ProblemError('not_found', `No representative ${id}`)
    return c.json(viewRepresentative(row), 200)
  })

  app.openapi(create, async (c) => {
    const body = c.req.valid('json')
    const staff = c.get('staff')
    const row = await db
      .transaction()
      .execute(async (trx) => {
        const created = await insertRepresentative(trx, staff.tenantId, body, staff.userId)
        await recordAudit(trx, staff.tenantId, actor(staff), {
          action: 'representative.created',
          entityType: 'representative',
          entityId: created.id,
          after: viewRepresentative(created),
        })
        return created
      })
      .catch((error: unknown) => extensionTaken(error, body.extension))
    return c.json(viewRepresentative(row), 201)
  })

  app.openapi(update, async (c) => {
    const { id } = c.req.valid('param')
    const body = c.req.valid('json')
    const staff = c.get('staff')
    const row = await db
      .transaction()
      .execute(async (trx) => {
        const before = await findRepresentative(trx, staff.tenantId, id)
        if (!before) throw new ProblemError('not_found', `No representative ${id}`)
        const after = await updateRepresentative(trx, staff.tenantId, id, body, new Date())
        if (!after) throw new ProblemError('not_found', `No representative ${id}`)
        await recordAudit(trx, staff.tenantId, actor(staff), {
          action: 'representative.updated',
          entityType: 'representative',
          entityId: id,
          before: viewRepresentative(before),
          after: viewRepresentative(after),
        })
        return after
      })
      .catch((error: unknown) => extensionTaken(error, body.extension))
    return c.json(viewRepresentative(row), 200)
  })

  const setActive = (active: boolean) => async (tenantId: string, staff: StaffIdentity, id: string) =>
    db.transaction().execute(async (trx): Promise<RepresentativeRow> => {
      const before = await findRepresentative(trx, tenantId, id)
      if (!before) throw new ProblemError('not_found', `No representative ${id}`)
      if (before.active === active) return before
      const after = await updateRepresentative(trx, tenantId, id, { active }, new Date())
      if (!after) throw new ProblemError('not_found', `No representative ${id}`)
      await recordAudit(trx, tenantId, actor(staff), {
        action: active ? 'representative.activated' : 'representative.deactivated',
        entityType: 'representative',
        entityId: id,
        before: { active: before.active },
        after: { active },
      })
      return after
    })

  app.openapi(deactivate, async (c) => {
    const staff = c.get('staff')
    const row = await setActive(false)(staff.tenantId, staff, c.req.valid('param').id)
    return c.json(viewRepresentative(row), 200)
  })

  app.openapi(activate, async (c) => {
    const staff = c.get('staff')
    const row = await setActive(true)(staff.tenantId, staff, c.req.valid('param').id)
    return c.json(viewRepresentative(row), 200)
  })

  const report = async (tenantId: string, query: z.infer<typeof payoutQuery>) => {
    const tenant = await db
      .selectFrom('tenants')
      .select('time_zone')
      .where('tenant_id', '=', tenantId)
      .executeTakeFirstOrThrow()
    const month = currentMonth(new Date(), tenant.time_zone)
    const from = query.from ?? month.from
    const to = query.to ?? month.to
    if (from > to) throw validationProblem(['from'], 'must be on or before to')
    return payoutReport(db, tenantId, { from, to, timeZone: tenant.time_zone }, query.representative_id)
  }

  app.openapi(payouts, async (c) => c.json(await report(c.get('staff').tenantId, c.req.valid('query')), 200))

  app.openapi(payoutsCsv, async (c) => {
    const result = await report(c.get('staff').tenantId, c.req.valid('query'))
    return c.body(payoutCsv(result), 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="payouts-${result.from}-to-${result.to}.csv"`,
    })
  })

  return app
}

// /admin/v1/customers/{id}/purchase-limit: staff read a customer's purchase value limit and raise
// (or lower) it. Analysts may, as they do when approving a review with a limit.
import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { Db } from '../../db/connect.ts'
import { recordAudit } from '../audit/audit.ts'
import { type AdminEnv, adminProblems, adminRoute, notFound, unprocessable } from '../http/admin.ts'
import { defaultHook } from '../http/openapi.ts'
import { ProblemError, validationProblem } from '../http/problem.ts'
import { readPurchaseValueLimit, setPurchaseValueLimit } from './purchase-limit.ts'

const DEFAULT_DAYS = 30

const limitSchema = z
  .object({
    amount: z.number().int().openapi({ description: 'the most one purchase may be worth, minor units' }),
    currency: z.string(),
    established_at: z.string(),
    expires_at: z.string(),
    source: z.string().openapi({ description: 'rule_set (established by an approval) or staff' }),
    set_by: z.string().nullable(),
    decision_id: z.string().nullable(),
    note: z.string().nullable(),
    in_force: z.boolean(),
  })
  .openapi('PurchaseValueLimit')

const params = z.object({ id: z.string().min(1).max(64).openapi({ description: 'our customer id, cus_…' }) })

const readLimit = adminRoute('viewer', {
  method: 'get',
  path: '/customers/{id}/purchase-limit',
  tags: ['Customers'],
  summary: 'A customer’s purchase value limit',
  request: { params },
  responses: {
    200: {
      description: 'The limit, or null when none was ever set',
      content: {
        'application/json': { schema: z.object({ purchase_value_limit: z.union([limitSchema, z.null()]) }) },
      },
    },
    ...adminProblems,
    ...notFound,
  },
})

const putLimit = adminRoute('analyst', {
  method: 'put',
  path: '/customers/{id}/purchase-limit',
  tags: ['Customers'],
  summary: 'Raise or set a customer’s purchase value limit',
  description: `Replaces the limit in force. Give expires_at or days; with neither, the current limit's expiry is kept, or ${DEFAULT_DAYS} days when none is in force. The currency defaults to the tenant's. Audited.`,
  request: {
    params,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              amount: z.number().int().min(1).max(1_000_000_000_000),
              currency: z
                .string()
                .regex(/^[A-Z]{3}$/)
                .optional(),
              expires_at: z.iso.datetime({ offset: true }).optional(),
              days: z.number().int().min(1).max(3650).optional(),
              note: z.string().max(2000).optional(),
            })
            .strict(),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'The limit now in force',
      content: { 'application/json': { schema: z.object({ purchase_value_limit: limitSchema }) } },
    },
    ...adminProblems,
    ...notFound,
    ...unprocessable,
  },
})

async function requireCustomer(db: Db, tenantId: string, customerId: string) {
  const customer = await db
    .selectFrom('customers')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', customerId)
    .executeTakeFirst()
  if (!customer) throw new ProblemError('not_found', `No customer ${customerId}`)
}

export function purchaseLimitRoutes(db: Db) {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })

  app.openapi(readLimit, async (c) => {
    const { id } = c.req.valid('param')
    const tenantId = c.get('staff').tenantId
    await requireCustomer(db, tenantId, id)
    return c.json({ purchase_value_limit: await readPurchaseValueLimit(db, tenantId, id, new Date()) }, 200)
  })

  app.openapi(putLimit, async (c) => {
    const { id } = c.req.valid('param')
    const body = c.req.valid('json')
    const staff = c.get('staff')
    if (body.expires_at !== undefined && body.days !== undefined)
      throw validationProblem(['days'], 'give expires_at or days, not both')
    const now = new Date()
    const expiresAtGiven = body.expires_at ? new Date(body.expires_at) : null
    if (expiresAtGiven && expiresAtGiven <= now)
      throw validationProblem(['expires_at'], 'must be in the future')

    const after = await db.transaction().execute(async (trx) => {
      await requireCustomer(trx, staff.tenantId, id)
      const before = await readPurchaseValueLimit(trx, staff.tenantId, id, now)
      const tenant = await trx
        .selectFrom('tenants')
        .select('default_currency')
        .where('tenant_id', '=', staff.tenantId)
        .executeTakeFirstOrThrow()
      const expiresAt =
        expiresAtGiven ??
        (body.days !== undefined
          ? new Date(now.getTime() + body.days * 86_400_000)
          : before?.in_force
            ? new Date(before.expires_at)
            : new Date(now.getTime() + DEFAULT_DAYS * 86_400_000))
      await setPurchaseValueLimit(
        trx,
        staff.tenantId,
        id,
        {
          amount: body.amount,
          currency: body.currency ?? tenant.default_currency,
          expiresAt,
          setBy: staff.userId,
          note: body.note ?? null,
        },
        now,
      )
      const stored = await readPurchaseValueLimit(trx, staff.tenantId, id, now)
      if (!stored) throw new Error('purchase value limit vanished after it was set')
      await recordAudit(
        trx,
        staff.tenantId,
        { id: staff.userId, email: staff.email },
        {
          action: 'customer.purchase_limit.set',
          entityType: 'customer',
          entityId: id,
          before,
          after: stored,
        },
      )
      return stored
    })
    return c.json({ purchase_value_limit: after }, 200)
  })

  return app
}

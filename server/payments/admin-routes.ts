// /admin/v1/payments: staff read payments (holds and direct charges) with their state and amounts,
// and one payment with every call made to the gateway for it and its ledger entries. Read-only:
// moving money is the merchant API's and the sessions' business, never the console's.
import { OpenAPIHono, z } from '@hono/zod-openapi'
import { type Selectable, type SqlBool, sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { PaymentOperationsTable, PaymentsTable } from '../../db/schema.ts'
import { type AdminEnv, adminProblems, adminRoute, notFound, unprocessable } from '../http/admin.ts'
import { defaultHook } from '../http/openapi.ts'
import { ProblemError, validationProblem } from '../http/problem.ts'
import { ledgerEntryBody, ledgerEntrySchema } from '../ledger/admin-routes.ts'

export const moneySchema = z
  .object({
    value: z.number().int().openapi({ description: 'integer minor units of the currency' }),
    currency: z.string(),
  })
  .openapi('Money')

export const paymentStatuses = [
  'pending',
  'authorized',
  'captured',
  'voided',
  'expired',
  'refunded',
  'failed',
  'unknown',
] as const

export const paymentSchema = z
  .object({
    id: z.string(),
    kind: z
      .string()
      .openapi({ description: 'hold (authorized, then captured or released) or charge (no hold)' }),
    status: z.string().openapi({ description: paymentStatuses.join(' | ') }),
    authorized: moneySchema,
    captured: moneySchema,
    refunded: moneySchema,
    gateway: z.string(),
    gateway_reference: z.string().nullable(),
    decision_id: z.string().nullable(),
    session_id: z.string().nullable(),
    customer_id: z.string().nullable(),
    payment_method_id: z.string().nullable(),
    card: z
      .union([z.object({ brand: z.string().nullable(), last4: z.string().nullable() }), z.null()])
      .openapi({ description: 'the stored method’s brand and last four, when the payment names one' }),
    failure_code: z.string().nullable(),
    failure_message: z.string().nullable(),
    expires_at: z.string().nullable().openapi({ description: 'when an open hold lapses' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Payment')

export const paymentOperationSchema = z
  .object({
    id: z.string(),
    operation: z
      .string()
      .openapi({ description: 'authorize | capture | void | refund | charge | increment' }),
    amount: moneySchema,
    status: z.string().openapi({ description: 'pending | succeeded | declined | failed | unknown' }),
    attempts: z.number().int(),
    idempotency_key: z.string().openapi({
      description:
        'the caller’s stable key for this call: a retry with it reuses the call and moves no money twice',
    }),
    gateway_reference: z.string().nullable(),
    decline_code: z.string().nullable(),
    message: z.string().nullable(),
    requested_by: z.string().nullable(),
    created_at: z.string(),
    completed_at: z.string().nullable(),
    next_check_at: z.string().nullable(),
  })
  .openapi('PaymentOperation')

export const paymentWithOperationsSchema = paymentSchema
  .extend({ operations: z.array(paymentOperationSchema) })
  .openapi('PaymentWithOperations')

type PaymentRow = Selectable<PaymentsTable> & { brand?: string | null; last4?: string | null }
type OperationRow = Selectable<PaymentOperationsTable>

const iso = (value: Date | string | null): string | null =>
  value === null ? null : new Date(value).toISOString()

export function paymentBody(row: PaymentRow): z.infer<typeof paymentSchema> {
  const money = (value: string | number | bigint) => ({ value: Number(value), currency: row.currency })
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    authorized: money(row.amount_authorized),
    captured: money(row.amount_captured),
    refunded: money(row.amount_refunded),
    gateway: row.gateway,
    gateway_reference: row.gateway_reference,
    decision_id: row.decision_id,
    session_id: row.session_id,
    customer_id: row.customer_id,
    payment_method_id: row.payment_method_id,
    card: row.brand || row.last4 ? { brand: row.brand ?? null, last4: row.last4 ?? null } : null,
    failure_code: row.failure_code,
    failure_message: row.failure_message,
    expires_at: iso(row.expires_at),
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  }
}

export function operationBody(row: OperationRow, currency: string): z.infer<typeof paymentOperationSchema> {
  return {
    id: row.id,
    operation: row.operation,
    amount: { value: Number(row.amount), currency },
    status: row.status,
    attempts: row.attempts,
    idempotency_key: row.idempotency_key,
    gateway_reference: row.gateway_reference,
    decline_code: row.decline_code,
    message: row.message,
    requested_by: row.requested_by,
    created_at: new Date(row.created_at).toISOString(),
    completed_at: iso(row.completed_at),
    next_check_at: iso(row.next_check_at),
  }
}

/** Payments of this tenant with their stored method's brand and last four. */
function paymentsQuery(db: Db, tenantId: string) {
  return db
    .selectFrom('payments as p')
    .leftJoin('payment_methods as m', (j) =>
      j.onRef('m.tenant_id', '=', 'p.tenant_id').onRef('m.id', '=', 'p.payment_method_id'),
    )
    .selectAll('p')
    .select(['m.brand', 'm.last4'])
    .where('p.tenant_id', '=', tenantId)
}

/** Payments with their gateway calls, oldest call first; for a session's page as for a payment's. */
export async function paymentsWithOperations(
  db: Db,
  tenantId: string,
  where: { ids?: string[]; sessionId?: string },
): Promise<z.infer<typeof paymentWithOperationsSchema>[]> {
  if (where.ids && where.ids.length === 0 && !where.sessionId) return []
  const payments = await paymentsQuery(db, tenantId)
    .where((eb) => {
      const alternatives = []
      if (where.ids?.length) alternatives.push(eb('p.id', 'in', where.ids))
      if (where.sessionId) alternatives.push(eb('p.session_id', '=', where.sessionId))
      return eb.or(alternatives)
    })
    .orderBy('p.created_at')
    .orderBy('p.id')
    .execute()
  if (payments.length === 0) return []
  const operations = await db
    .selectFrom('payment_operations')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where(
      'payment_id',
      'in',
      payments.map((p) => p.id),
    )
    .orderBy('created_at')
    .orderBy('id')
    .execute()
  return payments.map((p) => ({
    ...paymentBody(p),
    operations: operations.filter((o) => o.payment_id === p.id).map((o) => operationBody(o, p.currency)),
  }))
}

const listPayments = adminRoute('viewer', {
  method: 'get',
  path: '/payments',
  tags: ['Payments'],
  summary: 'Payments, newest first',
  description:
    'q matches a payment id, the gateway’s reference, a decision, session or customer id. status "open" means pending, authorized or unknown.',
  request: {
    query: z.object({
      q: z.string().max(200).optional(),
      status: z.enum([...paymentStatuses, 'open']).optional(),
      kind: z.enum(['hold', 'charge']).optional(),
      session_id: z.string().max(64).optional(),
      decision_id: z.string().max(64).optional(),
      customer_id: z.string().max(64).optional(),
      from: z.iso.datetime({ offset: true }).optional(),
      to: z.iso.datetime({ offset: true }).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().max(200).optional().openapi({ description: 'next_cursor from the previous page' }),
    }),
  },
  responses: {
    200: {
      description: 'A page of payments',
      content: {
        'application/json': {
          schema: z.object({ payments: z.array(paymentSchema), next_cursor: z.string().nullable() }),
        },
      },
    },
    ...adminProblems,
    ...unprocessable,
  },
})

const readPayment = adminRoute('viewer', {
  method: 'get',
  path: '/payments/{id}',
  tags: ['Payments'],
  summary: 'One payment with every gateway call made for it and its ledger entries',
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: {
    200: {
      description: 'The payment',
      content: {
        'application/json': {
          schema: z.object({
            payment: paymentWithOperationsSchema,
            ledger_entries: z.array(ledgerEntrySchema),
          }),
        },
      },
    },
    ...adminProblems,
    ...notFound,
  },
})

export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url')
}

export function decodeCursor(cursor: string): { at: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|')
  const date = new Date(at ?? '')
  if (!id || Number.isNaN(date.getTime()))
    throw validationProblem(['cursor'], 'is not a cursor from a previous page')
  return { at: date, id }
}

export function paymentAdminRoutes(db: Db) {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })

  app.openapi(listPayments, async (c) => {
    const q = c.req.valid('query')
    const tenantId = c.get('staff').tenantId
    const cursor = q.cursor ? decodeCursor(q.cursor) : null
    if (q.from && q.to && new Date(q.from) >= new Date(q.to))
      throw validationProblem(['from'], 'must be before to')
    const term = q.q?.trim() ?? ''
    const rows = await paymentsQuery(db, tenantId)
      .$if(term !== '', (b) =>
        b.where((eb) =>
          eb.or([
            eb('p.id', '=', term),
            eb('p.gateway_reference', '=', term),
            eb('p.decision_id', '=', term),
            eb('p.session_id', '=', term),
            eb('p.customer_id', '=', term),
          ]),
        ),
      )
      .$if(q.status === 'open', (b) => b.where('p.status', 'in', ['pending', 'authorized', 'unknown']))
      .$if(q.status !== undefined && q.status !== 'open', (b) => b.where('p.status', '=', q.status as string))
      .$if(q.kind !== undefined, (b) => b.where('p.kind', '=', q.kind as string))
      .$if(q.session_id !== undefined, (b) => b.where('p.session_id', '=', q.session_id as string))
      .$if(q.decision_id !== undefined, (b) => b.where('p.decision_id', '=', q.decision_id as string))
      .$if(q.customer_id !== undefined, (b) => b.where('p.customer_id', '=', q.customer_id as string))
      .$if(q.from !== undefined, (b) => b.where('p.created_at', '>=', new Date(q.from as string)))
      .$if(q.to !== undefined, (b) => b.where('p.created_at', '<', new Date(q.to as string)))
      .$if(cursor !== null, (b) =>
        b.where(sql<SqlBool>`(p.created_at, p.id) < (${cursor?.at}::timestamptz, ${cursor?.id})`),
      )
      .orderBy('p.created_at', 'desc')
      .orderBy('p.id', 'desc')
      .limit(q.limit + 1)
      .execute()
    const page = rows.slice(0, q.limit)
    const last = page[page.length - 1]
    return c.json(
      {
        payments: page.map(paymentBody),
        next_cursor: rows.length > q.limit && last ? encodeCursor(new Date(last.created_at), last.id) : null,
      },
      200,
    )
  })

  app.openapi(readPayment, async (c) => {
    const { id } = c.req.valid('param')
    const tenantId = c.get('staff').tenantId
    const [payment] = await paymentsWithOperations(db, tenantId, { ids: [id] })
    if (!payment) throw new ProblemError('not_found', `No payment ${id}`)
    const entries = await db
      .selectFrom('ledger_entries')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('payment_id', '=', id)
      .orderBy('id')
      .execute()
    return c.json({ payment, ledger_entries: entries.map(ledgerEntryBody) }, 200)
  })

  return app
}

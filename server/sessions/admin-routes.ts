// /admin/v1/sessions: staff read billable sessions, live and past, and one session in full — its
// legs as a timeline against the billing window, the rating's itemised charge, its payments with
// every gateway call, its ledger entries and the representatives' pay. Read-only.
import { OpenAPIHono, z } from '@hono/zod-openapi'
import { type Selectable, type SqlBool, sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { SessionsTable } from '../../db/schema.ts'
import { type AdminEnv, adminProblems, adminRoute, notFound, unprocessable } from '../http/admin.ts'
import { defaultHook } from '../http/openapi.ts'
import { ProblemError, validationProblem } from '../http/problem.ts'
import { ledgerEntryBody, ledgerEntrySchema } from '../ledger/admin-routes.ts'
import {
  decodeCursor,
  encodeCursor,
  moneySchema,
  paymentsWithOperations,
  paymentWithOperationsSchema,
} from '../payments/admin-routes.ts'

const sessionStatuses = ['opening', 'live', 'ended', 'settled', 'failed', 'refused'] as const

const sessionSummarySchema = z
  .object({
    id: z.string(),
    status: z.string().openapi({ description: sessionStatuses.join(' | ') }),
    channel: z.string(),
    mode: z.string().openapi({ description: 'conference (billed while representatives are on) | chat_room' }),
    service_line: z.object({ id: z.string(), name: z.string().nullable() }),
    decision_id: z.string(),
    customer_id: z.string().nullable(),
    currency: z.string(),
    started_at: z.string(),
    last_heartbeat_at: z.string(),
    billing_started_at: z.string().nullable(),
    billing_ended_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    end_reason: z.string().nullable(),
    settled_at: z.string().nullable(),
    settlement: z.string().nullable().openapi({
      description:
        'capture_and_release | reverse_and_recharge | credit_difference | direct_charge | reversed',
    }),
    granted_seconds: z.number().int().nullable(),
    billed_seconds: z.number().int().nullable(),
    hold: z
      .union([moneySchema, z.null()])
      .openapi({ description: 'what the hold set aside; null with no hold (checking / EFT)' }),
    hold_status: z.string().nullable(),
    charge: z.union([moneySchema, z.null()]).openapi({ description: 'the rated charge, once ended' }),
    representatives: z.number().int().openapi({ description: 'how many representatives joined' }),
    failure: z.union([z.object({ code: z.string(), message: z.string().nullable() }), z.null()]).openapi({
      description: 'why the hold or the final charge failed (a decline code), or nothing_granted',
    }),
  })
  .openapi('SessionSummary')

const sessionLegSchema = z
  .object({
    id: z.string(),
    party: z.string().openapi({ description: 'representative | customer' }),
    representative: z.union([z.object({ id: z.string(), name: z.string().nullable() }), z.null()]),
    connected_at: z.string(),
    disconnected_at: z.string().nullable().openapi({ description: 'null while the leg is on' }),
    seconds: z.number().int().openapi({ description: 'connected time (until now while on)' }),
    billed_overlap_seconds: z
      .number()
      .int()
      .openapi({ description: 'how much of the leg falls inside the billing window' }),
    offset_seconds: z
      .number()
      .int()
      .openapi({ description: 'from the session’s start to this leg’s connect' }),
  })
  .openapi('SessionLeg')

const ratingSchema = z
  .object({
    currency: z.string(),
    billed_seconds: z.number().int(),
    charged_seconds: z
      .number()
      .int()
      .openapi({ description: 'the billed time rounded up to the line’s first period and increments' }),
    items: z.array(
      z.object({
        kind: z.string().openapi({ description: 'connect_fee | time | discount' }),
        description: z.string(),
        amount: z.number().int().openapi({ description: 'minor units; negative for a discount' }),
        code: z
          .string()
          .optional()
          .openapi({ description: 'a discount’s code, from the rule that granted it' }),
      }),
    ),
    subtotal: z.number().int(),
    discount_total: z.number().int(),
    total: z.number().int(),
  })
  .openapi('SessionRating')

const payAccrualSchema = z
  .object({
    id: z.string(),
    representative: z.object({ id: z.string(), name: z.string().nullable() }),
    leg_id: z.string(),
    seconds: z.number().int(),
    amount: moneySchema,
    pay_plan: z.string(),
    accrued_at: z.string(),
  })
  .openapi('PayAccrual')

const listSessions = adminRoute('viewer', {
  method: 'get',
  path: '/sessions',
  tags: ['Sessions'],
  summary: 'Billable sessions, live and past, newest first',
  description:
    'status "past" means no longer live: ended, settled, failed or refused. q matches a session, decision or customer id. representative_id: sessions that representative joined.',
  request: {
    query: z.object({
      q: z.string().max(200).optional(),
      status: z.enum([...sessionStatuses, 'past']).optional(),
      service_line_id: z.string().max(64).optional(),
      representative_id: z.string().max(64).optional(),
      customer_id: z.string().max(64).optional(),
      channel: z.string().max(20).optional(),
      from: z.iso.datetime({ offset: true }).optional().openapi({ description: 'started at or after' }),
      to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'started before' }),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().max(200).optional().openapi({ description: 'next_cursor from the previous page' }),
    }),
  },
  responses: {
    200: {
      description: 'A page of sessions',
      content: {
        'application/json': {
          schema: z.object({
            sessions: z.array(sessionSummarySchema),
            next_cursor: z.string().nullable(),
          }),
        },
      },
    },
    ...adminProblems,
    ...unprocessable,
  },
})

const readSession = adminRoute('viewer', {
  method: 'get',
  path: '/sessions/{id}',
  tags: ['Sessions'],
  summary:
    'One session: legs as a timeline, the rating, payments with their gateway calls, ledger entries, pay',
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: {
    200: {
      description: 'The session',
      content: {
        'application/json': {
          schema: z.object({
            session: sessionSummarySchema,
            reserved: moneySchema.openapi({
              description: 'held against the allowances while live; replaced by the charge at settlement',
            }),
            legs: z.array(sessionLegSchema),
            rating: z
              .union([ratingSchema, z.null()])
              .openapi({ description: 'the itemised charge; null until the session is rated' }),
            payments: z.array(paymentWithOperationsSchema),
            ledger_entries: z.array(ledgerEntrySchema),
            pay: z.array(payAccrualSchema),
          }),
        },
      },
    },
    ...adminProblems,
    ...notFound,
  },
})

type SessionRow = Selectable<SessionsTable> & {
  service_line_name: string | null
  hold_amount: string | number | bigint | null
  hold_status: string | null
  representative_count: string | number
}

const iso = (value: Date | string | null): string | null =>
  value === null ? null : new Date(value).toISOString()

function sessionBody(row: SessionRow): z.infer<typeof sessionSummarySchema> {
  return {
    id: row.id,
    status: row.status,
    channel: row.channel,
    mode: row.mode,
    service_line: { id: row.service_line_id, name: row.service_line_name },
    decision_id: row.decision_id,
    customer_id: row.customer_id,
    currency: row.currency,
    started_at: new Date(row.started_at).toISOString(),
    last_heartbeat_at: new Date(row.last_heartbeat_at).toISOString(),
    billing_started_at: iso(row.billing_started_at),
    billing_ended_at: iso(row.billing_ended_at),
    ended_at: iso(row.ended_at),
    end_reason: row.end_reason,
    settled_at: iso(row.settled_at),
    settlement: row.settlement,
    granted_seconds: row.granted_seconds,
    billed_seconds: row.billed_seconds,
    hold: row.hold_amount === null ? null : { value: Number(row.hold_amount), currency: row.currency },
    hold_status: row.hold_status,
    charge: row.charge_amount === null ? null : { value: Number(row.charge_amount), currency: row.currency },
    representatives: Number(row.representative_count),
    failure: row.failure_code ? { code: row.failure_code, message: row.failure_message } : null,
  }
}

function sessionsQuery(db: Db, tenantId: string) {
  return db
    .selectFrom('sessions as s')
    .leftJoin('service_lines as l', (j) =>
      j.onRef('l.tenant_id', '=', 's.tenant_id').onRef('l.id', '=', 's.service_line_id'),
    )
    .leftJoin('payments as h', (j) =>
      j.onRef('h.tenant_id', '=', 's.tenant_id').onRef('h.id', '=', 's.hold_payment_id'),
    )
    .selectAll('s')
    .select([
      'l.name as service_line_name',
      'h.amount_authorized as hold_amount',
      'h.status as hold_status',
      sql<string>`(select count(distinct g.representative_id) from session_legs g
                    where g.tenant_id = s.tenant_id and g.session_id = s.id
                      and g.party = 'representative')`.as('representative_count'),
    ])
    .where('s.tenant_id', '=', tenantId)
}

/** A jsonb value as stored; one written as a JSON string by a driver that encoded it twice is read through. */
function storedJson(value: unknown): unknown {
  if (typeof value !== 'string') return value
  try {
    return JSON.parse(value)
  } catch {
    return null
  }
}

const seconds = (from: Date, to: Date) => Math.max(0, Math.floor((to.getTime() - from.getTime()) / 1000))

/** How much of [from, to) falls inside the billing window (which may still be open). */
function overlapSeconds(from: Date, to: Date, windowStart: Date | null, windowEnd: Date): number {
  if (!windowStart) return 0
  const start = Math.max(from.getTime(), windowStart.getTime())
  const end = Math.min(to.getTime(), windowEnd.getTime())
  return end > start ? Math.floor((end - start) / 1000) : 0
}

export function sessionAdminRoutes(db: Db) {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })

  app.openapi(listSessions, async (c) => {
    const q = c.req.valid('query')
    const tenantId = c.get('staff').tenantId
    const cursor = q.cursor ? decodeCursor(q.cursor) : null
    if (q.from && q.to && new Date(q.from) >= new Date(q.to))
      throw validationProblem(['from'], 'must be before to')
    const term = q.q?.trim() ?? ''
    const rows = await sessionsQuery(db, tenantId)
      .$if(term !== '', (b) =>
        b.where((eb) =>
          eb.or([eb('s.id', '=', term), eb('s.decision_id', '=', term), eb('s.customer_id', '=', term)]),
        ),
      )
      .$if(q.status === 'past', (b) => b.where('s.status', 'not in', ['opening', 'live']))
      .$if(q.status !== undefined && q.status !== 'past', (b) => b.where('s.status', '=', q.status as string))
      .$if(q.service_line_id !== undefined, (b) =>
        b.where('s.service_line_id', '=', q.service_line_id as string),
      )
      .$if(q.customer_id !== undefined, (b) => b.where('s.customer_id', '=', q.customer_id as string))
      .$if(q.channel !== undefined, (b) => b.where('s.channel', '=', q.channel as string))
      .$if(q.representative_id !== undefined, (b) =>
        b.where(
          sql<SqlBool>`exists (select 1 from session_legs g where g.tenant_id = s.tenant_id
                        and g.session_id = s.id and g.representative_id = ${q.representative_id})`,
        ),
      )
      .$if(q.from !== undefined, (b) => b.where('s.started_at', '>=', new Date(q.from as string)))
      .$if(q.to !== undefined, (b) => b.where('s.started_at', '<', new Date(q.to as string)))
      .$if(cursor !== null, (b) =>
        b.where(sql<SqlBool>`(s.started_at, s.id) < (${cursor?.at}::timestamptz, ${cursor?.id})`),
      )
      .orderBy('s.started_at', 'desc')
      .orderBy('s.id', 'desc')
      .limit(q.limit + 1)
      .execute()
    const page = rows.slice(0, q.limit)
    const last = page[page.length - 1]
    return c.json(
      {
        sessions: page.map(sessionBody),
        next_cursor: rows.length > q.limit && last ? encodeCursor(new Date(last.started_at), last.id) : null,
      },
      200,
    )
  })

  app.openapi(readSession, async (c) => {
    const { id } = c.req.valid('param')
    const tenantId = c.get('staff').tenantId
    const row = await sessionsQuery(db, tenantId).where('s.id', '=', id).executeTakeFirst()
    if (!row) throw new ProblemError('not_found', `No session ${id}`)

    const [legs, payments, pay] = await Promise.all([
      db
        .selectFrom('session_legs as g')
        .leftJoin('representatives as r', (j) =>
          j.onRef('r.tenant_id', '=', 'g.tenant_id').onRef('r.id', '=', 'g.representative_id'),
        )
        .selectAll('g')
        .select('r.name as representative_name')
        .where('g.tenant_id', '=', tenantId)
        .where('g.session_id', '=', id)
        .orderBy('g.connected_at')
        .orderBy('g.id')
        .execute(),
      paymentsWithOperations(db, tenantId, {
        sessionId: id,
        ids: row.hold_payment_id ? [row.hold_payment_id] : [],
      }),
      db
        .selectFrom('pay_accruals as a')
        .leftJoin('representatives as r', (j) =>
          j.onRef('r.tenant_id', '=', 'a.tenant_id').onRef('r.id', '=', 'a.representative_id'),
        )
        .selectAll('a')
        .select('r.name as representative_name')
        .where('a.tenant_id', '=', tenantId)
        .where('a.session_id', '=', id)
        .orderBy('a.accrued_at')
        .orderBy('a.id')
        .execute(),
    ])
    // a hold's entries may carry only its payment id; settlement's carry the session's
    const paymentIds = payments.map((p) => p.id)
    const entries = await db
      .selectFrom('ledger_entries')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where((eb) =>
        eb.or([
          eb('session_id', '=', id),
          ...(paymentIds.length ? [eb('payment_id', 'in', paymentIds)] : []),
        ]),
      )
      .orderBy('id')
      .execute()

    const now = new Date()
    const startedAt = new Date(row.started_at)
    const windowStart = row.billing_started_at ? new Date(row.billing_started_at) : null
    const windowEnd = row.billing_ended_at
      ? new Date(row.billing_ended_at)
      : row.ended_at
        ? new Date(row.ended_at)
        : now
    const legOrder = (legId: string) => legs.findIndex((leg) => leg.id === legId)
    const rating = ratingSchema.safeParse(storedJson(row.rating))
    return c.json(
      {
        session: sessionBody(row),
        reserved: { value: Number(row.reserved_amount), currency: row.currency },
        legs: legs.map((leg) => {
          const connected = new Date(leg.connected_at)
          const disconnected = leg.disconnected_at ? new Date(leg.disconnected_at) : null
          const until = disconnected ?? (row.ended_at ? new Date(row.ended_at) : now)
          return {
            id: leg.id,
            party: leg.party,
            representative: leg.representative_id
              ? { id: leg.representative_id, name: leg.representative_name }
              : null,
            connected_at: connected.toISOString(),
            disconnected_at: disconnected ? disconnected.toISOString() : null,
            seconds: seconds(connected, until),
            billed_overlap_seconds: overlapSeconds(connected, until, windowStart, windowEnd),
            offset_seconds: seconds(startedAt, connected),
          }
        }),
        rating: rating.success ? rating.data : null,
        payments,
        ledger_entries: entries.map(ledgerEntryBody),
        // in the order of their legs on the timeline
        pay: [...pay]
          .sort((a, b) => legOrder(a.leg_id) - legOrder(b.leg_id))
          .map((a) => ({
            id: a.id,
            representative: { id: a.representative_id, name: a.representative_name },
            leg_id: a.leg_id,
            seconds: a.seconds,
            amount: { value: Number(a.amount), currency: a.currency },
            pay_plan: a.pay_plan,
            accrued_at: new Date(a.accrued_at).toISOString(),
          })),
      },
      200,
    )
  })

  return app
}

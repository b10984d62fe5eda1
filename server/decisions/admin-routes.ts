// /admin/v1/decisions and /admin/v1/stats: staff search decisions, read one with everything the
// engine saw, and watch outcomes, rates, top rules and latency over time.
import { OpenAPIHono, z } from '@hono/zod-openapi'
import { type Expression, type SqlBool, sql } from 'kysely'
import { parsePhoneNumberFromString } from 'libphonenumber-js'
import type { Db } from '../../db/connect.ts'
import { jsonb } from '../../db/json.ts'
import { decisionSchema } from '../authorizations/schema.ts'
import { type AdminEnv, adminProblems, adminRoute, notFound, unprocessable } from '../http/admin.ts'
import { defaultHook } from '../http/openapi.ts'
import { ProblemError, validationProblem } from '../http/problem.ts'
import { capturedRequestSchema, factReadingSchema, firedRuleSchema, recorded } from './schema.ts'

const outcomes = ['approve', 'limit', 'temporary_block', 'block', 'review'] as const

const summarySchema = z
  .object({
    id: z.string(),
    created_at: z.string(),
    kind: z.string(),
    channel: z.string(),
    outcome: z.enum(outcomes),
    amount: z.object({ value: z.number().int(), currency: z.string() }).nullable(),
    customer_id: z.string().nullable(),
    customer_ref: z.string().nullable().openapi({ description: 'the merchant’s own customer id' }),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    card: z.object({ brand: z.string(), last4: z.string() }).nullable(),
    rule_set: z.object({ id: z.string(), version: z.number().int() }).nullable(),
    fired_rules: z.array(z.string()),
    evaluation_ms: z.number(),
  })
  .openapi('DecisionSummary')

const searchDecisions = adminRoute('viewer', {
  method: 'get',
  path: '/decisions',
  tags: ['Decisions'],
  summary: 'Search decisions, newest first',
  description:
    'q matches a decision id, a customer id (ours or the merchant’s), a phone number, an e-mail address or a card’s last four digits.',
  request: {
    query: z.object({
      q: z.string().max(254).optional(),
      outcome: z.enum(outcomes).optional(),
      rule: z.string().max(64).optional().openapi({ description: 'only decisions where this rule fired' }),
      from: z.iso.datetime({ offset: true }).optional(),
      to: z.iso.datetime({ offset: true }).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().max(200).optional().openapi({ description: 'next_cursor from the previous page' }),
    }),
  },
  responses: {
    200: {
      description: 'A page of decisions',
      content: {
        'application/json': {
          schema: z.object({ decisions: z.array(summarySchema), next_cursor: z.string().nullable() }),
        },
      },
    },
    ...adminProblems,
    ...unprocessable,
  },
})

const readDecision = adminRoute('viewer', {
  method: 'get',
  path: '/decisions/{id}',
  tags: ['Decisions'],
  summary: 'One decision with the request as captured, every fact read and every rule that fired',
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: {
    200: {
      description: 'The decision',
      content: {
        'application/json': {
          schema: z.object({
            decision: decisionSchema,
            request: z
              .union([capturedRequestSchema, z.null()])
              .openapi({ description: 'null when the request was not kept' }),
            facts: z.array(factReadingSchema),
            fired_rules: z.array(firedRuleSchema),
            evaluation_ms: z.number(),
          }),
        },
      },
    },
    ...adminProblems,
    ...notFound,
  },
})

const stats = adminRoute('viewer', {
  method: 'get',
  path: '/stats',
  tags: ['Decisions'],
  summary: 'Outcomes over time, block and review rates, top firing rules and decision latency',
  request: {
    query: z.object({
      from: z.iso.datetime({ offset: true }).optional().openapi({ description: 'default: 24 hours ago' }),
      to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'default: now' }),
      bucket: z.enum(['hour', 'day']).default('hour'),
    }),
  },
  responses: {
    200: {
      description: 'The figures',
      content: {
        'application/json': {
          schema: z.object({
            buckets: z.array(
              z.object({
                start: z.string(),
                approve: z.number().int(),
                limit: z.number().int(),
                temporary_block: z.number().int(),
                block: z.number().int(),
                review: z.number().int(),
              }),
            ),
            totals: z.object({
              total: z.number().int(),
              approve: z.number().int(),
              limit: z.number().int(),
              temporary_block: z.number().int(),
              block: z.number().int(),
              review: z.number().int(),
            }),
            rates: z.object({ block: z.number(), review: z.number() }),
            top_rules: z.array(z.object({ rule: z.string(), count: z.number().int() })),
            latency_ms: z.object({
              p50: z.number().nullable(),
              p95: z.number().nullable(),
              p99: z.number().nullable(),
            }),
          }),
        },
      },
    },
    ...adminProblems,
    ...unprocessable,
  },
})

function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(`${createdAt.toISOString()}|${id}`).toString('base64url')
}

function decodeCursor(cursor: string): { at: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|')
  const date = new Date(at ?? '')
  if (!id || Number.isNaN(date.getTime()))
    throw validationProblem(['cursor'], 'is not a cursor from a previous page')
  return { at: date, id }
}

/** Which decisions a free-text query can mean: ids, customer refs, a phone, an e-mail or last four. */
function queryMatches(q: string): Expression<SqlBool> {
  const term = q.trim()
  const alternatives: Expression<SqlBool>[] = [
    sql<SqlBool>`id = ${term}`,
    sql<SqlBool>`customer_id = ${term}`,
    sql<SqlBool>`request->'customer'->>'id' = ${term}`,
  ]
  if (term.includes('@'))
    alternatives.push(sql<SqlBool>`request->'customer'->>'email' = ${term.toLowerCase()}`)
  if (/^\d{4}$/.test(term))
    alternatives.push(sql<SqlBool>`request->'payment_method'->'card'->>'last4' = ${term}`)
  const phone = /^[+\d][\d\s().-]{5,}$/.test(term) ? parsePhoneNumberFromString(term, 'US') : undefined
  if (phone?.isPossible()) {
    const e164 = phone.number
    alternatives.push(
      sql<SqlBool>`(request->'customer'->>'phone' = ${e164} or request->'network'->>'ani' = ${e164} or request->'entered'->>'phone' = ${e164})`,
    )
  }
  return sql<SqlBool>`(${sql.join(alternatives, sql` or `)})`
}

interface CapturedShape {
  customer?: { id?: string | null; email?: string | null; phone?: string | null }
  network?: { ani?: string | null }
  amount?: { value: number; currency: string } | null
  payment_method?: { card?: { brand: string; last4: string } | null } | null
}

export function decisionAdminRoutes(db: Db) {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })

  app.openapi(searchDecisions, async (c) => {
    const q = c.req.valid('query')
    const tenantId = c.get('staff').tenantId
    const cursor = q.cursor ? decodeCursor(q.cursor) : null
    const rows = await db
      .selectFrom('decisions')
      .select([
        'id',
        'created_at',
        'kind',
        'channel',
        'outcome',
        'customer_id',
        'rule_set_id',
        'rule_set_version',
        'request',
        'evaluation_micros',
        sql<
          string[]
        >`coalesce((select jsonb_agg(r->'id') from jsonb_array_elements(fired_rules) r), '[]'::jsonb)`.as(
          'fired_rule_ids',
        ),
      ])
      .where('tenant_id', '=', tenantId)
      .$if(Boolean(q.q?.trim()), (b) => b.where(queryMatches(q.q ?? '')))
      .$if(q.outcome !== undefined, (b) => b.where('outcome', '=', q.outcome as string))
      .$if(q.rule !== undefined, (b) => b.where(sql<SqlBool>`fired_rules @> ${jsonb([{ id: q.rule }])}`))
      .$if(q.from !== undefined, (b) => b.where('created_at', '>=', new Date(q.from as string)))
      .$if(q.to !== undefined, (b) => b.where('created_at', '<', new Date(q.to as string)))
      .$if(cursor !== null, (b) =>
        b.where(sql<SqlBool>`(created_at, id) < (${cursor?.at}::timestamptz, ${cursor?.id})`),
      )
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(q.limit + 1)
      .execute()
    const page = rows.slice(0, q.limit)
    const last = page[page.length - 1]
    return c.json(
      {
        decisions: page.map((r) => {
          const request = r.request as CapturedShape
          const card = request.payment_method?.card
          return {
            id: r.id,
            created_at: r.created_at.toISOString(),
            kind: r.kind,
            channel: r.channel,
            outcome: r.outcome as (typeof outcomes)[number],
            amount: request.amount ?? null,
            customer_id: r.customer_id,
            customer_ref: request.customer?.id ?? null,
            email: request.customer?.email ?? null,
            phone: request.network?.ani ?? request.customer?.phone ?? null,
            card: card ? { brand: card.brand, last4: card.last4 } : null,
            rule_set:
              r.rule_set_id && r.rule_set_version !== null
                ? { id: r.rule_set_id, version: r.rule_set_version }
                : null,
            fired_rules: r.fired_rule_ids,
            evaluation_ms: r.evaluation_micros / 1000,
          }
        }),
        next_cursor: rows.length > q.limit && last ? encodeCursor(last.created_at, last.id) : null,
      },
      200,
    )
  })

  app.openapi(readDecision, async (c) => {
    const { id } = c.req.valid('param')
    const row = await db
      .selectFrom('decisions')
      .selectAll()
      .where('tenant_id', '=', c.get('staff').tenantId)
      .where('id', '=', id)
      .executeTakeFirst()
    if (!row) throw new ProblemError('not_found', `No decision ${id}`)
    const decision = {
      ...(row.response as z.infer<typeof decisionSchema>),
      resolution: (row.resolution ?? null) as null,
    }
    return c.json(
      {
        decision,
        ...recorded(row),
        evaluation_ms: row.evaluation_micros / 1000,
      },
      200,
    )
  })

  app.openapi(stats, async (c) => {
    const q = c.req.valid('query')
    const tenantId = c.get('staff').tenantId
    const to = q.to ? new Date(q.to) : new Date()
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 24 * 3_600_000)
    if (from >= to) throw validationProblem(['from'], 'must be before to')
    const span = (to.getTime() - from.getTime()) / (q.bucket === 'hour' ? 3_600_000 : 86_400_000)
    if (span > 2_000)
      throw validationProblem(['bucket'], 'too many buckets for this range; use day or a shorter range')

    const inRange = db
      .selectFrom('decisions')
      .where('tenant_id', '=', tenantId)
      .where('created_at', '>=', from)
      .where('created_at', '<', to)
    const count = (outcome: string) => sql<string>`count(*) filter (where outcome = ${outcome})`
    const unit = sql.lit(q.bucket)
    const [buckets, latency, topRules] = await Promise.all([
      inRange
        .select([
          sql<Date>`date_trunc(${unit}, created_at at time zone 'UTC') at time zone 'UTC'`.as('start'),
          ...outcomes.map((o) => count(o).as(o)),
        ])
        .groupBy(sql`1`)
        .orderBy(sql`1`)
        .execute(),
      inRange
        .select([
          sql<number | null>`percentile_cont(0.5) within group (order by evaluation_micros)`.as('p50'),
          sql<number | null>`percentile_cont(0.95) within group (order by evaluation_micros)`.as('p95'),
          sql<number | null>`percentile_cont(0.99) within group (order by evaluation_micros)`.as('p99'),
        ])
        .executeTakeFirst(),
      inRange
        .innerJoin(
          sql<{
            rule: string
          }>`lateral (select r->>'id' as rule from jsonb_array_elements(fired_rules) r)`.as('f'),
          (j) => j.onTrue(),
        )
        .select(['f.rule', sql<string>`count(*)`.as('count')])
        .groupBy('f.rule')
        .orderBy(sql`count(*)`, 'desc')
        .limit(10)
        .execute(),
    ])

    const totals = { total: 0, approve: 0, limit: 0, temporary_block: 0, block: 0, review: 0 }
    const bucketBodies = buckets.map((b) => {
      const body = {
        start: new Date(b.start).toISOString(),
        approve: Number(b.approve),
        limit: Number(b.limit),
        temporary_block: Number(b.temporary_block),
        block: Number(b.block),
        review: Number(b.review),
      }
      for (const o of outcomes) {
        totals[o] += body[o]
        totals.total += body[o]
      }
      return body
    })
    const ms = (micros: number | null | undefined) =>
      micros === null || micros === undefined ? null : Number(micros) / 1000
    return c.json(
      {
        buckets: bucketBodies,
        totals,
        rates: {
          block: totals.total ? totals.block / totals.total : 0,
          review: totals.total ? totals.review / totals.total : 0,
        },
        top_rules: topRules.map((r) => ({ rule: r.rule, count: Number(r.count) })),
        latency_ms: { p50: ms(latency?.p50), p95: ms(latency?.p95), p99: ms(latency?.p99) },
      },
      200,
    )
  })

  return app
}

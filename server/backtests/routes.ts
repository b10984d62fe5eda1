// /admin/v1 backtests: start a replay of recorded decisions through a version, watch its progress,
// read the outcome matrix, per-rule hits and changed decisions, and cancel it.
import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { Db } from '../../db/connect.ts'
import { outcomes } from '../../rules/schema.ts'
import { type AdminEnv, adminProblems, adminRoute, conflict, notFound, unprocessable } from '../http/admin.ts'
import { defaultHook } from '../http/openapi.ts'
import { ProblemError } from '../http/problem.ts'
import {
  actorOf,
  backtestView,
  cancelBacktest,
  createBacktest,
  getBacktest,
  listBacktests,
  listChanges,
} from './backtests.ts'
import type { BacktestRunner } from './runner.ts'

const outcome = z.enum(outcomes)

export const matrixSchema = z.record(z.string(), z.record(z.string(), z.number().int())).openapi({
  description: 'old outcome → new outcome → number of decisions',
  example: { approve: { approve: 812, block: 4 }, block: { block: 31 } },
})

export const ruleHitsSchema = z
  .array(z.object({ rule: z.string(), hits: z.number().int() }))
  .openapi({ description: 'how often each rule of the replayed version fired, most first' })

export const changedDecisionSchema = z
  .object({
    decision_id: z.string(),
    decided_at: z.string(),
    old_outcome: outcome,
    new_outcome: outcome,
    rules: z
      .array(
        z.object({
          id: z.string(),
          name: z.string(),
          type: z.string(),
          effect: z.enum(['now', 'no_longer']).optional().openapi({
            description:
              'now: the rule makes the new outcome; no_longer: it made the recorded outcome and does not in the replay. Absent in shadow comparisons and in backtests run before it was kept.',
          }),
        }),
      )
      .openapi({
        description:
          'Backtests: the rules whose outcome changed the decision (not every allowance that counted). Shadow comparisons: the rules that fired in the shadow version.',
      }),
  })
  .openapi('ChangedDecision')

const backtestSchema = z
  .object({
    id: z.string(),
    rule_set_id: z.string(),
    version: z.number().int(),
    from: z.string(),
    to: z.string(),
    sample_rate: z.number().nullable(),
    status: z.enum(['queued', 'running', 'completed', 'cancelled', 'failed']),
    progress: z.object({
      percent: z.number(),
      processed: z.number().int(),
      total: z.number().int(),
      changed: z.number().int(),
      decisions_per_second: z.number().nullable(),
    }),
    matrix: matrixSchema,
    rule_hits: ruleHitsSchema,
    error: z.string().nullable(),
    created_by: z.string().nullable(),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
  })
  .openapi('Backtest')

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
})
const ruleSetParams = z.object({ id: z.string().min(1).max(128) })
const backtestParams = z.object({ id: z.string().min(1).max(64) })

const startBacktest = adminRoute('analyst', {
  method: 'post',
  path: '/rule-sets/{id}/backtests',
  tags: ['Backtests'],
  summary: 'Replay recorded decisions of a time range through a version',
  description:
    'Queues a background job that replays the decisions made in [from, to) — or a sample of them — through the version, with usage and list membership as they were at each decision’s time. Poll GET /backtests/{id} for progress.',
  request: {
    params: ruleSetParams,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            version: z.number().int().min(1),
            from: z.iso.datetime({ offset: true }),
            to: z.iso.datetime({ offset: true }),
            sample_rate: z
              .number()
              .gt(0)
              .max(1)
              .optional()
              .openapi({ description: 'replay this share of the decisions, chosen by id' }),
          }),
        },
      },
    },
  },
  responses: {
    202: json(backtestSchema, 'The queued job'),
    ...adminProblems,
    ...notFound,
    ...unprocessable,
  },
})

const readBacktest = adminRoute('viewer', {
  method: 'get',
  path: '/backtests/{id}',
  tags: ['Backtests'],
  summary: 'A backtest’s status, progress, outcome matrix and per-rule hits',
  request: { params: backtestParams },
  responses: { 200: json(backtestSchema, 'The backtest'), ...adminProblems, ...notFound },
})

const readChanges = adminRoute('viewer', {
  method: 'get',
  path: '/backtests/{id}/changes',
  tags: ['Backtests'],
  summary: 'The decisions whose outcome the replay changed, oldest first',
  request: {
    params: backtestParams,
    query: z.object({
      page: z.coerce.number().int().min(1).default(1),
      page_size: z.coerce.number().int().min(1).max(500).default(50),
    }),
  },
  responses: {
    200: json(
      z.object({
        page: z.number().int(),
        page_size: z.number().int(),
        total: z.number().int(),
        changes: z.array(changedDecisionSchema),
      }),
      'A page of changed decisions',
    ),
    ...adminProblems,
    ...notFound,
    ...unprocessable,
  },
})

const cancel = adminRoute('analyst', {
  method: 'post',
  path: '/backtests/{id}/cancel',
  tags: ['Backtests'],
  summary: 'Stop a queued or running backtest; what it replayed so far stays readable',
  request: { params: backtestParams },
  responses: { 200: json(backtestSchema, 'The cancelled job'), ...adminProblems, ...notFound, ...conflict },
})

const list = adminRoute('viewer', {
  method: 'get',
  path: '/rule-sets/{id}/backtests',
  tags: ['Backtests'],
  summary: 'The rule set’s backtests, newest first',
  request: {
    params: ruleSetParams,
    query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
  },
  responses: {
    200: json(z.object({ backtests: z.array(backtestSchema) }), 'The backtests'),
    ...adminProblems,
    ...notFound,
  },
})

async function requireRuleSet(db: Db, tenantId: string, id: string): Promise<void> {
  const found = await db
    .selectFrom('rule_sets')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst()
  if (!found) throw new ProblemError('not_found', `No rule set ${id} in this tenant.`)
}

export function backtestRoutes(db: Db, runner?: BacktestRunner) {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })

  app.openapi(startBacktest, async (c) => {
    const staff = c.get('staff')
    const { id } = c.req.valid('param')
    const body = c.req.valid('json')
    await requireRuleSet(db, staff.tenantId, id)
    const row = await createBacktest(db, staff.tenantId, actorOf(staff), {
      ruleSetId: id,
      version: body.version,
      from: new Date(body.from),
      to: new Date(body.to),
      sampleRate: body.sample_rate ?? null,
    })
    runner?.wake()
    return c.json(backtestView(row), 202)
  })

  app.openapi(readBacktest, async (c) => {
    const row = await getBacktest(db, c.get('staff').tenantId, c.req.valid('param').id)
    return c.json(backtestView(row), 200)
  })

  app.openapi(readChanges, async (c) => {
    const tenantId = c.get('staff').tenantId
    const { id } = c.req.valid('param')
    const { page, page_size } = c.req.valid('query')
    const row = await getBacktest(db, tenantId, id)
    const changes = await listChanges(db, tenantId, id, page, page_size)
    return c.json({ page, page_size, total: row.changed, changes }, 200)
  })

  app.openapi(cancel, async (c) => {
    const staff = c.get('staff')
    const row = await cancelBacktest(db, staff.tenantId, actorOf(staff), c.req.valid('param').id)
    return c.json(backtestView(row), 200)
  })

  app.openapi(list, async (c) => {
    const tenantId = c.get('staff').tenantId
    const { id } = c.req.valid('param')
    await requireRuleSet(db, tenantId, id)
    const rows = await listBacktests(db, tenantId, id, c.req.valid('query').limit)
    return c.json({ backtests: rows.map(backtestView) }, 200)
  })

  return app
}

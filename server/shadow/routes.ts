// /admin/v1 shadow runs: put a published version in shadow beside the active one (or take it out),
// and compare what it would have decided with what was decided, like a backtest report.
import { OpenAPIHono, z } from '@hono/zod-openapi'
import { sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { Outcome } from '../../rules/schema.ts'
import { recordAudit } from '../audit/audit.ts'
import type { FiredRuleSummary, OutcomeMatrix } from '../backtests/backtests.ts'
import { changedDecisionSchema, matrixSchema, ruleHitsSchema } from '../backtests/routes.ts'
import { type AdminEnv, adminProblems, adminRoute, conflict, notFound, unprocessable } from '../http/admin.ts'
import { defaultHook } from '../http/openapi.ts'
import { ProblemError } from '../http/problem.ts'

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
})

const setShadow = adminRoute('publisher', {
  method: 'post',
  path: '/rule-sets/{id}/versions/{version}/shadow',
  tags: ['Shadow'],
  summary: 'Run a published version in shadow beside the active one, or stop it',
  description:
    'While enabled, every live decision is also evaluated with this version after it is made; the live answer, its latency and usage are unaffected. Enabling replaces any other shadow version of the rule set.',
  request: {
    params: z.object({ id: z.string().min(1).max(128), version: z.coerce.number().int().min(1) }),
    body: { required: true, content: { 'application/json': { schema: z.object({ enabled: z.boolean() }) } } },
  },
  responses: {
    200: json(
      z.object({ rule_set_id: z.string(), shadow_version: z.number().int().nullable() }),
      'The rule set’s shadow version now',
    ),
    ...adminProblems,
    ...notFound,
    ...conflict,
    ...unprocessable,
  },
})

const report = adminRoute('viewer', {
  method: 'get',
  path: '/rule-sets/{id}/shadow',
  tags: ['Shadow'],
  summary: 'Live outcome × shadow outcome for the decisions a shadow version saw',
  request: {
    params: z.object({ id: z.string().min(1).max(128) }),
    query: z.object({
      version: z.coerce
        .number()
        .int()
        .min(1)
        .optional()
        .openapi({ description: 'defaults to the current shadow version' }),
      page: z.coerce.number().int().min(1).default(1),
      page_size: z.coerce.number().int().min(1).max(500).default(50),
    }),
  },
  responses: {
    200: json(
      z.object({
        rule_set_id: z.string(),
        version: z.number().int().nullable(),
        active: z.boolean().openapi({ description: 'this version is in shadow now' }),
        evaluated: z.number().int(),
        changed: z.number().int(),
        matrix: matrixSchema.openapi({ description: 'live outcome → shadow outcome → decisions' }),
        rule_hits: ruleHitsSchema,
        changes: z.object({
          page: z.number().int(),
          page_size: z.number().int(),
          items: z.array(changedDecisionSchema),
        }),
      }),
      'The comparison',
    ),
    ...adminProblems,
    ...notFound,
    ...unprocessable,
  },
})

async function ruleSetOf(db: Db, tenantId: string, id: string) {
  const row = await db
    .selectFrom('rule_sets')
    .select(['id', 'shadow_version', 'active_version'])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst()
  if (!row) throw new ProblemError('not_found', `No rule set ${id} in this tenant.`)
  return row
}

export function shadowRoutes(db: Db) {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })

  app.openapi(setShadow, async (c) => {
    const staff = c.get('staff')
    const { id, version } = c.req.valid('param')
    const { enabled } = c.req.valid('json')
    const result = await db.transaction().execute(async (trx) => {
      const ruleSet = await trx
        .selectFrom('rule_sets')
        .select(['shadow_version'])
        .where('tenant_id', '=', staff.tenantId)
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst()
      if (!ruleSet) throw new ProblemError('not_found', `No rule set ${id} in this tenant.`)
      const row = await trx
        .selectFrom('rule_set_versions')
        .select('status')
        .where('tenant_id', '=', staff.tenantId)
        .where('rule_set_id', '=', id)
        .where('version', '=', version)
        .executeTakeFirst()
      if (!row) throw new ProblemError('not_found', `Rule set ${id} has no version ${version}.`)
      if (enabled && row.status !== 'published')
        throw new ProblemError(
          'conflict',
          `Only a published version can run in shadow; version ${version} is ${row.status}.`,
        )
      const next = enabled ? version : ruleSet.shadow_version === version ? null : ruleSet.shadow_version
      if (next !== ruleSet.shadow_version) {
        await trx
          .updateTable('rule_sets')
          .set({ shadow_version: next, updated_at: new Date() })
          .where('tenant_id', '=', staff.tenantId)
          .where('id', '=', id)
          .execute()
        await recordAudit(
          trx,
          staff.tenantId,
          { id: staff.userId, email: staff.email },
          {
            action: enabled ? 'rule_set.shadow_enabled' : 'rule_set.shadow_disabled',
            entityType: 'rule_set',
            entityId: id,
            before: { shadow_version: ruleSet.shadow_version },
            after: { shadow_version: next },
          },
        )
      }
      return next
    })
    return c.json({ rule_set_id: id, shadow_version: result }, 200)
  })

  app.openapi(report, async (c) => {
    const tenantId = c.get('staff').tenantId
    const { id } = c.req.valid('param')
    const q = c.req.valid('query')
    const ruleSet = await ruleSetOf(db, tenantId, id)
    const version = q.version ?? ruleSet.shadow_version
    const empty = {
      rule_set_id: id,
      version,
      active: version !== null && version === ruleSet.shadow_version,
      evaluated: 0,
      changed: 0,
      matrix: {},
      rule_hits: [],
      changes: { page: q.page, page_size: q.page_size, items: [] },
    }
    if (version === null) return c.json(empty, 200)

    const results = db
      .selectFrom('shadow_results')
      .where('tenant_id', '=', tenantId)
      .where('rule_set_id', '=', id)
      .where('version', '=', version)
    const cells = await results
      .select(['live_outcome', 'shadow_outcome', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy(['live_outcome', 'shadow_outcome'])
      .execute()
    const matrix: OutcomeMatrix = {}
    let evaluated = 0
    let changed = 0
    for (const cell of cells) {
      const n = Number(cell.n)
      const row = matrix[cell.live_outcome] ?? {}
      row[cell.shadow_outcome] = n
      matrix[cell.live_outcome] = row
      evaluated += n
      if (cell.live_outcome !== cell.shadow_outcome) changed += n
    }
    const hits = await sql<{ rule: string; hits: string }>`
      select r.value ->> 'id' as rule, count(*)::int8 as hits
      from shadow_results s, jsonb_array_elements(s.shadow_rules) r
      where s.tenant_id = ${tenantId} and s.rule_set_id = ${id} and s.version = ${version}
      group by 1
      order by 2 desc, 1
    `.execute(db)
    const changes = await results
      .select(['decision_id', 'decided_at', 'live_outcome', 'shadow_outcome', 'shadow_rules'])
      .whereRef('live_outcome', '<>', 'shadow_outcome')
      .orderBy('decided_at', 'desc')
      .orderBy('decision_id', 'desc')
      .offset((q.page - 1) * q.page_size)
      .limit(q.page_size)
      .execute()
    return c.json(
      {
        ...empty,
        evaluated,
        changed,
        matrix,
        rule_hits: hits.rows.map((r) => ({ rule: r.rule, hits: Number(r.hits) })),
        changes: {
          page: q.page,
          page_size: q.page_size,
          items: changes.map((r) => ({
            decision_id: r.decision_id,
            decided_at: r.decided_at.toISOString(),
            old_outcome: r.live_outcome as Outcome,
            new_outcome: r.shadow_outcome as Outcome,
            rules: r.shadow_rules as FiredRuleSummary[],
          })),
        },
      },
      200,
    )
  })

  return app
}

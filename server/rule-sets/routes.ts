// /admin/v1/rule-sets: rule sets and their versions — draft, edit, validate, publish, activate,
// roll back, archive, diff and simulate. Each route states its least role.
import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { Db } from '../../db/connect.ts'
import { diffDefinitions } from '../../rules/diff.ts'
import { validateDefinition } from '../../rules/validate.ts'
import { authorizationRequestSchema, offerSkippedSchema, reasonSchema } from '../authorizations/schema.ts'
import { capturedRequestSchema, firedRuleSchema } from '../decisions/schema.ts'
import { type AdminEnv, adminProblems, adminRoute, conflict, notFound, unprocessable } from '../http/admin.ts'
import { defaultHook } from '../http/openapi.ts'
import { validationProblem } from '../http/problem.ts'
import { simulate } from './simulate.ts'
import {
  activateVersion,
  archiveVersion,
  createDraft,
  createRuleSet,
  editDraft,
  listRuleSets,
  problemsToErrors,
  publishVersion,
  ruleSetDetail,
  updateRuleSet,
  versionDefinition,
  versionDetail,
} from './versions.ts'

const tags = ['Rule sets']
const json = <S extends z.ZodType>(schema: S, description: string) => ({
  description,
  content: { 'application/json': { schema } },
})
const body = <S extends z.ZodType>(schema: S) => ({
  body: { required: true, content: { 'application/json': { schema } } },
})

const ruleSetId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lowercase letters, digits, _ and -')
const idParams = z.object({ id: z.string().min(1).max(64) })
const versionParams = idParams.extend({ version: z.coerce.number().int().min(1).max(1_000_000) })

const personSchema = z.object({ id: z.string(), email: z.string().nullable() }).nullable()
const fieldErrorSchema = z.object({
  field: z.string().openapi({ example: 'rules.0.conditions.all.0.fact' }),
  pointer: z.string().openapi({ example: '/rules/0/conditions/all/0/fact' }),
  message: z.string(),
})
const versionSummarySchema = z
  .object({
    version: z.number().int(),
    status: z.enum(['draft', 'published', 'active', 'shadow', 'archived']).openapi({
      description: 'published versions are shown as active or shadow while they run as one',
    }),
    based_on: z.number().int().nullable(),
    created_by: personSchema,
    created_at: z.string(),
    last_edited_by: personSchema,
    updated_at: z.string(),
    published_by: personSchema,
    published_at: z.string().nullable(),
  })
  .openapi('RuleSetVersionSummary')
const ruleSetFields = {
  id: z.string(),
  name: z.string(),
  description: z.string(),
  four_eyes: z.boolean(),
  active_version: z.number().int().nullable(),
  shadow_version: z.number().int().nullable(),
  decides_authorizations: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
}
const ruleSetSummarySchema = z
  .object({
    ...ruleSetFields,
    versions: z.object({
      total: z.number().int(),
      draft: z.number().int(),
      published: z.number().int(),
      archived: z.number().int(),
    }),
  })
  .openapi('RuleSetSummary')
const ruleSetDetailSchema = z
  .object({ ...ruleSetFields, versions: z.array(versionSummarySchema) })
  .openapi('RuleSet')
const versionDetailSchema = versionSummarySchema
  .extend({
    rule_set_id: z.string(),
    definition: z.unknown().openapi({ description: 'settings and rules (see GET /admin/v1/facts)' }),
    valid: z.boolean(),
    problems: z.array(fieldErrorSchema),
  })
  .openapi('RuleSetVersion')
const valueChangeSchema = z.object({
  path: z.array(z.union([z.string(), z.number()])),
  kind: z.enum(['added', 'removed', 'changed']),
  old: z.unknown(),
  new: z.unknown(),
})
const ruleRefSchema = z.object({ id: z.string(), name: z.string().nullable() })
const diffSchema = z
  .object({
    from: z.number().int(),
    to: z.number().int(),
    settings: z.array(valueChangeSchema),
    rules: z.object({
      added: z.array(ruleRefSchema),
      removed: z.array(ruleRefSchema),
      changed: z.array(ruleRefSchema.extend({ changes: z.array(valueChangeSchema) })),
      unchanged: z.number().int(),
    }),
  })
  .openapi('RuleSetDiff')
const factReadingSchema = z.object({
  fact: z.string(),
  params: z.record(z.string(), z.unknown()).nullable(),
  value: z.unknown(),
})
const simulationSchema = z
  .object({
    rule_set: z.object({ id: z.string(), version: z.number().int(), status: z.string() }),
    at: z.string(),
    outcome: z.enum(['approve', 'limit', 'temporary_block', 'block', 'review']),
    reasons: z.array(reasonSchema),
    limits: z.object({
      max_amount: z.number().int().nullable(),
      max_duration_seconds: z.number().int().nullable(),
      resets_at: z.string().nullable(),
    }),
    retry_after_seconds: z.number().int().nullable(),
    discounts: z.array(
      z.object({
        rule: z.string(),
        code: z.string(),
        percent_off: z.number().nullable(),
        amount_off: z.number().nullable(),
        message: z.string(),
      }),
    ),
    offers: z
      .array(
        z.object({
          rule: z.string(),
          sku: z.string(),
          name: z.string(),
          price: z.number().int().openapi({ description: 'minor units' }),
          currency: z.string(),
          priority: z.number().openapi({ description: 'propensity × value × weight' }),
          propensity: z.number(),
          control: z
            .boolean()
            .openapi({ description: 'this customer is held out of the offer for measurement' }),
          treatment: z.object({ id: z.string(), name: z.string(), segment: z.string() }).nullable(),
          message: z.string(),
        }),
      )
      .openapi({
        description:
          'The eligible offers a decision would try to make, best first; a simulation reserves no stock and holds no credit, so a live decision may still skip one that is out of stock or whose hold is declined',
      }),
    offers_skipped: z.array(offerSkippedSchema),
    presentation: z
      .object({
        style: z.string().nullable(),
        pace: z.string().nullable(),
        language: z.string().nullable(),
        segment: z.string(),
        rules: z.array(z.string()),
        messages: z.array(z.string()),
      })
      .openapi({ description: 'how offers would be presented, as the treatment rules chose' }),
    customer: z.object({ id: z.string(), returning: z.boolean() }).nullable(),
    fired_rules: z.array(firedRuleSchema),
    facts: z.array(factReadingSchema.extend({ given: z.boolean() })),
    allowances: z.array(
      z.object({
        rule: z.string(),
        subject: z.string(),
        metric: z.string(),
        window: z.string(),
        hours: z.number().int().nullable(),
        limit: z.number(),
        used: z.number(),
        remaining: z.number(),
        resets_at: z.string().nullable(),
      }),
    ),
    request: capturedRequestSchema,
  })
  .openapi('Simulation')

const listRoute = adminRoute('viewer', {
  method: 'get',
  path: '/rule-sets',
  tags,
  summary: 'Rule sets with their active and shadow versions and version counts',
  responses: {
    200: json(z.object({ rule_sets: z.array(ruleSetSummarySchema) }), 'Rule sets'),
    ...adminProblems,
  },
})

const createRoute = adminRoute('editor', {
  method: 'post',
  path: '/rule-sets',
  tags,
  summary: 'Create a rule set with a draft version 1: empty with the given settings, or the given definition',
  request: body(
    z
      .object({
        id: ruleSetId,
        name: z.string().min(1).max(120),
        description: z.string().max(2000).default(''),
        four_eyes: z.boolean().default(false),
        settings: z.record(z.string(), z.unknown()).optional().openapi({
          description: 'for an empty version 1; defaults to the tenant’s currency',
        }),
        definition: z
          .unknown()
          .optional()
          .openapi({ description: 'version 1 as a whole, instead of settings' }),
      })
      .strict(),
  ),
  responses: {
    201: json(ruleSetDetailSchema, 'Created'),
    ...adminProblems,
    ...conflict,
    ...unprocessable,
  },
})

const readRoute = adminRoute('viewer', {
  method: 'get',
  path: '/rule-sets/{id}',
  tags,
  summary: 'A rule set and its version history',
  request: { params: idParams },
  responses: { 200: json(ruleSetDetailSchema, 'The rule set'), ...adminProblems, ...notFound },
})

const updateRoute = adminRoute('publisher', {
  method: 'patch',
  path: '/rule-sets/{id}',
  tags,
  summary: 'Rename a rule set, describe it, or require four eyes for publishing',
  description:
    'With four eyes on, the last editor of a draft cannot publish it: another publisher or an admin must. Only an admin may switch four eyes on or off (403 otherwise).',
  request: {
    params: idParams,
    ...body(
      z
        .object({
          name: z.string().min(1).max(120).optional(),
          description: z.string().max(2000).optional(),
          four_eyes: z.boolean().optional(),
        })
        .strict(),
    ),
  },
  responses: {
    200: json(ruleSetDetailSchema, 'Updated'),
    ...adminProblems,
    ...notFound,
    ...unprocessable,
  },
})

const createDraftRoute = adminRoute('editor', {
  method: 'post',
  path: '/rule-sets/{id}/versions',
  tags,
  summary: 'Start a draft copied from a version (the active one unless named); rules keep their ids',
  request: {
    params: idParams,
    ...body(z.object({ from_version: z.number().int().min(1).optional() }).strict()),
  },
  responses: {
    201: json(versionDetailSchema, 'The new draft'),
    ...adminProblems,
    ...notFound,
    ...unprocessable,
  },
})

const readVersionRoute = adminRoute('viewer', {
  method: 'get',
  path: '/rule-sets/{id}/versions/{version}',
  tags,
  summary: 'A version: its definition, status and validation problems',
  request: { params: versionParams },
  responses: { 200: json(versionDetailSchema, 'The version'), ...adminProblems, ...notFound },
})

const editRoute = adminRoute('editor', {
  method: 'put',
  path: '/rule-sets/{id}/versions/{version}',
  tags,
  summary: 'Replace a draft’s definition',
  description:
    'Stored even when invalid, since a draft may be work in progress; the response lists its problems. Published and archived versions are immutable (409).',
  request: {
    params: versionParams,
    ...body(z.object({ definition: z.unknown() }).strict()),
  },
  responses: {
    200: json(versionDetailSchema, 'The edited draft, with its problems'),
    ...adminProblems,
    ...notFound,
    ...conflict,
    ...unprocessable,
  },
})

const validateRoute = adminRoute('viewer', {
  method: 'post',
  path: '/rule-sets/{id}/versions/{version}/validate',
  tags,
  summary: 'Every problem of a version, each with its path',
  request: { params: versionParams },
  responses: {
    200: json(z.object({ valid: z.boolean(), problems: z.array(fieldErrorSchema) }), 'The verdict'),
    ...adminProblems,
    ...notFound,
  },
})

const publishRoute = adminRoute('publisher', {
  method: 'post',
  path: '/rule-sets/{id}/versions/{version}/publish',
  tags,
  summary: 'Publish a valid draft: it becomes immutable',
  description:
    'Refuses an invalid draft (422, errors[] points at each problem). With four eyes on, the draft’s last editor cannot publish it (403).',
  request: { params: versionParams },
  responses: {
    200: json(versionDetailSchema, 'Published'),
    ...adminProblems,
    ...notFound,
    ...conflict,
    ...unprocessable,
  },
})

const activateRoute = adminRoute('publisher', {
  method: 'post',
  path: '/rule-sets/{id}/versions/{version}/activate',
  tags,
  summary: 'Make a published version the one that decides; decisions in flight finish on the old one',
  request: { params: versionParams },
  responses: {
    200: json(ruleSetDetailSchema, 'Activated'),
    ...adminProblems,
    ...notFound,
    ...conflict,
  },
})

const rollbackRoute = adminRoute('publisher', {
  method: 'post',
  path: '/rule-sets/{id}/rollback',
  tags,
  summary: 'Activate an earlier published version again, audited as a rollback',
  request: {
    params: idParams,
    ...body(z.object({ version: z.number().int().min(1) }).strict()),
  },
  responses: {
    200: json(ruleSetDetailSchema, 'Rolled back'),
    ...adminProblems,
    ...notFound,
    ...conflict,
    ...unprocessable,
  },
})

const archiveRoute = adminRoute('publisher', {
  method: 'post',
  path: '/rule-sets/{id}/versions/{version}/archive',
  tags,
  summary: 'Archive a version that is neither active nor in shadow',
  request: { params: versionParams },
  responses: {
    200: json(versionDetailSchema, 'Archived'),
    ...adminProblems,
    ...notFound,
    ...conflict,
  },
})

const diffRoute = adminRoute('viewer', {
  method: 'get',
  path: '/rule-sets/{id}/diff',
  tags,
  summary:
    'Rules added, removed and changed (matched by id, with changed paths and values) and settings changes',
  request: {
    params: idParams,
    query: z.object({
      from: z.coerce.number().int().min(1),
      to: z.coerce.number().int().min(1),
    }),
  },
  responses: { 200: json(diffSchema, 'The difference'), ...adminProblems, ...notFound, ...unprocessable },
})

const simulateRoute = adminRoute('analyst', {
  method: 'post',
  path: '/rule-sets/{id}/versions/{version}/simulate',
  tags,
  summary: 'Run a version (drafts too) against a request or given fact values, and explain the answer',
  description:
    'Give `request` (a POST /v1/authorizations body: usage and lists are read from the database, the customer is looked up but never created) or `facts` (fact name, or name{params as JSON}, to its value; a bare name stands for every params of that fact), or both (the facts override). Nothing is recorded and no usage is counted.',
  request: {
    params: versionParams,
    ...body(
      z
        .object({
          request: authorizationRequestSchema.optional(),
          facts: z
            .record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()]))
            .optional()
            .openapi({
              example: { amount: 4999, 'usage{"subject":"customer","metric":"minutes","window":"day"}': 35 },
            }),
          at: z.iso
            .datetime({ offset: true })
            .optional()
            .openapi({ description: 'the decision time; default now' }),
          customer_returning: z.boolean().optional(),
        })
        .strict()
        .refine((b) => b.request !== undefined || b.facts !== undefined, {
          message: 'give a request, facts, or both',
          path: ['request'],
        }),
    ),
  },
  responses: {
    200: json(simulationSchema, 'What the version would answer, and why'),
    ...adminProblems,
    ...notFound,
    ...unprocessable,
  },
})

export function ruleSetRoutes(deps: { db: Db; secret: string }) {
  const { db } = deps
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })

  app.openapi(listRoute, async (c) =>
    c.json({ rule_sets: await listRuleSets(db, c.get('staff').tenantId) }, 200),
  )

  app.openapi(createRoute, async (c) => {
    const input = c.req.valid('json')
    if (input.definition !== undefined && input.settings !== undefined)
      throw validationProblem(['settings'], 'give settings or a whole definition, not both')
    return c.json(await createRuleSet(db, c.get('staff'), input), 201)
  })

  app.openapi(readRoute, async (c) =>
    c.json(await ruleSetDetail(db, c.get('staff').tenantId, c.req.valid('param').id), 200),
  )

  app.openapi(updateRoute, async (c) =>
    c.json(await updateRuleSet(db, c.get('staff'), c.req.valid('param').id, c.req.valid('json')), 200),
  )

  app.openapi(createDraftRoute, async (c) => {
    const { id } = c.req.valid('param')
    return c.json(await createDraft(db, c.get('staff'), id, c.req.valid('json').from_version), 201)
  })

  app.openapi(readVersionRoute, async (c) => {
    const { id, version } = c.req.valid('param')
    return c.json(await versionDetail(db, c.get('staff').tenantId, id, version), 200)
  })

  app.openapi(editRoute, async (c) => {
    const { id, version } = c.req.valid('param')
    const { definition } = c.req.valid('json')
    if (definition === undefined) throw validationProblem(['definition'], 'is required')
    return c.json(await editDraft(db, c.get('staff'), id, version, definition), 200)
  })

  app.openapi(validateRoute, async (c) => {
    const { id, version } = c.req.valid('param')
    const { definition } = await versionDefinition(db, c.get('staff').tenantId, id, version)
    const validation = validateDefinition(definition)
    return c.json(
      { valid: validation.ok, problems: validation.ok ? [] : problemsToErrors(validation.problems) },
      200,
    )
  })

  app.openapi(publishRoute, async (c) => {
    const { id, version } = c.req.valid('param')
    return c.json(await publishVersion(db, c.get('staff'), id, version), 200)
  })

  app.openapi(activateRoute, async (c) => {
    const { id, version } = c.req.valid('param')
    return c.json(await activateVersion(db, c.get('staff'), id, version, 'rule_set.activated'), 200)
  })

  app.openapi(rollbackRoute, async (c) => {
    const { id } = c.req.valid('param')
    const { version } = c.req.valid('json')
    return c.json(await activateVersion(db, c.get('staff'), id, version, 'rule_set.rolled_back'), 200)
  })

  app.openapi(archiveRoute, async (c) => {
    const { id, version } = c.req.valid('param')
    return c.json(await archiveVersion(db, c.get('staff'), id, version), 200)
  })

  app.openapi(diffRoute, async (c) => {
    const { id } = c.req.valid('param')
    const { from, to } = c.req.valid('query')
    const tenantId = c.get('staff').tenantId
    const before = await versionDefinition(db, tenantId, id, from)
    const after = await versionDefinition(db, tenantId, id, to)
    return c.json({ from, to, ...diffDefinitions(before.definition, after.definition) }, 200)
  })

  app.openapi(simulateRoute, async (c) => {
    const { id, version } = c.req.valid('param')
    const tenantId = c.get('staff').tenantId
    const stored = await versionDefinition(db, tenantId, id, version)
    const result = await simulate(
      deps,
      tenantId,
      { ruleSetId: id, version, status: stored.status, definition: stored.definition },
      c.req.valid('json'),
    )
    return c.json(result, 200)
  })

  return app
}

// /admin/v1/reviews: the review desk's queue, claiming, the decision screen and resolutions, and
// /admin/v1/review-settings for the escalation time limit.
import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { Db } from '../../db/connect.ts'
import { recordAudit } from '../audit/audit.ts'
import { decisionSchema } from '../authorizations/schema.ts'
import { capturedRequestSchema, factReadingSchema, firedRuleSchema } from '../decisions/schema.ts'
import { type AdminEnv, adminProblems, adminRoute, conflict, notFound, unprocessable } from '../http/admin.ts'
import { defaultHook } from '../http/openapi.ts'
import { ProblemError, validationProblem } from '../http/problem.ts'
import {
  claimNextReview,
  claimReview,
  DEFAULT_ESCALATION_MINUTES,
  listReviews,
  readEscalationMinutes,
  readReviewDetail,
  resolveReview,
  reviewDecisions,
  reviewStatuses,
} from './reviews.ts'

const reviewSchema = z
  .object({
    decision_id: z.string(),
    status: z.enum(reviewStatuses),
    created_at: z.string(),
    claimed_by: z.string().nullable(),
    claimed_at: z.string().nullable(),
    escalated_at: z.string().nullable(),
    resolved_by: z.string().nullable(),
    resolved_at: z.string().nullable(),
    resolution: z.enum(reviewDecisions).nullable(),
    note: z.string().nullable(),
    kind: z.string(),
    channel: z.string(),
    amount: z.object({ value: z.number().int(), currency: z.string() }).nullable(),
    customer_id: z.string().nullable().openapi({ description: 'Tollgate’s id for the customer' }),
    merchant_customer_id: z
      .string()
      .nullable()
      .openapi({ description: 'the id the merchant sent as customer.id, when it sent one' }),
    reasons: z.array(z.object({ rule: z.string(), type: z.string(), message: z.string() })),
  })
  .openapi('Review')

const listedIdentifierSchema = z.object({
  subject: z.string(),
  value: z.string().openapi({ description: 'as the list keeps it (a card as its fingerprint)' }),
  label: z.string().openapi({ example: 'Visa card ending 4242' }),
})

const resolutionListingSchema = z
  .object({
    list: z.object({ id: z.string(), name: z.string(), kind: z.string() }),
    adds: z.array(listedIdentifierSchema),
    already_listed: z.array(listedIdentifierSchema),
    contributes_shared: z
      .boolean()
      .openapi({ description: 'the added ones also go to the shared negative list' }),
  })
  .openapi('ResolutionListing')

const decisionIdParam = z.object({ decision_id: z.string().min(1).max(64) })

const list = adminRoute('analyst', {
  method: 'get',
  path: '/reviews',
  tags: ['Reviews'],
  summary: 'The review queue, oldest first',
  description: 'Without status: every review not yet resolved (open, claimed and escalated).',
  request: {
    query: z.object({
      status: z.enum(reviewStatuses).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
  },
  responses: {
    200: {
      description: 'Reviews',
      content: { 'application/json': { schema: z.object({ reviews: z.array(reviewSchema) }) } },
    },
    ...adminProblems,
    ...unprocessable,
  },
})

const claimNext = adminRoute('analyst', {
  method: 'post',
  path: '/reviews/claim-next',
  tags: ['Reviews'],
  summary: 'Claim the oldest open (or escalated) review',
  responses: {
    200: { description: 'The review now yours', content: { 'application/json': { schema: reviewSchema } } },
    204: { description: 'Nothing is waiting' },
    ...adminProblems,
  },
})

const claim = adminRoute('analyst', {
  method: 'post',
  path: '/reviews/{decision_id}/claim',
  tags: ['Reviews'],
  summary: 'Claim a review; of two analysts claiming at once, one wins and the other gets 409',
  request: { params: decisionIdParam },
  responses: {
    200: { description: 'The review now yours', content: { 'application/json': { schema: reviewSchema } } },
    ...adminProblems,
    ...notFound,
    ...conflict,
  },
})

const detail = adminRoute('analyst', {
  method: 'get',
  path: '/reviews/{decision_id}',
  tags: ['Reviews'],
  summary:
    'The decision screen: the request as captured, facts, fired rules, the customer’s history and list hits',
  request: { params: decisionIdParam },
  responses: {
    200: {
      description: 'Everything the reviewer needs',
      content: {
        'application/json': {
          schema: z.object({
            review: reviewSchema,
            decision: decisionSchema,
            request: z
              .union([capturedRequestSchema, z.null()])
              .openapi({ description: 'null when the request was not kept' }),
            facts: z.array(factReadingSchema),
            fired_rules: z.array(firedRuleSchema),
            history: z.array(
              z.object({
                id: z.string(),
                created_at: z.string(),
                kind: z.string(),
                channel: z.string(),
                outcome: z.string(),
                resolved_outcome: z.string().nullable(),
                amount: z.object({ value: z.number().int(), currency: z.string() }).nullable(),
              }),
            ),
            list_hits: z.array(
              z.object({
                list_id: z.string(),
                list_kind: z.string(),
                subject: z.string(),
                value: z.string(),
                reason: z.string(),
                source: z.string(),
                added_at: z.string(),
                expires_at: z.string().nullable(),
              }),
            ),
            resolution_preview: z
              .object({ approve: resolutionListingSchema, block: resolutionListingSchema })
              .nullable()
              .openapi({
                description:
                  'What resolving now would put on which list: approve (also with a limit) and block. Computed by the code the resolution runs; null once resolved.',
              }),
          }),
        },
      },
    },
    ...adminProblems,
    ...notFound,
  },
})

const resolutionSchema = z
  .object({
    outcome: z.enum(['approve', 'block']),
    decision: z.enum(reviewDecisions),
    note: z.string(),
    limits: z
      .object({ max_amount: z.number().int().nullable(), max_duration_seconds: z.number().int().nullable() })
      .nullable(),
    resolved_at: z.string(),
    resolved_by: z.string(),
  })
  .openapi('ReviewResolution')

const resolve = adminRoute('analyst', {
  method: 'post',
  path: '/reviews/{decision_id}/resolve',
  tags: ['Reviews'],
  summary: 'Decide a review: approve, approve with a limit, or block',
  description:
    'Only the analyst who claimed the review may resolve it, or a publisher or admin. The decision’s resolution is what GET /v1/decisions/{id} then returns, and a decision.resolved webhook announces it. A block puts the customer’s identifiers (phone and ANI, e-mail, card fingerprint, device id, IP, customer id) on the internal negative list with the note as the reason, and on the shared negative list too when the tenant contributes to it; an approval puts them on the positive list. Audited.',
  request: {
    params: decisionIdParam,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              decision: z.enum(reviewDecisions),
              note: z.string().trim().min(1).max(2000),
              limit: z
                .object({
                  max_amount: z.number().int().min(0).max(1_000_000_000_000).optional(),
                  max_duration_seconds: z
                    .number()
                    .int()
                    .min(0)
                    .max(86_400 * 31)
                    .optional(),
                })
                .strict()
                .optional()
                .openapi({ description: 'required with approve_with_limit, refused otherwise' }),
            })
            .strict(),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'The resolution',
      content: {
        'application/json': {
          schema: z.object({
            resolution: resolutionSchema,
            listed: z.number().int().openapi({ description: 'identifiers newly added to the list' }),
            contributed: z.number().int().openapi({
              description: 'of those, copied to the shared negative list (when the tenant contributes)',
            }),
          }),
        },
      },
    },
    ...adminProblems,
    ...notFound,
    ...conflict,
    ...unprocessable,
  },
})

const settingsSchema = z
  .object({
    escalation_minutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .openapi({
        description: `unclaimed reviews older than this escalate (default ${DEFAULT_ESCALATION_MINUTES})`,
      }),
  })
  .openapi('ReviewSettings')

const readSettings = adminRoute('analyst', {
  method: 'get',
  path: '/review-settings',
  tags: ['Reviews'],
  summary: 'The review desk’s escalation time limit',
  responses: {
    200: { description: 'The settings', content: { 'application/json': { schema: settingsSchema } } },
    ...adminProblems,
  },
})

const writeSettings = adminRoute('admin', {
  method: 'put',
  path: '/review-settings',
  tags: ['Reviews'],
  summary: 'Set the escalation time limit',
  request: { body: { required: true, content: { 'application/json': { schema: settingsSchema.strict() } } } },
  responses: {
    200: { description: 'The settings', content: { 'application/json': { schema: settingsSchema } } },
    ...adminProblems,
    ...unprocessable,
  },
})

export function reviewRoutes(db: Db) {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })
  const reviewer = (staff: AdminEnv['Variables']['staff']) => ({
    id: staff.userId,
    email: staff.email,
    role: staff.role,
  })

  app.openapi(list, async (c) => {
    const q = c.req.valid('query')
    return c.json({ reviews: await listReviews(db, c.get('staff').tenantId, q) }, 200)
  })

  app.openapi(claimNext, async (c) => {
    const staff = c.get('staff')
    const review = await claimNextReview(db, staff.tenantId, reviewer(staff), new Date())
    return review ? c.json(review, 200) : c.body(null, 204)
  })

  app.openapi(claim, async (c) => {
    const { decision_id } = c.req.valid('param')
    const staff = c.get('staff')
    return c.json(await claimReview(db, staff.tenantId, decision_id, reviewer(staff), new Date()), 200)
  })

  app.openapi(detail, async (c) => {
    const { decision_id } = c.req.valid('param')
    const found = await readReviewDetail(db, c.get('staff').tenantId, decision_id, new Date())
    if (!found) throw new ProblemError('not_found', `No review for decision ${decision_id}`)
    return c.json({ ...found, decision: found.decision as z.infer<typeof decisionSchema> }, 200)
  })

  app.openapi(resolve, async (c) => {
    const { decision_id } = c.req.valid('param')
    const body = c.req.valid('json')
    const staff = c.get('staff')
    if (body.decision === 'approve_with_limit') {
      if (body.limit?.max_amount === undefined && body.limit?.max_duration_seconds === undefined)
        throw validationProblem(['limit'], 'give max_amount or max_duration_seconds with approve_with_limit')
    } else if (body.limit !== undefined) {
      throw validationProblem(['limit'], 'a limit goes only with approve_with_limit')
    }
    const result = await resolveReview(db, staff.tenantId, decision_id, reviewer(staff), body, new Date())
    return c.json(result, 200)
  })

  app.openapi(readSettings, async (c) =>
    c.json({ escalation_minutes: await readEscalationMinutes(db, c.get('staff').tenantId) }, 200),
  )

  app.openapi(writeSettings, async (c) => {
    const { escalation_minutes } = c.req.valid('json')
    const staff = c.get('staff')
    await db.transaction().execute(async (trx) => {
      const before = await readEscalationMinutes(trx, staff.tenantId)
      await trx
        .updateTable('tenants')
        .set({ review_escalation_minutes: escalation_minutes })
        .where('tenant_id', '=', staff.tenantId)
        .execute()
      await recordAudit(
        trx,
        staff.tenantId,
        { id: staff.userId, email: staff.email },
        {
          action: 'review_settings.updated',
          entityType: 'tenant',
          entityId: staff.tenantId,
          before: { escalation_minutes: before },
          after: { escalation_minutes },
        },
      )
    })
    return c.json({ escalation_minutes }, 200)
  })

  return app
}

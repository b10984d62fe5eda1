// /admin/v1/campaigns: staff draft call-out and e-mail campaigns, start, pause and resume them, and
// follow their contacts. Viewers read; editors draft and pause; starting one — which calls or mails
// customers — needs a publisher, as putting a rule set live does. Every change is audited.
import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { Db } from '../../db/connect.ts'
import { type AdminEnv, adminProblems, adminRoute, conflict, notFound, unprocessable } from '../http/admin.ts'
import { defaultHook } from '../http/openapi.ts'
import { ProblemError } from '../http/problem.ts'
import { describeAudienceFacts } from './audience.ts'
import {
  type Campaign,
  type CampaignContact,
  type CampaignInput,
  campaignChannels,
  campaignStatuses,
  createCampaign,
  emailTemplateSchema,
  listCampaigns,
  listContacts,
  type Progress,
  pacingSchema,
  pauseCampaign,
  progressOf,
  readCampaign,
  retriesSchema,
  startCampaign,
  suppressionSchema,
  updateCampaign,
} from './campaigns.ts'
import { finishIfDone } from './queue.ts'
import type { Campaigns } from './service.ts'
import { templateVariables } from './template.ts'
import { callingWindowSchema, weekdays } from './windows.ts'

const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } })

const audienceSchema = z.record(z.string(), z.unknown()).openapi({
  description:
    'Who the campaign reaches: a rule-builder condition, an all / any / not group of { fact, operator, value, params? } over the customer facts of GET /admin/v1/campaigns/audience-facts.',
  example: { all: [{ fact: 'purchases_30d', operator: 'greaterThanInclusive', value: 2 }] },
})
const windowsSchema = z
  .array(callingWindowSchema)
  .max(14)
  .openapi({
    description: `When customers may be reached, on their own clock (their time zone, else the workspace's): days (${weekdays.join(', ')}) and from–to as HH:MM, to exclusive. Required for phone campaigns; none on an e-mail campaign sends at any hour.`,
  })
const emailSchema = emailTemplateSchema.nullable().openapi({
  description: `For e-mail campaigns: from, subject and body (plain text) with the variables ${templateVariables.map((v) => `{{${v}}}`).join(', ')}; accept_url is the merchant's page that accepts the offer, with {presentation_id} where the offer's id goes (the page calls POST /v1/offers/{id}/accept).`,
})

const fields = {
  name: z.string().trim().min(1).max(120),
  offer_id: z.string().min(1).max(64).openapi({ description: 'the offer every contact is made' }),
  channel: z.enum(campaignChannels).openapi({ description: 'phone: the bridges call out; email: mailed' }),
  audience: audienceSchema,
  windows: windowsSchema,
  pacing: pacingSchema.openapi({
    description:
      'per_minute: attempts begun per minute; max_concurrent: calls (or sends) at once, across every bridge',
  }),
  suppression: suppressionSchema.openapi({
    description:
      'Left out when the campaign starts, each contact with why: customers on the negative lists ("all" or ids), numbers on do-not-call (always, for calls), customers contacted in the last recent_contact_days, and (open_offer) customers with an offer open now.',
  }),
  retries: retriesSchema.openapi({
    description:
      'No answer, busy or a failed call (or send) is tried again after retry_minutes, up to max_attempts in all',
  }),
  email: emailSchema,
}

const createBody = z
  .object({
    ...fields,
    windows: fields.windows.default([]),
    pacing: fields.pacing.default({ per_minute: 10, max_concurrent: 2 }),
    suppression: fields.suppression.default({
      negative_lists: 'all',
      recent_contact_days: 7,
      open_offer: true,
    }),
    retries: fields.retries.default({ max_attempts: 3, retry_minutes: 60 }),
    email: fields.email.default(null),
  })
  .strict()

const changeBody = z
  .object({
    name: fields.name.optional(),
    offer_id: fields.offer_id.optional(),
    channel: fields.channel.optional(),
    audience: fields.audience.optional(),
    windows: fields.windows.optional(),
    pacing: fields.pacing.optional(),
    suppression: fields.suppression.optional(),
    retries: fields.retries.optional(),
    email: fields.email.optional(),
  })
  .strict()

const progressSchema = z
  .object({
    total: z.number().int(),
    open: z
      .number()
      .int()
      .openapi({ description: 'still to be reached: pending, retrying, or being called now' }),
    by_status: z.record(z.string(), z.number().int()).openapi({
      description:
        'contacts per status: pending, dialing, sending, no_answer, busy, failed (retrying or out of attempts), answered, accepted, declined, do_not_call, blocked, emailed, suppressed',
    }),
  })
  .openapi('CampaignProgress')

const campaignSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    offer_id: z.string(),
    channel: z.enum(campaignChannels),
    audience: audienceSchema,
    windows: windowsSchema,
    pacing: pacingSchema,
    suppression: suppressionSchema,
    retries: retriesSchema,
    email: emailSchema,
    status: z
      .enum(campaignStatuses)
      .openapi({ description: 'draft → running ⇄ paused; finished once every contact is final' }),
    progress: progressSchema,
    created_at: z.string(),
    updated_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
  })
  .openapi('Campaign')

const contactSchema = z
  .object({
    id: z.string(),
    customer_id: z.string(),
    name: z.string().nullable(),
    phone: z.string().nullable(),
    email: z.string().nullable(),
    time_zone: z.string().nullable(),
    status: z.string(),
    attempts: z.number().int(),
    next_attempt_at: z.string().nullable(),
    last_attempt_at: z.string().nullable(),
    presentation_id: z.string().nullable(),
    order_id: z.string().nullable(),
    decision_id: z.string().nullable(),
    result: z.record(z.string(), z.unknown()).openapi({
      description: 'what happened: suppressed and why, or each attempt with its status and detail',
    }),
  })
  .openapi('CampaignContact')

const idParam = z.object({ id: z.string().min(1).max(64) })

const getFacts = adminRoute('viewer', {
  method: 'get',
  path: '/campaigns/audience-facts',
  tags: ['Campaigns'],
  summary: 'The customer facts an audience may use',
  responses: {
    200: {
      description: 'Facts, with the operators that fit each',
      content: json(
        z.object({
          facts: z.array(
            z.object({
              name: z.string(),
              description: z.string(),
              value_type: z.enum(['number', 'string', 'boolean']),
              operators: z.array(z.string()),
              params: z.record(z.string(), z.unknown()).nullable(),
            }),
          ),
        }),
      ),
    },
    ...adminProblems,
  },
})

const getCampaigns = adminRoute('viewer', {
  method: 'get',
  path: '/campaigns',
  tags: ['Campaigns'],
  summary: 'Campaigns, newest first, with their progress',
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(100).default(50),
      before: z.string().max(64).optional().openapi({ description: 'the last id of the previous page' }),
    }),
  },
  responses: {
    200: {
      description: 'A page of campaigns',
      content: json(z.object({ campaigns: z.array(campaignSchema), next: z.string().nullable() })),
    },
    ...adminProblems,
    ...unprocessable,
  },
})

const getCampaign = adminRoute('viewer', {
  method: 'get',
  path: '/campaigns/{id}',
  tags: ['Campaigns'],
  summary: 'A campaign and its progress',
  request: { params: idParam },
  responses: {
    200: { description: 'The campaign', content: json(campaignSchema) },
    ...adminProblems,
    ...notFound,
  },
})

const postCampaign = adminRoute('editor', {
  method: 'post',
  path: '/campaigns',
  tags: ['Campaigns'],
  summary: 'Draft a campaign',
  description:
    'A draft contacts no one. The offer must be active and sold on the call_out channel (phone) or the email channel (email).',
  request: { body: { required: true, content: json(createBody) } },
  responses: {
    201: { description: 'Drafted', content: json(campaignSchema) },
    ...adminProblems,
    ...unprocessable,
  },
})

const patchCampaign = adminRoute('editor', {
  method: 'patch',
  path: '/campaigns/{id}',
  tags: ['Campaigns'],
  summary: 'Change a draft',
  description: 'Only the fields given change; a campaign that has started cannot change (409).',
  request: { params: idParam, body: { required: true, content: json(changeBody) } },
  responses: {
    200: { description: 'Changed', content: json(campaignSchema) },
    ...adminProblems,
    ...notFound,
    ...conflict,
    ...unprocessable,
  },
})

const startRoute = adminRoute('publisher', {
  method: 'post',
  path: '/campaigns/{id}/start',
  tags: ['Campaigns'],
  summary: 'Start a draft, or resume a paused campaign',
  description:
    'Starting a draft turns its audience into contacts now: each customer it matches is pending, or suppressed with why. Resuming keeps the contacts as they are. An e-mail campaign needs the deployer’s SMTP_URL (409 without it).',
  request: { params: idParam },
  responses: {
    200: { description: 'Running', content: json(campaignSchema) },
    ...adminProblems,
    ...notFound,
    ...conflict,
  },
})

const pauseRoute = adminRoute('editor', {
  method: 'post',
  path: '/campaigns/{id}/pause',
  tags: ['Campaigns'],
  summary: 'Pause a running campaign',
  description: 'No new call or mail begins; calls in progress finish and are recorded.',
  request: { params: idParam },
  responses: {
    200: { description: 'Paused', content: json(campaignSchema) },
    ...adminProblems,
    ...notFound,
    ...conflict,
  },
})

const getContacts = adminRoute('viewer', {
  method: 'get',
  path: '/campaigns/{id}/contacts',
  tags: ['Campaigns'],
  summary: 'A campaign’s contacts and what came of each',
  request: {
    params: idParam,
    query: z.object({
      limit: z.coerce.number().int().min(1).max(500).default(100),
      after: z.string().max(64).optional().openapi({ description: 'the last id of the previous page' }),
      status: z.string().max(32).optional(),
    }),
  },
  responses: {
    200: {
      description: 'A page of contacts',
      content: json(z.object({ contacts: z.array(contactSchema), next: z.string().nullable() })),
    },
    ...adminProblems,
    ...notFound,
    ...unprocessable,
  },
})

const iso = (d: Date | null) => (d ? d.toISOString() : null)

function campaignBody(c: Campaign, progress: Progress = { byStatus: {}, open: 0 }) {
  return {
    id: c.id,
    name: c.name,
    offer_id: c.offer_id,
    channel: c.channel,
    audience: c.audience as Record<string, unknown>,
    windows: c.windows,
    pacing: c.pacing,
    suppression: c.suppression,
    retries: c.retries,
    email: c.email,
    status: c.status,
    progress: {
      total: Object.values(progress.byStatus).reduce((a, b) => a + b, 0),
      open: progress.open,
      by_status: progress.byStatus,
    },
    created_at: c.created_at.toISOString(),
    updated_at: c.updated_at.toISOString(),
    started_at: iso(c.started_at),
    finished_at: iso(c.finished_at),
  }
}

function contactBody(c: CampaignContact) {
  return {
    id: c.id,
    customer_id: c.customer_id,
    name: c.name,
    phone: c.phone,
    email: c.email,
    time_zone: c.time_zone,
    status: c.status,
    attempts: c.attempts,
    next_attempt_at: iso(c.next_attempt_at),
    last_attempt_at: iso(c.last_attempt_at),
    presentation_id: c.presentation_id,
    order_id: c.order_id,
    decision_id: c.decision_id,
    result: c.result,
  }
}

export function campaignRoutes(db: Db, campaigns: Campaigns | undefined) {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })
  const actorOf = (c: { get(key: 'staff'): { userId: string; email: string } }) => {
    const staff = c.get('staff')
    return { id: staff.userId, email: staff.email }
  }
  const now = () => campaigns?.clock() ?? new Date()
  const withProgress = async (tenantId: string, campaign: Campaign) =>
    campaignBody(campaign, (await progressOf(db, tenantId, [campaign.id])).get(campaign.id))

  app.openapi(getFacts, (c) => c.json({ facts: describeAudienceFacts() }, 200))

  app.openapi(getCampaigns, async (c) => {
    const { limit, before } = c.req.valid('query')
    const tenantId = c.get('staff').tenantId
    const page = await listCampaigns(db, tenantId, { limit, before })
    const progress = await progressOf(
      db,
      tenantId,
      page.map((p) => p.id),
    )
    return c.json(
      {
        campaigns: page.map((p) => campaignBody(p, progress.get(p.id))),
        next: page.length === limit ? (page.at(-1)?.id ?? null) : null,
      },
      200,
    )
  })

  app.openapi(getCampaign, async (c) => {
    const { id } = c.req.valid('param')
    const tenantId = c.get('staff').tenantId
    const campaign = await readCampaign(db, tenantId, id)
    if (!campaign) throw new ProblemError('not_found', `No campaign ${id} in this workspace.`)
    return c.json(await withProgress(tenantId, campaign), 200)
  })

  app.openapi(postCampaign, async (c) => {
    const tenantId = c.get('staff').tenantId
    const body = c.req.valid('json')
    const campaign = await createCampaign(db, tenantId, actorOf(c), body as CampaignInput)
    return c.json(campaignBody(campaign), 201)
  })

  app.openapi(patchCampaign, async (c) => {
    const { id } = c.req.valid('param')
    const tenantId = c.get('staff').tenantId
    const change = c.req.valid('json') as Partial<CampaignInput>
    const campaign = await updateCampaign(db, tenantId, id, actorOf(c), change)
    return c.json(await withProgress(tenantId, campaign), 200)
  })

  app.openapi(startRoute, async (c) => {
    const { id } = c.req.valid('param')
    const tenantId = c.get('staff').tenantId
    const at = now()
    const campaign = await startCampaign(db, tenantId, id, actorOf(c), {
      now: at,
      canSend: (channel) =>
        campaigns ? campaigns.cannotSend(channel) : 'Campaigns do not run on this server.',
    })
    // a campaign whose audience was all suppressed (or empty) has nothing to do
    if (await finishIfDone(db, tenantId, id, at)) {
      const finished = await readCampaign(db, tenantId, id)
      if (finished) return c.json(await withProgress(tenantId, finished), 200)
    }
    return c.json(await withProgress(tenantId, campaign), 200)
  })

  app.openapi(pauseRoute, async (c) => {
    const { id } = c.req.valid('param')
    const tenantId = c.get('staff').tenantId
    const campaign = await pauseCampaign(db, tenantId, id, actorOf(c), now())
    return c.json(await withProgress(tenantId, campaign), 200)
  })

  app.openapi(getContacts, async (c) => {
    const { id } = c.req.valid('param')
    const { limit, after, status } = c.req.valid('query')
    const tenantId = c.get('staff').tenantId
    if (!(await readCampaign(db, tenantId, id)))
      throw new ProblemError('not_found', `No campaign ${id} in this workspace.`)
    const contacts = await listContacts(db, tenantId, id, { limit, after, status })
    return c.json(
      {
        contacts: contacts.map(contactBody),
        next: contacts.length === limit ? (contacts.at(-1)?.id ?? null) : null,
      },
      200,
    )
  })

  return app
}

// Campaigns in SQL: staff draft a campaign (an offer, a channel, an audience, calling windows,
// pacing, suppression, retries, and for e-mail its template), start it — which turns the audience
// into contacts, each either pending or suppressed with why — pause and resume it. Every change is
// audited. Dialling and sending (claims, results, retries) are ./queue.ts.
import { type InsertObject, type Selectable, sql } from 'kysely'
import { z } from 'zod'
import type { Db } from '../../db/connect.ts'
import { jsonb } from '../../db/json.ts'
import type { CampaignContactsTable, CampaignsTable, Database } from '../../db/schema.ts'
import type { TopLevelCondition } from '../../rules/schema.ts'
import { type Actor, recordAudit } from '../audit/audit.ts'
import { type FieldError, fieldError, ProblemError } from '../http/problem.ts'
import { newId } from '../ids.ts'
import { audienceProblems, compileAudience, readAudienceCustomers } from './audience.ts'
import { templateProblems } from './template.ts'
import type { CallingWindow } from './windows.ts'

export const campaignChannels = ['phone', 'email'] as const
export type CampaignChannel = (typeof campaignChannels)[number]
export const campaignStatuses = ['draft', 'running', 'paused', 'finished'] as const
export type CampaignStatus = (typeof campaignStatuses)[number]

export const pacingSchema = z
  .object({
    per_minute: z.number().int().min(1).max(600).default(10),
    max_concurrent: z.number().int().min(1).max(200).default(2),
  })
  .strict()
export const suppressionSchema = z
  .object({
    negative_lists: z.union([z.literal('all'), z.array(z.string().min(1).max(64)).max(50)]).default('all'),
    recent_contact_days: z.number().int().min(0).max(365).default(7),
    open_offer: z.boolean().default(true),
  })
  .strict()
export const retriesSchema = z
  .object({
    max_attempts: z.number().int().min(1).max(10).default(3),
    retry_minutes: z.number().int().min(1).max(10_080).default(60),
  })
  .strict()
export const emailTemplateSchema = z
  .object({
    from: z.email().max(254),
    subject: z.string().trim().min(1).max(200),
    body: z.string().min(1).max(20_000),
    accept_url: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .refine(
        (u) => u.includes('{presentation_id}'),
        'must hold {presentation_id}, where the offer’s id goes',
      ),
  })
  .strict()

export type Pacing = z.infer<typeof pacingSchema>
export type Suppression = z.infer<typeof suppressionSchema>
export type Retries = z.infer<typeof retriesSchema>
export type EmailTemplate = z.infer<typeof emailTemplateSchema>

export interface Campaign {
  id: string
  name: string
  offer_id: string
  channel: CampaignChannel
  audience: TopLevelCondition
  windows: CallingWindow[]
  pacing: Pacing
  suppression: Suppression
  retries: Retries
  email: EmailTemplate | null
  status: CampaignStatus
  created_by: string | null
  created_at: Date
  updated_at: Date
  started_at: Date | null
  finished_at: Date | null
}

export interface CampaignInput {
  name: string
  offer_id: string
  channel: CampaignChannel
  audience: TopLevelCondition
  windows: CallingWindow[]
  pacing: Pacing
  suppression: Suppression
  retries: Retries
  email: EmailTemplate | null
}

/** Why a contact was left out when the campaign started. */
export const suppressionReasons = [
  'no_phone',
  'no_email',
  'negative_list',
  'do_not_call',
  'recent_contact',
  'open_offer',
] as const
export type SuppressionReason = (typeof suppressionReasons)[number]

export function fromRow(row: Selectable<CampaignsTable>): Campaign {
  return {
    id: row.id,
    name: row.name,
    offer_id: row.offer_id,
    channel: row.channel as CampaignChannel,
    audience: row.audience as TopLevelCondition,
    windows: row.windows as CallingWindow[],
    pacing: pacingSchema.parse(row.pacing ?? {}),
    suppression: suppressionSchema.parse(row.suppression ?? {}),
    retries: retriesSchema.parse(row.retries ?? {}),
    email: (row.email as EmailTemplate | null) ?? null,
    status: row.status as CampaignStatus,
    created_by: row.created_by,
    created_at: row.created_at,
    updated_at: row.updated_at,
    started_at: row.started_at,
    finished_at: row.finished_at,
  }
}

function refuse(problems: FieldError[]): never {
  throw new ProblemError(
    'validation_failed',
    problems.map((p) => `${p.field}: ${p.message}`).join('; '),
    problems,
  )
}

/** Problems the schema cannot see: the audience's facts, the offer in this tenant, the channel's needs. */
export async function campaignProblems(
  db: Db,
  tenantId: string,
  input: CampaignInput,
): Promise<FieldError[]> {
  const problems = audienceProblems(input.audience)
  const offer = await db
    .selectFrom('offers')
    .select(['channels', 'status'])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', input.offer_id)
    .executeTakeFirst()
  const offerChannel = input.channel === 'phone' ? 'call_out' : 'email'
  if (!offer) problems.push(fieldError(['offer_id'], `no offer ${input.offer_id} in this workspace`))
  else if (offer.status !== 'active') problems.push(fieldError(['offer_id'], 'the offer is archived'))
  else if (!offer.channels.includes(offerChannel))
    problems.push(fieldError(['offer_id'], `the offer is not sold on the ${offerChannel} channel`))
  if (input.channel === 'phone' && input.windows.length === 0)
    problems.push(fieldError(['windows'], 'a call-out campaign needs at least one calling window'))
  if (input.channel === 'email') {
    if (!input.email)
      problems.push(fieldError(['email'], 'an e-mail campaign needs its from, subject and body'))
    else {
      problems.push(...templateProblems(input.email.subject, ['email', 'subject']))
      problems.push(...templateProblems(input.email.body, ['email', 'body']))
    }
  } else if (input.email) problems.push(fieldError(['email'], 'only for an e-mail campaign'))
  if (Array.isArray(input.suppression.negative_lists) && input.suppression.negative_lists.length > 0) {
    const known = await db
      .selectFrom('lists')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('kind', '=', 'negative')
      .where('id', 'in', input.suppression.negative_lists)
      .execute()
    const ids = new Set(known.map((k) => k.id))
    input.suppression.negative_lists.forEach((id, i) => {
      if (!ids.has(id))
        problems.push(
          fieldError(['suppression', 'negative_lists', i], `no negative list ${id} in this workspace`),
        )
    })
  }
  return problems
}

export async function createCampaign(
  db: Db,
  tenantId: string,
  actor: Actor,
  input: CampaignInput,
): Promise<Campaign> {
  const problems = await campaignProblems(db, tenantId, input)
  if (problems.length) refuse(problems)
  const id = newId('cmp')
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('campaigns')
      .values({
        tenant_id: tenantId,
        id,
        name: input.name,
        offer_id: input.offer_id,
        channel: input.channel,
        audience: jsonb(input.audience),
        windows: jsonb(input.windows),
        pacing: jsonb(input.pacing),
        suppression: jsonb(input.suppression),
        retries: jsonb(input.retries),
        email: input.email ? jsonb(input.email) : null,
        created_by: actor.id,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    const campaign = fromRow(row)
    await recordAudit(trx, tenantId, actor, {
      action: 'campaign.created',
      entityType: 'campaign',
      entityId: id,
      after: auditView(campaign),
    })
    return campaign
  })
}

/** A draft's fields change; a started campaign's do not (its contacts were chosen by them). */
export async function updateCampaign(
  db: Db,
  tenantId: string,
  id: string,
  actor: Actor,
  change: Partial<CampaignInput>,
): Promise<Campaign> {
  return db.transaction().execute(async (trx) => {
    const before = await mustRead(trx, tenantId, id, true)
    if (before.status !== 'draft')
      throw new ProblemError('conflict', `The campaign is ${before.status}; only a draft can change.`)
    const next: CampaignInput = {
      name: change.name ?? before.name,
      offer_id: change.offer_id ?? before.offer_id,
      channel: change.channel ?? before.channel,
      audience: change.audience ?? before.audience,
      windows: change.windows ?? before.windows,
      pacing: change.pacing ?? before.pacing,
      suppression: change.suppression ?? before.suppression,
      retries: change.retries ?? before.retries,
      email: change.email !== undefined ? change.email : before.email,
    }
    const problems = await campaignProblems(trx, tenantId, next)
    if (problems.length) refuse(problems)
    const row = await trx
      .updateTable('campaigns')
      .set({
        name: next.name,
        offer_id: next.offer_id,
        channel: next.channel,
        audience: jsonb(next.audience),
        windows: jsonb(next.windows),
        pacing: jsonb(next.pacing),
        suppression: jsonb(next.suppression),
        retries: jsonb(next.retries),
        email: next.email ? jsonb(next.email) : null,
        updated_at: new Date(),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
    const campaign = fromRow(row)
    await recordAudit(trx, tenantId, actor, {
      action: 'campaign.updated',
      entityType: 'campaign',
      entityId: id,
      before: auditView(before),
      after: auditView(campaign),
    })
    return campaign
  })
}

function auditView(c: Campaign) {
  const { created_at: _c, updated_at: _u, started_at: _s, finished_at: _f, ...rest } = c
  return rest
}

export async function readCampaign(db: Db, tenantId: string, id: string): Promise<Campaign | null> {
  const row = await db
    .selectFrom('campaigns')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst()
  return row ? fromRow(row) : null
}

async function mustRead(db: Db, tenantId: string, id: string, forUpdate: boolean): Promise<Campaign> {
  const row = await db
    .selectFrom('campaigns')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .$if(forUpdate, (q) => q.forUpdate())
    .executeTakeFirst()
  if (!row) throw new ProblemError('not_found', `No campaign ${id} in this workspace.`)
  return fromRow(row)
}

/** Newest first, a page at a time: `before` is the last id of the previous page. */
export async function listCampaigns(
  db: Db,
  tenantId: string,
  page: { limit: number; before?: string | undefined },
): Promise<Campaign[]> {
  const rows = await db
    .selectFrom('campaigns')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .$if(page.before !== undefined, (q) => q.where('id', '<', page.before as string))
    .orderBy('id', 'desc')
    .limit(page.limit)
    .execute()
  return rows.map(fromRow)
}

export interface Progress {
  /** contacts per status */
  byStatus: Record<string, number>
  /** still to be reached: pending, retrying, or being called or mailed now */
  open: number
}

/** Each campaign's contacts per status, and how many are still open. */
export async function progressOf(
  db: Db,
  tenantId: string,
  campaignIds: string[],
): Promise<Map<string, Progress>> {
  const out = new Map<string, Progress>()
  if (campaignIds.length === 0) return out
  const rows = await db
    .selectFrom('campaign_contacts')
    .select([
      'campaign_id',
      'status',
      (eb) => eb.fn.countAll<number>().as('contacts'),
      sql<number>`count(*) filter (where next_attempt_at is not null or status in ('dialing', 'sending'))`.as(
        'open',
      ),
    ])
    .where('tenant_id', '=', tenantId)
    .where('campaign_id', 'in', campaignIds)
    .groupBy(['campaign_id', 'status'])
    .execute()
  for (const r of rows) {
    const progress = out.get(r.campaign_id) ?? { byStatus: {}, open: 0 }
    progress.byStatus[r.status] = Number(r.contacts)
    progress.open += Number(r.open)
    out.set(r.campaign_id, progress)
  }
  return out
}

export type CampaignContact = Selectable<CampaignContactsTable>

/** A campaign's contacts in id order, a page at a time, optionally of one status. */
export async function listContacts(
  db: Db,
  tenantId: string,
  campaignId: string,
  page: { limit: number; after?: string | undefined; status?: string | undefined },
): Promise<CampaignContact[]> {
  return db
    .selectFrom('campaign_contacts')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('campaign_id', '=', campaignId)
    .$if(page.after !== undefined, (q) => q.where('id', '>', page.after as string))
    .$if(page.status !== undefined, (q) => q.where('status', '=', page.status as string))
    .orderBy('id')
    .limit(page.limit)
    .execute()
}

/**
 * Starts a draft (its audience becomes contacts now, each pending or suppressed with why) or resumes
 * a paused campaign (its contacts stay as they are). `canSend` says whether the channel can work
 * here (an e-mail campaign needs SMTP_URL).
 */
export async function startCampaign(
  db: Db,
  tenantId: string,
  id: string,
  actor: Actor,
  options: { now: Date; canSend: (channel: CampaignChannel) => string | null },
): Promise<Campaign> {
  const { now } = options
  return db.transaction().execute(async (trx) => {
    const campaign = await mustRead(trx, tenantId, id, true)
    if (campaign.status !== 'draft' && campaign.status !== 'paused')
      throw new ProblemError(
        'conflict',
        `The campaign is ${campaign.status}; only a draft or a paused one starts.`,
      )
    const cannot = options.canSend(campaign.channel)
    if (cannot) throw new ProblemError('conflict', cannot)
    let contacts: { pending: number; suppressed: number } | undefined
    if (campaign.status === 'draft') contacts = await materialise(trx, tenantId, campaign, now)
    const row = await trx
      .updateTable('campaigns')
      .set({ status: 'running', updated_at: now, ...(campaign.started_at ? {} : { started_at: now }) })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
    await recordAudit(trx, tenantId, actor, {
      action: campaign.status === 'draft' ? 'campaign.started' : 'campaign.resumed',
      entityType: 'campaign',
      entityId: id,
      before: { status: campaign.status },
      after: { status: 'running', ...(contacts ? { contacts } : {}) },
    })
    return fromRow(row)
  })
}

export async function pauseCampaign(db: Db, tenantId: string, id: string, actor: Actor, now: Date) {
  return db.transaction().execute(async (trx) => {
    const campaign = await mustRead(trx, tenantId, id, true)
    if (campaign.status !== 'running')
      throw new ProblemError('conflict', `The campaign is ${campaign.status}; only a running one pauses.`)
    const row = await trx
      .updateTable('campaigns')
      .set({ status: 'paused', updated_at: now })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
    await recordAudit(trx, tenantId, actor, {
      action: 'campaign.paused',
      entityType: 'campaign',
      entityId: id,
      before: { status: 'running' },
      after: { status: 'paused' },
    })
    return fromRow(row)
  })
}

/** The audience as contacts: everyone it matches, pending or suppressed with why. */
async function materialise(
  db: Db,
  tenantId: string,
  campaign: Campaign,
  now: Date,
): Promise<{ pending: number; suppressed: number }> {
  const audience = compileAudience(campaign.audience)
  const customers = await readAudienceCustomers(db, tenantId, now)
  const negativeLists = new Set(
    campaign.suppression.negative_lists === 'all'
      ? (
          await db
            .selectFrom('lists')
            .select('id')
            .where('tenant_id', '=', tenantId)
            .where('kind', '=', 'negative')
            .execute()
        ).map((l) => l.id)
      : campaign.suppression.negative_lists,
  )
  const doNotCall = new Set(
    campaign.channel === 'phone'
      ? (await db.selectFrom('do_not_call').select('phone').where('tenant_id', '=', tenantId).execute()).map(
          (d) => d.phone,
        )
      : [],
  )
  const withOpenOffer = new Set(
    campaign.suppression.open_offer
      ? (
          await db
            .selectFrom('offer_presentations')
            .select('customer_id')
            .distinct()
            .where('tenant_id', '=', tenantId)
            .where('status', '=', 'presented')
            .where('expires_at', '>', now)
            .execute()
        ).map((p) => p.customer_id)
      : [],
  )

  const rows: InsertObject<Database, 'campaign_contacts'>[] = []
  let pending = 0
  for (const customer of customers) {
    if (!(await audience.match(customer))) continue
    const list = [...customer.lists].find((l) => negativeLists.has(l))
    const recentDays = customer.facts.days_since_last_contact as number
    const why: { reason: SuppressionReason; message: string } | null =
      campaign.channel === 'phone' && !customer.phone
        ? { reason: 'no_phone', message: 'No phone number is known for the customer.' }
        : campaign.channel === 'email' && !customer.email
          ? { reason: 'no_email', message: 'No e-mail address is known for the customer.' }
          : list
            ? { reason: 'negative_list', message: `The customer is on the negative list ${list}.` }
            : customer.phone && doNotCall.has(customer.phone)
              ? { reason: 'do_not_call', message: `${customer.phone} is on the do-not-call list.` }
              : withOpenOffer.has(customer.id)
                ? { reason: 'open_offer', message: 'The customer has an offer open now.' }
                : recentDays < campaign.suppression.recent_contact_days
                  ? {
                      reason: 'recent_contact',
                      message: `Contacted ${recentDays} days ago; this campaign waits ${campaign.suppression.recent_contact_days}.`,
                    }
                  : null
    if (!why) pending++
    rows.push({
      tenant_id: tenantId,
      id: newId('cct'),
      campaign_id: campaign.id,
      customer_id: customer.id,
      phone: customer.phone,
      email: customer.email,
      name: customer.name,
      time_zone: customer.timeZone,
      status: why ? 'suppressed' : 'pending',
      next_attempt_at: why ? null : now,
      result: jsonb(why ? { suppressed: why.reason, message: why.message } : {}),
      updated_at: now,
    })
  }
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('campaign_contacts')
      .values(rows.slice(i, i + 500))
      .execute()
  return { pending, suppressed: rows.length - pending }
}

// Claiming campaign contacts and recording what came of them, for the bridges' dialers (phone) and
// the e-mail sender alike. Every limit holds across processes because it is kept in the database:
//   - one claimer at a time per campaign: the campaign's row is locked FOR UPDATE SKIP LOCKED, so a
//     second bridge passes to the next campaign instead of waiting or over-claiming;
//   - pacing: attempts begun in the last minute (last_attempt_at) stay under per_minute, claims
//     not yet lapsed (status dialing / sending, claimed_until ahead) under max_concurrent;
//   - calling windows on each contact's clock: the due contacts' distinct time zones are asked
//     whether they are open now (./windows.ts), and only contacts in open zones are claimed;
//   - the contact rows themselves are taken FOR UPDATE SKIP LOCKED, so two claimers never take one;
//   - a claim lapses at claimed_until: a bridge that died leaves its contact to be dialled again,
//     as the same attempt (the customer may never have been rung).
// A number put on do_not_call after the campaign started is suppressed before each claim.
import { sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import { jsonb } from '../../db/json.ts'
import { ProblemError } from '../http/problem.ts'
import { type CampaignChannel, type Pacing, pacingSchema, type Retries, retriesSchema } from './campaigns.ts'
import type { CallOutContact, CallOutResult } from './types.ts'
import { type CallingWindow, isOpen } from './windows.ts'

/** A claimed contact, whichever the channel. */
export interface ClaimedContact extends CallOutContact {
  email: string | null
  name: string | null
}

const claimedStatus: Record<CampaignChannel, string> = { phone: 'dialing', email: 'sending' }

/**
 * Claims up to `limit` contacts due now across the running campaigns of the channel, for `claimer`,
 * until now + lapseSeconds.
 */
export async function claimDue(
  db: Db,
  options: { channel: CampaignChannel; claimer: string; limit: number; now: Date; lapseSeconds: number },
): Promise<ClaimedContact[]> {
  const campaigns = await db
    .selectFrom('campaigns')
    .select(['tenant_id', 'id'])
    .where('status', '=', 'running')
    .where('channel', '=', options.channel)
    .orderBy('started_at')
    .orderBy('id')
    .execute()
  const claimed: ClaimedContact[] = []
  for (const campaign of campaigns) {
    const room = options.limit - claimed.length
    if (room <= 0) break
    claimed.push(
      ...(await db
        .transaction()
        .execute((trx) => claimFrom(trx, campaign.tenant_id, campaign.id, { ...options, limit: room }))),
    )
  }
  return claimed
}

async function claimFrom(
  trx: Db,
  tenantId: string,
  campaignId: string,
  options: { channel: CampaignChannel; claimer: string; limit: number; now: Date; lapseSeconds: number },
): Promise<ClaimedContact[]> {
  const { now, channel } = options
  const campaign = await trx
    .selectFrom('campaigns')
    .select(['offer_id', 'windows', 'pacing'])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', campaignId)
    .where('status', '=', 'running')
    .forUpdate()
    .skipLocked()
    .executeTakeFirst()
  if (!campaign) return []
  const pacing: Pacing = pacingSchema.parse(campaign.pacing ?? {})
  const windows = campaign.windows as CallingWindow[]
  const status = claimedStatus[channel]

  if (channel === 'phone')
    await trx
      .updateTable('campaign_contacts')
      .set({
        status: 'suppressed',
        next_attempt_at: null,
        updated_at: now,
        result: jsonb({ suppressed: 'do_not_call', message: 'The number was put on the do-not-call list.' }),
      })
      .where('tenant_id', '=', tenantId)
      .where('campaign_id', '=', campaignId)
      .where('next_attempt_at', 'is not', null)
      .where((w) =>
        w.exists(
          w
            .selectFrom('do_not_call as d')
            .select(sql`1`.as('one'))
            .whereRef('d.tenant_id', '=', 'campaign_contacts.tenant_id')
            .whereRef('d.phone', '=', 'campaign_contacts.phone'),
        ),
      )
      .execute()

  const minuteAgo = new Date(now.getTime() - 60_000)
  const load = await trx
    .selectFrom('campaign_contacts')
    .select([
      sql<number>`count(*) filter (where status = ${status} and claimed_until > ${now})`.as('in_flight'),
      sql<number>`count(*) filter (where last_attempt_at > ${minuteAgo})`.as('last_minute'),
    ])
    .where('tenant_id', '=', tenantId)
    .where('campaign_id', '=', campaignId)
    .where((w) =>
      w.or([
        w.and([w('status', '=', status), w('claimed_until', '>', now)]),
        w('last_attempt_at', '>', minuteAgo),
      ]),
    )
    .executeTakeFirstOrThrow()
  const allowed = Math.min(
    options.limit,
    pacing.max_concurrent - Number(load.in_flight),
    pacing.per_minute - Number(load.last_minute),
  )
  if (allowed <= 0) return []

  const dueContacts = () =>
    trx
      .selectFrom('campaign_contacts')
      .where('tenant_id', '=', tenantId)
      .where('campaign_id', '=', campaignId)
      .where((w) =>
        w.or([
          w('next_attempt_at', '<=', now),
          w.and([w('status', '=', status), w('claimed_until', '<=', now)]),
        ]),
      )
  const zones = await dueContacts().select('time_zone').distinct().execute()
  const open = zones
    .map((z) => z.time_zone)
    .filter((zone): zone is string => zone !== null && isOpen(windows, zone, now))
  if (open.length === 0) return []

  const picked = await dueContacts()
    .select('id')
    .where('time_zone', 'in', open)
    .orderBy('next_attempt_at')
    .orderBy('id')
    .limit(allowed)
    .forUpdate()
    .skipLocked()
    .execute()
  if (picked.length === 0) return []

  const claimedUntil = new Date(now.getTime() + options.lapseSeconds * 1000)
  const rows = await trx
    .updateTable('campaign_contacts')
    .set({
      // a lapsed claim is dialled again as the same attempt
      attempts: sql`case when status = ${status} then attempts else attempts + 1 end`,
      status,
      claimed_by: options.claimer,
      claimed_until: claimedUntil,
      last_attempt_at: now,
      next_attempt_at: null,
      updated_at: now,
    })
    .where('tenant_id', '=', tenantId)
    .where(
      'id',
      'in',
      picked.map((p) => p.id),
    )
    .returningAll()
    .execute()
  return rows.map((r) => ({
    tenantId,
    campaignId,
    contactId: r.id,
    customerId: r.customer_id,
    phone: r.phone ?? '',
    email: r.email,
    name: r.name,
    offerId: campaign.offer_id,
    attempt: r.attempts,
    claimedUntil,
  }))
}

/** What a contact's attempt came to, in the words of CallOutResult plus the e-mail sender's. */
export type ContactResult =
  | CallOutResult
  | { status: 'emailed'; presentationId: string }
  | { status: 'offer_not_made'; detail: string }

const retryable = new Set(['no_answer', 'busy', 'failed'])

/**
 * Records what came of a claimed attempt: a retry scheduled (no_answer, busy, failed, while attempts
 * remain), or the contact closed with its result. A late report from a claim that lapsed and was
 * taken again is ignored unless it closes the contact with what the customer did; a contact already
 * closed is never reopened.
 */
export async function reportResult(
  db: Db,
  contact: CallOutContact,
  result: ContactResult,
  now: Date,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('campaign_contacts as cc')
      .innerJoin('campaigns as c', (j) =>
        j.onRef('c.tenant_id', '=', 'cc.tenant_id').onRef('c.id', '=', 'cc.campaign_id'),
      )
      .select(['cc.status', 'cc.claimed_until', 'cc.attempts', 'cc.phone', 'cc.result', 'c.retries'])
      .where('cc.tenant_id', '=', contact.tenantId)
      .where('cc.id', '=', contact.contactId)
      .where('cc.campaign_id', '=', contact.campaignId)
      .forUpdate()
      .executeTakeFirst()
    if (!row)
      throw new ProblemError(
        'not_found',
        `No contact ${contact.contactId} in campaign ${contact.campaignId}.`,
      )
    const claimed = row.status === 'dialing' || row.status === 'sending'
    const ours = claimed && row.claimed_until?.getTime() === contact.claimedUntil.getTime()
    const open = claimed || row.status === 'pending' || retryable.has(row.status)
    if (!open) return
    if (retryable.has(result.status) && !ours) return

    const retries: Retries = retriesSchema.parse(row.retries ?? {})
    const history = Array.isArray(row.result.attempts) ? (row.result.attempts as unknown[]) : []
    const attempt = { attempt: row.attempts, at: now.toISOString(), ...resultFields(result) }
    const base = { claimed_by: null, claimed_until: null, updated_at: now }
    const where = (q: ReturnType<typeof trx.updateTable<'campaign_contacts'>>) =>
      q.where('tenant_id', '=', contact.tenantId).where('id', '=', contact.contactId)

    if (retryable.has(result.status)) {
      const again = row.attempts < retries.max_attempts
      await where(trx.updateTable('campaign_contacts'))
        .set({
          ...base,
          status: result.status,
          next_attempt_at: again ? new Date(now.getTime() + retries.retry_minutes * 60_000) : null,
          result: jsonb({
            ...attempt,
            final: !again,
            attempts: [...history, attempt],
          }),
        })
        .execute()
    } else {
      const status =
        result.status === 'hung_up'
          ? 'answered'
          : result.status === 'offer_not_made'
            ? 'blocked'
            : result.status
      await where(trx.updateTable('campaign_contacts'))
        .set({
          ...base,
          status,
          next_attempt_at: null,
          presentation_id: 'presentationId' in result ? result.presentationId : null,
          order_id: 'orderId' in result ? result.orderId : null,
          decision_id: 'decisionId' in result ? result.decisionId : null,
          result: jsonb({ ...attempt, final: true, attempts: [...history, attempt] }),
        })
        .execute()
      if (result.status === 'do_not_call' && row.phone)
        await trx
          .insertInto('do_not_call')
          .values({ tenant_id: contact.tenantId, phone: row.phone, source: `campaign:${contact.campaignId}` })
          .onConflict((oc) => oc.columns(['tenant_id', 'phone']).doNothing())
          .execute()
    }
    await finishIfDone(trx, contact.tenantId, contact.campaignId, now)
  })
}

function resultFields(result: ContactResult): Record<string, unknown> {
  const { status, ...rest } = result
  return { status, ...rest }
}

/** A running campaign with no open contact left is finished. */
export async function finishIfDone(
  db: Db,
  tenantId: string,
  campaignId: string,
  now: Date,
): Promise<boolean> {
  const finished = await db
    .updateTable('campaigns')
    .set({ status: 'finished', finished_at: now, updated_at: now })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', campaignId)
    .where('status', '=', 'running')
    .where((w) =>
      w.not(
        w.exists(
          w
            .selectFrom('campaign_contacts as cc')
            .select(sql`1`.as('one'))
            .where('cc.tenant_id', '=', tenantId)
            .where('cc.campaign_id', '=', campaignId)
            .where((o) =>
              o.or([o('cc.next_attempt_at', 'is not', null), o('cc.status', 'in', ['dialing', 'sending'])]),
            ),
        ),
      ),
    )
    .executeTakeFirst()
  return Number(finished.numUpdatedRows) > 0
}

// The review desk (figure 10's representative intervention): decisions with outcome review wait in
// a queue; an analyst claims one (race-free), sees everything the engine saw, and resolves it. The
// resolution reaches the merchant through GET /v1/decisions/{id} and a decision.resolved webhook,
// and feeds the tenant's negative (block) or positive (approval) list.
import { sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import { jsonb } from '../../db/json.ts'
import { listSubjectValues } from '../../rules/facts.ts'
import type { CapturedRequest } from '../../rules/request.ts'
import { type ListSubject, listSubjects } from '../../rules/schema.ts'
import { type Actor, recordAudit } from '../audit/audit.ts'
import type { RecordRow } from '../decision-store/store.ts'
import { recorded } from '../decisions/schema.ts'
import { ProblemError } from '../http/problem.ts'
import { holdsValue, inForce, readableBy } from '../lists/membership.ts'
import { addEntriesIfAbsent, previewEntriesIfAbsent } from '../lists/store.ts'
import { normalizeListValue } from '../lists/subjects.ts'
import { roleAtLeast } from '../staff/roles.ts'
import { enqueueEvent } from '../webhooks/webhooks.ts'

export const reviewStatuses = ['open', 'claimed', 'escalated', 'resolved'] as const
export type ReviewStatus = (typeof reviewStatuses)[number]
export const reviewDecisions = ['approve', 'approve_with_limit', 'block'] as const
export type ReviewDecision = (typeof reviewDecisions)[number]

/** statuses a reviewer may still claim: escalated ones wait for someone more senior, but anyone may */
const claimable = ['open', 'escalated']

export interface Reviewer extends Actor {
  role: string
}

/** A decision's place in the review queue: written with the decision, in its transaction. */
export function reviewOf(tenantId: string, decisionId: string, now: Date): RecordRow<'review'> {
  return { tenant_id: tenantId, decision_id: decisionId, status: 'open', created_at: now }
}

export interface ReviewSummary {
  decision_id: string
  status: ReviewStatus
  created_at: string
  claimed_by: string | null
  claimed_at: string | null
  escalated_at: string | null
  resolved_by: string | null
  resolved_at: string | null
  resolution: ReviewDecision | null
  note: string | null
  kind: string
  channel: string
  amount: { value: number; currency: string } | null
  customer_id: string | null
  /** the id the merchant sent for the customer, beside customer_id, Tollgate's own */
  merchant_customer_id: string | null
  reasons: { rule: string; type: string; message: string }[]
}

const iso = (d: Date | null) => (d ? d.toISOString() : null)

function summaryQuery(db: Db, tenantId: string) {
  return db
    .selectFrom('reviews as r')
    .innerJoin('decisions as d', (j) =>
      j.onRef('d.tenant_id', '=', 'r.tenant_id').onRef('d.id', '=', 'r.decision_id'),
    )
    .select([
      'r.decision_id',
      'r.status',
      'r.created_at',
      'r.claimed_by',
      'r.claimed_at',
      'r.escalated_at',
      'r.resolved_by',
      'r.resolved_at',
      'r.resolution',
      'r.note',
      'd.kind',
      'd.channel',
      'd.amount_value',
      'd.currency',
      'd.customer_id',
      sql<string | null>`d.request -> 'customer' ->> 'id'`.as('merchant_customer_id'),
      sql<unknown>`d.response -> 'reasons'`.as('reasons'),
    ])
    .where('r.tenant_id', '=', tenantId)
}

type SummaryRow = Awaited<ReturnType<ReturnType<typeof summaryQuery>['executeTakeFirstOrThrow']>>

function toSummary(row: SummaryRow): ReviewSummary {
  return {
    decision_id: row.decision_id,
    status: row.status as ReviewStatus,
    created_at: row.created_at.toISOString(),
    claimed_by: row.claimed_by,
    claimed_at: iso(row.claimed_at),
    escalated_at: iso(row.escalated_at),
    resolved_by: row.resolved_by,
    resolved_at: iso(row.resolved_at),
    resolution: row.resolution as ReviewDecision | null,
    note: row.note,
    kind: row.kind,
    channel: row.channel,
    amount:
      row.amount_value !== null && row.currency
        ? { value: Number(row.amount_value), currency: row.currency }
        : null,
    customer_id: row.customer_id,
    merchant_customer_id: row.merchant_customer_id,
    reasons: (Array.isArray(row.reasons) ? row.reasons : []) as ReviewSummary['reasons'],
  }
}

/** The queue, oldest first; without a status, everything not yet resolved. */
export async function listReviews(
  db: Db,
  tenantId: string,
  filter: { status?: ReviewStatus | undefined; limit: number },
): Promise<ReviewSummary[]> {
  const rows = await summaryQuery(db, tenantId)
    .$if(filter.status !== undefined, (q) => q.where('r.status', '=', filter.status as string))
    .$if(filter.status === undefined, (q) => q.where('r.status', '!=', 'resolved'))
    .orderBy('r.created_at')
    .orderBy('r.decision_id')
    .limit(filter.limit)
    .execute()
  return rows.map(toSummary)
}

export async function readReviewSummary(db: Db, tenantId: string, decisionId: string) {
  const row = await summaryQuery(db, tenantId).where('r.decision_id', '=', decisionId).executeTakeFirst()
  return row ? toSummary(row) : null
}

/**
 * Claims one review. The conditional UPDATE is the whole race: of two analysts claiming at once,
 * the second finds the row no longer claimable once the first commits.
 */
export async function claimReview(
  db: Db,
  tenantId: string,
  decisionId: string,
  reviewer: Reviewer,
  now: Date,
) {
  return db.transaction().execute(async (trx) => {
    const claimed = await trx
      .updateTable('reviews')
      .set({ status: 'claimed', claimed_by: reviewer.id, claimed_at: now })
      .where('tenant_id', '=', tenantId)
      .where('decision_id', '=', decisionId)
      .where('status', 'in', claimable)
      .returning('decision_id')
      .executeTakeFirst()
    if (!claimed) {
      const current = await readReviewSummary(trx, tenantId, decisionId)
      if (!current) throw new ProblemError('not_found', `No review for decision ${decisionId}`)
      // claiming again what you hold already is harmless
      if (current.status === 'claimed' && current.claimed_by === reviewer.id) return current
      throw new ProblemError(
        'conflict',
        current.status === 'resolved'
          ? 'This review has been resolved.'
          : 'Another analyst has claimed this review.',
      )
    }
    await recordAudit(trx, tenantId, reviewer, {
      action: 'review.claimed',
      entityType: 'review',
      entityId: decisionId,
    })
    const summary = await readReviewSummary(trx, tenantId, decisionId)
    if (!summary) throw new Error('claimed review vanished')
    return summary
  })
}

/** Claims the oldest claimable review; SKIP LOCKED lets concurrent callers take different ones. */
export async function claimNextReview(db: Db, tenantId: string, reviewer: Reviewer, now: Date) {
  return db.transaction().execute(async (trx) => {
    const next = await trx
      .selectFrom('reviews')
      .select('decision_id')
      .where('tenant_id', '=', tenantId)
      .where('status', 'in', claimable)
      .orderBy('created_at')
      .orderBy('decision_id')
      .limit(1)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst()
    if (!next) return null
    await trx
      .updateTable('reviews')
      .set({ status: 'claimed', claimed_by: reviewer.id, claimed_at: now })
      .where('tenant_id', '=', tenantId)
      .where('decision_id', '=', next.decision_id)
      .execute()
    await recordAudit(trx, tenantId, reviewer, {
      action: 'review.claimed',
      entityType: 'review',
      entityId: next.decision_id,
    })
    return readReviewSummary(trx, tenantId, next.decision_id)
  })
}

export interface ListHit {
  list_id: string
  list_kind: string
  subject: string
  value: string
  reason: string
  source: string
  added_at: string
  expires_at: string | null
}

/** Entries of the tenant's lists holding any of the request's values, in force now. */
async function currentListHits(
  db: Db,
  tenantId: string,
  request: CapturedRequest,
  now: Date,
): Promise<ListHit[]> {
  const pairs = listSubjects.flatMap((subject) =>
    listSubjectValues(subject, request).map((value) => [subject, value] as const),
  )
  if (!pairs.length) return []
  const rows = await db
    .selectFrom('list_entries as e')
    .innerJoin('lists as l', (j) =>
      j.onRef('l.tenant_id', '=', 'e.tenant_id').onRef('l.id', '=', 'e.list_id'),
    )
    .select([
      'e.list_id',
      'l.kind',
      'e.subject',
      'e.value',
      'e.reason',
      'e.source',
      'e.added_at',
      'e.expires_at',
    ])
    // the same membership as a live decision: shared lists the tenant reads, IP ranges that hold the address
    .where(readableBy('e', tenantId))
    .where((eb) => eb.or(pairs.map(([s, v]) => eb.and([eb('e.subject', '=', s), holdsValue('e', s, [v])]))))
    .where(inForce('e', now))
    .orderBy('e.added_at', 'desc')
    .limit(100)
    .execute()
  return rows.map((r) => ({
    list_id: r.list_id,
    list_kind: r.kind,
    subject: r.subject,
    value: r.value,
    reason: r.reason,
    source: r.source,
    added_at: r.added_at.toISOString(),
    expires_at: iso(r.expires_at),
  }))
}

/** Everything a reviewer sees: the decision as captured (card reduced to BIN and last four), facts, fired rules, history and list hits. */
export async function readReviewDetail(db: Db, tenantId: string, decisionId: string, now: Date) {
  const review = await readReviewSummary(db, tenantId, decisionId)
  if (!review) return null
  const decision = await db
    .selectFrom('decisions')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', decisionId)
    .executeTakeFirstOrThrow()
  const request = decision.request as CapturedRequest
  const history = decision.customer_id
    ? await db
        .selectFrom('decisions')
        .select([
          'id',
          'created_at',
          'kind',
          'channel',
          'outcome',
          'amount_value',
          'currency',
          sql<string | null>`resolution ->> 'outcome'`.as('resolved_outcome'),
        ])
        .where('tenant_id', '=', tenantId)
        .where('customer_id', '=', decision.customer_id)
        .where('id', '!=', decisionId)
        .orderBy('created_at', 'desc')
        .limit(20)
        .execute()
    : []
  return {
    review,
    decision: { ...(decision.response as Record<string, unknown>), resolution: decision.resolution ?? null },
    ...recorded(decision),
    history: history.map((h) => ({
      id: h.id,
      created_at: h.created_at.toISOString(),
      kind: h.kind,
      channel: h.channel,
      outcome: h.outcome,
      resolved_outcome: h.resolved_outcome,
      amount:
        h.amount_value !== null && h.currency
          ? { value: Number(h.amount_value), currency: h.currency }
          : null,
    })),
    list_hits: await currentListHits(db, tenantId, request, now),
    resolution_preview: await previewResolution(db, tenantId, decisionId),
  }
}

/** The identifiers a reviewer's word is recorded against: the request's and the customer's known ones. */
async function customerIdentifiers(
  db: Db,
  tenantId: string,
  request: CapturedRequest,
  customerId: string | null,
): Promise<[ListSubject, string][]> {
  const found: [ListSubject, string | null | undefined][] = [
    ['phone', request.customer.phone],
    ['phone', request.network.ani],
    ['email', request.customer.email],
    ['card', request.payment_method?.card?.fingerprint],
    ['device', request.network.device_id],
    ['ip', request.network.ip],
    ['customer', request.customer.id],
  ]
  if (customerId) {
    const kindToSubject: Record<string, ListSubject> = {
      phone: 'phone',
      email: 'email',
      card: 'card',
      device: 'device',
      customer_id: 'customer',
    }
    const known = await db
      .selectFrom('customer_identifiers')
      .select(['kind', 'value'])
      .where('tenant_id', '=', tenantId)
      .where('customer_id', '=', customerId)
      .execute()
    for (const k of known) {
      const subject = kindToSubject[k.kind]
      if (subject) found.push([subject, k.value])
    }
  }
  const unique = new Map<string, [ListSubject, string]>()
  for (const [subject, value] of found) if (value) unique.set(`${subject}\u0000${value}`, [subject, value])
  return [...unique.values()]
}

/** The identifiers as the list keeps them (normalized, each once); unusable ones are left out. */
function listValues(identifiers: [ListSubject, string][]) {
  const values = new Map<string, { subject: ListSubject; value: string; network: string | null }>()
  for (const [subject, raw] of identifiers) {
    const normalized = normalizeListValue(subject, raw)
    if (normalized.ok)
      values.set(`${subject}\u0000${normalized.value}`, {
        subject,
        value: normalized.value,
        network: normalized.network,
      })
  }
  return [...values.values()]
}

/** the list a resolution feeds: a block the negative one, an approval (with a limit or not) the positive one */
const listKindFor = (decision: ReviewDecision) => (decision === 'block' ? 'negative' : 'positive')

/** The values a resolution of this decision puts on a list: what resolveReview() adds and the preview shows. */
async function resolutionListValues(
  db: Db,
  tenantId: string,
  decision: { request: unknown; customer_id: string | null },
) {
  return listValues(
    await customerIdentifiers(db, tenantId, decision.request as CapturedRequest, decision.customer_id),
  )
}

export interface ListedIdentifier {
  subject: string
  value: string
  /** as a person reads it: "card ending 4242" rather than the card's fingerprint */
  label: string
}

export interface ResolutionListing {
  list: { id: string; name: string; kind: string }
  /** identifiers the resolution would add to the list */
  adds: ListedIdentifier[]
  /** identifiers already on it, left as they are */
  already_listed: ListedIdentifier[]
  /** the added identifiers would also go to the shared negative list */
  contributes_shared: boolean
}

/** Card fingerprints named by brand and last four, from the request or the customer's stored cards. */
async function cardNames(db: Db, tenantId: string, request: CapturedRequest, fingerprints: string[]) {
  const names = new Map<string, string>()
  if (!fingerprints.length) return names
  const stored = await db
    .selectFrom('payment_methods')
    .select(['fingerprint', 'brand', 'last4'])
    .where('tenant_id', '=', tenantId)
    .where('fingerprint', 'in', fingerprints)
    .execute()
  const card = request.payment_method?.card
  for (const c of [...stored, ...(card ? [card] : [])])
    if (c.fingerprint && c.last4)
      names.set(
        c.fingerprint,
        `${c.brand ? `${c.brand[0]?.toUpperCase()}${c.brand.slice(1)} ` : ''}card ending ${c.last4}`,
      )
  return names
}

/**
 * What resolving the review as approve (or approve with a limit) and as block would put on which
 * list, computed now by the code resolveReview() runs. Null for a resolved review or another tenant's.
 */
export async function previewResolution(
  db: Db,
  tenantId: string,
  decisionId: string,
): Promise<{ approve: ResolutionListing; block: ResolutionListing } | null> {
  const decision = await db
    .selectFrom('decisions as d')
    .innerJoin('reviews as r', (j) =>
      j.onRef('r.tenant_id', '=', 'd.tenant_id').onRef('r.decision_id', '=', 'd.id'),
    )
    .select(['d.request', 'd.customer_id'])
    .where('d.tenant_id', '=', tenantId)
    .where('d.id', '=', decisionId)
    .where('r.status', '!=', 'resolved')
    .executeTakeFirst()
  if (!decision) return null
  const values = await resolutionListValues(db, tenantId, decision)
  const request = decision.request as CapturedRequest
  const cards = await cardNames(
    db,
    tenantId,
    request,
    values.filter((v) => v.subject === 'card').map((v) => v.value),
  )
  const named = (v: { subject: string; value: string }): ListedIdentifier => ({
    subject: v.subject,
    value: v.value,
    label: v.subject === 'card' ? (cards.get(v.value) ?? 'card on file') : v.value,
  })
  const listing = async (decision: ReviewDecision): Promise<ResolutionListing> => {
    const preview = await previewEntriesIfAbsent(db, tenantId, listKindFor(decision), values)
    return {
      list: preview.list,
      adds: preview.added.map(named),
      already_listed: preview.present.map(named),
      contributes_shared: preview.contributes_shared,
    }
  }
  return { approve: await listing('approve'), block: await listing('block') }
}

export interface ResolveInput {
  decision: ReviewDecision
  note: string
  limit?: { max_amount?: number | undefined; max_duration_seconds?: number | undefined } | undefined
}

export interface ReviewResolution {
  outcome: 'approve' | 'block'
  decision: ReviewDecision
  note: string
  limits: { max_amount: number | null; max_duration_seconds: number | null } | null
  resolved_at: string
  resolved_by: string
}

/**
 * Resolves a review: the claimer, or a publisher or admin over anyone. In one transaction: the
 * decision's resolution, the review, the list entries, the audit entry and the webhook outbox.
 */
export async function resolveReview(
  db: Db,
  tenantId: string,
  decisionId: string,
  reviewer: Reviewer,
  input: ResolveInput,
  now: Date,
): Promise<{ resolution: ReviewResolution; listed: number; contributed: number }> {
  return db.transaction().execute(async (trx) => {
    const review = await trx
      .selectFrom('reviews')
      .select(['status', 'claimed_by'])
      .where('tenant_id', '=', tenantId)
      .where('decision_id', '=', decisionId)
      .forUpdate()
      .executeTakeFirst()
    if (!review) throw new ProblemError('not_found', `No review for decision ${decisionId}`)
    if (review.status === 'resolved') throw new ProblemError('conflict', 'This review has been resolved.')
    const overrides = roleAtLeast(reviewer.role, 'publisher')
    if (!overrides) {
      if (review.status !== 'claimed')
        throw new ProblemError('conflict', 'Claim this review before resolving it.')
      if (review.claimed_by !== reviewer.id)
        throw new ProblemError(
          'forbidden',
          'Another analyst has claimed this review; only they or a publisher may resolve it.',
        )
    }

    const resolution: ReviewResolution = {
      outcome: input.decision === 'block' ? 'block' : 'approve',
      decision: input.decision,
      note: input.note,
      limits:
        input.decision === 'approve_with_limit'
          ? {
              max_amount: input.limit?.max_amount ?? null,
              max_duration_seconds: input.limit?.max_duration_seconds ?? null,
            }
          : null,
      resolved_at: now.toISOString(),
      resolved_by: reviewer.id,
    }
    const decision = await trx
      .updateTable('decisions')
      .set({ resolution: jsonb(resolution) })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', decisionId)
      .returning(['request', 'customer_id', 'outcome'])
      .executeTakeFirstOrThrow()
    await trx
      .updateTable('reviews')
      .set({
        status: 'resolved',
        resolved_by: reviewer.id,
        resolved_at: now,
        resolution: input.decision,
        note: input.note,
        limits: resolution.limits ? jsonb(resolution.limits) : null,
      })
      .where('tenant_id', '=', tenantId)
      .where('decision_id', '=', decisionId)
      .execute()

    const { listed, contributed } = await addEntriesIfAbsent(
      trx,
      tenantId,
      listKindFor(input.decision),
      await resolutionListValues(trx, tenantId, decision),
      { reason: input.note, source: 'review' },
      reviewer,
    )
    await recordAudit(trx, tenantId, reviewer, {
      action: 'review.resolved',
      entityType: 'review',
      entityId: decisionId,
      before: { status: review.status, claimed_by: review.claimed_by },
      after: { ...resolution, listed, contributed },
    })
    await enqueueEvent(
      trx,
      tenantId,
      'decision.resolved',
      {
        decision: {
          id: decisionId,
          outcome: decision.outcome,
          customer_id: decision.customer_id,
          resolution: {
            outcome: resolution.outcome,
            decision: resolution.decision,
            note: resolution.note,
            limits: resolution.limits,
            resolved_at: resolution.resolved_at,
            resolved_by: resolution.resolved_by,
          },
        },
      },
      now,
    )
    return { resolution, listed, contributed }
  })
}

export const DEFAULT_ESCALATION_MINUTES = 15

export async function readEscalationMinutes(db: Db, tenantId: string): Promise<number> {
  const row = await db
    .selectFrom('tenants')
    .select('review_escalation_minutes')
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst()
  return row?.review_escalation_minutes ?? DEFAULT_ESCALATION_MINUTES
}

/**
 * Escalates every open review older than its tenant's time limit, across tenants, and records each
 * in the audit log. Returns what it escalated. Callable directly with any clock.
 */
export async function escalateOverdueReviews(db: Db, now: Date) {
  return db.transaction().execute(async (trx) => {
    const escalated = await sql<{ tenant_id: string; decision_id: string; created_at: Date }>`
      update reviews r set status = 'escalated', escalated_at = ${now}
      from tenants t
      where t.tenant_id = r.tenant_id and r.status = 'open'
        and r.created_at <= ${now}::timestamptz
          - make_interval(mins => coalesce(t.review_escalation_minutes, ${DEFAULT_ESCALATION_MINUTES}))
      returning r.tenant_id, r.decision_id, r.created_at`.execute(trx)
    for (const row of escalated.rows)
      await recordAudit(trx, row.tenant_id, null, {
        action: 'review.escalated',
        entityType: 'review',
        entityId: row.decision_id,
        after: {
          status: 'escalated',
          escalated_at: now.toISOString(),
          unclaimed_since: new Date(row.created_at).toISOString(),
        },
      })
    return escalated.rows.map((r) => ({ tenantId: r.tenant_id, decisionId: r.decision_id }))
  })
}

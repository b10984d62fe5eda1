import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { escalateOverdueReviews } from '../../server/reviews/reviews.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { cardNumber, customerPurchase, reviewRuleSet } from '../support/review-rule-set.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'

let t: TestApp
let ana: StaffClient
let ben: StaffClient
let viewer: StaffClient
let publisher: StaffClient
let globexAnalyst: StaffClient
let globexAdmin: StaffClient

beforeAll(async () => {
  t = await startTestApp({ ruleSet: reviewRuleSet })
  ana = await staffClient(t, 'acme', 'analyst', 'ana@acme.test')
  ben = await staffClient(t, 'acme', 'analyst', 'ben@acme.test')
  viewer = await staffClient(t, 'acme', 'viewer')
  publisher = await staffClient(t, 'acme', 'publisher')
  globexAnalyst = await staffClient(t, 'globex', 'analyst')
  globexAdmin = await staffClient(t, 'globex', 'admin')
})
afterAll(() => t.close())

async function decide(body: unknown, key?: string) {
  const res = await t.post('/v1/authorizations', body, { key })
  expect(res.status).toBe(201)
  return (await res.json()) as {
    id: string
    outcome: string
    customer: { id: string } | null
    limits: object
  }
}

async function reviewFor(n: number) {
  const decision = await decide(customerPurchase(n))
  expect(decision.outcome).toBe('review')
  return decision.id
}

async function json<T = Record<string, unknown>>(
  res: Response | Promise<Response>,
  status: number,
): Promise<T> {
  const r = await res
  const text = await r.text()
  expect(r.status, text).toBe(status)
  return (text ? JSON.parse(text) : null) as T
}

async function listEntries(tenantId: string, listId: string) {
  return t.db
    .selectFrom('list_entries')
    .select(['subject', 'value', 'reason', 'source', 'added_by'])
    .where('tenant_id', '=', tenantId)
    .where('list_id', '=', listId)
    .where('removed_at', 'is', null)
    .execute()
}

describe('the queue', () => {
  it('takes every decision that goes to review, and nothing else', async () => {
    const approved = await decide(customerPurchase(1, 2_000))
    expect(approved.outcome).toBe('approve')
    // this rule set keeps no purchase value limits, so the decision carries none
    expect(approved).not.toHaveProperty('limits.purchase_value_limit')
    const id = await reviewFor(1)
    const { reviews } = await json<{
      reviews: { decision_id: string; status: string; reasons: { rule: string }[] }[]
    }>(ana.request('GET', '/admin/v1/reviews?status=open'), 200)
    expect(reviews.map((r) => r.decision_id)).toContain(id)
    expect(reviews.map((r) => r.decision_id)).not.toContain(approved.id)
    expect(reviews.find((r) => r.decision_id === id)?.reasons[0]?.rule).toBe('big-purchase')
  })

  it('shows the reviewer what was captured (card masked), the facts, fired rules, history and list hits', async () => {
    const earlier = await decide(customerPurchase(2, 1_000))
    await t.db
      .insertInto('list_entries')
      .values({
        tenant_id: 'acme',
        list_id: 'positive',
        id: 'ent_known_good',
        subject: 'email',
        value: 'buyer2@example.com',
        reason: 'long-standing customer',
        source: 'manual',
      })
      .execute()
    const id = await reviewFor(2)
    const res = await ana.request('GET', `/admin/v1/reviews/${id}`)
    const text = await res.clone().text()
    const body = await json<{
      review: { status: string }
      request: { payment_method: { card: { last4: string; bin: string } } }
      facts: { fact: string; value: unknown }[]
      fired_rules: { id: string }[]
      history: { id: string }[]
      list_hits: { list_kind: string; subject: string; value: string }[]
    }>(res, 200)
    expect(text).not.toContain(cardNumber(2))
    expect(body.request.payment_method.card.last4).toBe(cardNumber(2).slice(-4))
    expect(body.facts.find((f) => f.fact === 'amount')?.value).toBe(60_000)
    expect(body.fired_rules.map((r) => r.id)).toEqual(['big-purchase'])
    expect(body.history.map((h) => h.id)).toEqual([earlier.id])
    expect(body.list_hits).toEqual([
      expect.objectContaining({ list_kind: 'positive', subject: 'email', value: 'buyer2@example.com' }),
    ])
  })

  it('claims the oldest waiting review with claim-next', async () => {
    const { reviews } = await json<{ reviews: { decision_id: string }[] }>(
      ana.request('GET', '/admin/v1/reviews'),
      200,
    )
    const oldest = reviews[0]?.decision_id
    const claimed = await json<{ decision_id: string; status: string; claimed_by: string }>(
      ben.request('POST', '/admin/v1/reviews/claim-next', {}),
      200,
    )
    expect(claimed).toMatchObject({ decision_id: oldest, status: 'claimed', claimed_by: ben.userId })
  })
})

describe('claiming', () => {
  it('lets exactly one of two analysts claiming at once win', async () => {
    const id = await reviewFor(3)
    const results = await Promise.all([
      ana.request('POST', `/admin/v1/reviews/${id}/claim`, {}),
      ben.request('POST', `/admin/v1/reviews/${id}/claim`, {}),
    ])
    expect(results.map((r) => r.status).sort()).toEqual([200, 409])
    const winner = results[0]?.status === 200 ? ana : ben
    const row = await t.db
      .selectFrom('reviews')
      .select(['status', 'claimed_by'])
      .where('decision_id', '=', id)
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ status: 'claimed', claimed_by: winner.userId })
  })

  it('refuses a viewer (403) and hides another tenant’s review (404)', async () => {
    const id = await reviewFor(4)
    await json(viewer.request('POST', `/admin/v1/reviews/${id}/claim`, {}), 403)
    await json(viewer.request('GET', '/admin/v1/reviews'), 403)
    await json(globexAnalyst.request('GET', `/admin/v1/reviews/${id}`), 404)
    await json(globexAnalyst.request('POST', `/admin/v1/reviews/${id}/claim`, {}), 404)
    await json(
      globexAdmin.request('POST', `/admin/v1/reviews/${id}/resolve`, { decision: 'block', note: 'x' }),
      404,
    )
    const { reviews } = await json<{ reviews: unknown[] }>(
      globexAnalyst.request('GET', '/admin/v1/reviews'),
      200,
    )
    expect(reviews).toEqual([])
  })
})

describe('resolving', () => {
  it('blocks: the identifiers go on the negative list, the merchant sees it, the next attempt is blocked', async () => {
    const id = await reviewFor(5)
    await json(ana.request('POST', `/admin/v1/reviews/${id}/claim`, {}), 200)
    // only the claimer (or a publisher) may resolve
    await json(ben.request('POST', `/admin/v1/reviews/${id}/resolve`, { decision: 'block', note: 'no' }), 403)
    const { resolution } = await json<{ resolution: { outcome: string } }>(
      ana.request('POST', `/admin/v1/reviews/${id}/resolve`, {
        decision: 'block',
        note: 'Stolen card reported by the issuer',
      }),
      200,
    )
    expect(resolution.outcome).toBe('block')

    const entries = await listEntries('acme', 'negative')
    const mine = entries.filter(
      (e) => e.source === 'review' && e.reason === 'Stolen card reported by the issuer',
    )
    expect(mine.map((e) => e.subject).sort()).toEqual(['card', 'customer', 'device', 'email', 'ip', 'phone'])
    expect(mine.every((e) => e.added_by === ana.userId)).toBe(true)

    const merchantView = await json<{
      outcome: string
      resolution: { outcome: string; note: string; resolved_by: string }
    }>(t.get(`/v1/decisions/${id}`), 200)
    expect(merchantView.outcome).toBe('review')
    expect(merchantView.resolution).toMatchObject({
      outcome: 'block',
      note: 'Stolen card reported by the issuer',
      resolved_by: ana.userId,
    })

    const next = await decide(customerPurchase(5, 1_000))
    expect(next.outcome).toBe('block')

    const audit = await t.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id'])
      .where('tenant_id', '=', 'acme')
      .where('entity_id', '=', id)
      .orderBy('id')
      .execute()
    expect(audit.map((a) => a.action)).toEqual(['review.claimed', 'review.resolved'])
    // each identifier the block listed is audited as a list change, like one added by hand
    const listed = await t.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id', 'after'])
      .where('tenant_id', '=', 'acme')
      .where('action', '=', 'list_entry.added')
      .where('actor_id', '=', ana.userId)
      .execute()
    const listedSubjects = listed
      .map((a) => a.after as { subject: string; reason: string; source: string })
      .filter((a) => a.reason === 'Stolen card reported by the issuer' && a.source === 'review')
      .map((a) => a.subject)
      .sort()
    expect(listedSubjects).toEqual(['card', 'customer', 'device', 'email', 'ip', 'phone'])
    // resolved once is resolved for good
    await json(
      ana.request('POST', `/admin/v1/reviews/${id}/resolve`, { decision: 'approve', note: 'oops' }),
      409,
    )
  })

  it('contributes a block to the shared negative list when the tenant contributes, and another member is blocked', async () => {
    const acmeAdmin = await staffClient(t, 'acme', 'admin', 'sharing-admin@acme.test')
    await json(
      acmeAdmin.request('PUT', '/admin/v1/sharing', { reads_shared: false, contributes_shared: true }),
      200,
    )
    await json(
      globexAdmin.request('PUT', '/admin/v1/sharing', { reads_shared: true, contributes_shared: false }),
      200,
    )
    try {
      const id = await reviewFor(11)
      await json(ana.request('POST', `/admin/v1/reviews/${id}/claim`, {}), 200)
      const result = await json<{ listed: number; contributed: number }>(
        ana.request('POST', `/admin/v1/reviews/${id}/resolve`, {
          decision: 'block',
          note: 'Chargeback ring',
        }),
        200,
      )
      expect(result.contributed).toBe(result.listed)
      const shared = await t.db
        .selectFrom('list_entries')
        .select(['subject', 'value', 'contributed_by', 'source'])
        .where('tenant_id', '=', 'shared')
        .where('list_id', '=', 'negative')
        .where('contributed_by', '=', 'acme')
        .execute()
      expect(shared).toContainEqual({
        subject: 'email',
        value: 'buyer11@example.com',
        contributed_by: 'acme',
        source: 'review',
      })
      // globex reads the shared lists: the same buyer is blocked there, at a small amount
      const elsewhere = await decide(customerPurchase(11, 1_000), t.otherKey)
      expect(elsewhere.outcome).toBe('block')
    } finally {
      await json(
        acmeAdmin.request('PUT', '/admin/v1/sharing', { reads_shared: false, contributes_shared: false }),
        200,
      )
      await json(
        globexAdmin.request('PUT', '/admin/v1/sharing', { reads_shared: false, contributes_shared: false }),
        200,
      )
    }
  })

  it('approves: the identifiers go on the positive list', async () => {
    const id = await reviewFor(6)
    await json(ben.request('POST', `/admin/v1/reviews/${id}/claim`, {}), 200)
    await json(
      ben.request('POST', `/admin/v1/reviews/${id}/resolve`, {
        decision: 'approve',
        note: 'Called back, all fine',
      }),
      200,
    )
    const entries = await listEntries('acme', 'positive')
    expect(entries.filter((e) => e.reason === 'Called back, all fine').map((e) => e.value)).toEqual(
      expect.arrayContaining(['buyer6@example.com', 'dev-6', '198.51.100.6']),
    )
    const merchantView = await json<{ resolution: { outcome: string } }>(t.get(`/v1/decisions/${id}`), 200)
    expect(merchantView.resolution.outcome).toBe('approve')
  })

  it('approves with a limit, and lets a publisher resolve what nobody claimed', async () => {
    const id = await reviewFor(7)
    await json(
      publisher.request('POST', `/admin/v1/reviews/${id}/resolve`, {
        decision: 'approve_with_limit',
        note: 'ok, smaller',
      }),
      422,
    )
    await json(
      publisher.request('POST', `/admin/v1/reviews/${id}/resolve`, {
        decision: 'approve_with_limit',
        note: 'Half now',
        limit: { max_amount: 30_000 },
      }),
      200,
    )
    const merchantView = await json<{ resolution: { outcome: string; limits: { max_amount: number } } }>(
      t.get(`/v1/decisions/${id}`),
      200,
    )
    expect(merchantView.resolution).toMatchObject({ outcome: 'approve', limits: { max_amount: 30_000 } })
  })

  it('makes an analyst claim before resolving', async () => {
    const id = await reviewFor(8)
    await json(
      ana.request('POST', `/admin/v1/reviews/${id}/resolve`, { decision: 'approve', note: 'fine' }),
      409,
    )
  })
})

describe('the resolution preview', () => {
  interface Listing {
    list: { id: string; name: string; kind: string }
    adds: { subject: string; value: string; label: string }[]
    already_listed: { subject: string; value: string; label: string }[]
    contributes_shared: boolean
  }
  interface Detail {
    review: { customer_id: string | null; merchant_customer_id: string | null }
    resolution_preview: { approve: Listing; block: Listing } | null
  }
  const pairs = (items: { subject: string; value: string }[]) =>
    items.map((i) => `${i.subject} ${i.value}`).sort()

  it('shows the merchant’s customer id beside Tollgate’s own, in the queue and on the review', async () => {
    const id = await reviewFor(21)
    const detail = await json<Detail>(ana.request('GET', `/admin/v1/reviews/${id}`), 200)
    expect(detail.review.merchant_customer_id).toBe('c-21')
    expect(detail.review.customer_id).toMatch(/^cus_/)
    const { reviews } = await json<{ reviews: { decision_id: string; merchant_customer_id: string }[] }>(
      ana.request('GET', '/admin/v1/reviews'),
      200,
    )
    expect(reviews.find((r) => r.decision_id === id)?.merchant_customer_id).toBe('c-21')
  })

  it('names, before resolving, exactly the identifiers a block then adds to the named list', async () => {
    const id = await reviewFor(22)
    await t.db
      .updateTable('lists')
      .set({ name: 'Blocked' })
      .where('tenant_id', '=', 'acme')
      .where('id', '=', 'negative')
      .execute()
    try {
      // one identifier is on the negative list already: the preview says it stays, and it is not added again
      await t.db
        .insertInto('list_entries')
        .values({
          tenant_id: 'acme',
          list_id: 'negative',
          id: 'ent_preview_22',
          subject: 'device',
          value: 'dev-22',
          reason: 'seen before',
          source: 'manual',
          added_by: null,
        })
        .execute()
      const before = await json<Detail>(ana.request('GET', `/admin/v1/reviews/${id}`), 200)
      const block = before.resolution_preview?.block
      expect(block?.list).toEqual({ id: 'negative', name: 'Blocked', kind: 'negative' })
      expect(block?.contributes_shared).toBe(false)
      expect(pairs(block?.already_listed ?? [])).toEqual(['device dev-22'])
      const labels = block?.adds.map((a) => a.label) ?? []
      expect(labels).toEqual(expect.arrayContaining(['buyer22@example.com', 'c-22', '198.51.100.22']))
      expect(labels.find((l) => l.includes('card'))).toBe(`Visa card ending ${cardNumber(22).slice(-4)}`)
      // the card is listed by its fingerprint, never its number
      expect(JSON.stringify(before)).not.toContain(cardNumber(22))
      // an approval would feed the positive list instead
      expect(before.resolution_preview?.approve.list).toEqual({
        id: 'positive',
        name: 'Positive',
        kind: 'positive',
      })
      expect(pairs(before.resolution_preview?.approve.adds ?? [])).toEqual(
        pairs([...(block?.adds ?? []), ...(block?.already_listed ?? [])]),
      )

      await json(ana.request('POST', `/admin/v1/reviews/${id}/claim`, {}), 200)
      const result = await json<{ listed: number }>(
        ana.request('POST', `/admin/v1/reviews/${id}/resolve`, { decision: 'block', note: 'Preview check' }),
        200,
      )
      expect(result.listed).toBe(block?.adds.length)
      const added = (await listEntries('acme', 'negative')).filter((e) => e.reason === 'Preview check')
      expect(pairs(added)).toEqual(pairs(block?.adds ?? []))

      const after = await json<Detail>(ana.request('GET', `/admin/v1/reviews/${id}`), 200)
      expect(after.resolution_preview).toBeNull()
    } finally {
      await t.db
        .updateTable('lists')
        .set({ name: 'Negative' })
        .where('tenant_id', '=', 'acme')
        .where('id', '=', 'negative')
        .execute()
    }
  })

  it('says the block also goes to the shared list when the tenant contributes', async () => {
    const acmeAdmin = await staffClient(t, 'acme', 'admin', 'preview-admin@acme.test')
    await json(
      acmeAdmin.request('PUT', '/admin/v1/sharing', { reads_shared: false, contributes_shared: true }),
      200,
    )
    try {
      const id = await reviewFor(23)
      const detail = await json<Detail>(ana.request('GET', `/admin/v1/reviews/${id}`), 200)
      expect(detail.resolution_preview?.block.contributes_shared).toBe(true)
      expect(detail.resolution_preview?.approve.contributes_shared).toBe(false)
    } finally {
      await json(
        acmeAdmin.request('PUT', '/admin/v1/sharing', { reads_shared: false, contributes_shared: false }),
        200,
      )
    }
  })

  it('is not shown to another tenant', async () => {
    const id = await reviewFor(24)
    await json(globexAnalyst.request('GET', `/admin/v1/reviews/${id}`), 404)
  })
})

describe('escalation', () => {
  it('escalates reviews left unclaimed past the tenant’s time limit, and records it', async () => {
    const id = await reviewFor(9)
    const createdAt = (
      await t.db
        .selectFrom('reviews')
        .select('created_at')
        .where('decision_id', '=', id)
        .executeTakeFirstOrThrow()
    ).created_at
    const minutes = (m: number) => new Date(createdAt.getTime() + m * 60_000)

    expect((await escalateOverdueReviews(t.db, minutes(14))).map((e) => e.decisionId)).not.toContain(id)
    const escalated = await escalateOverdueReviews(t.db, minutes(15))
    expect(escalated).toContainEqual({ tenantId: 'acme', decisionId: id })
    const row = await t.db
      .selectFrom('reviews')
      .select(['status', 'escalated_at'])
      .where('decision_id', '=', id)
      .executeTakeFirstOrThrow()
    expect(row.status).toBe('escalated')
    expect(row.escalated_at?.getTime()).toBe(minutes(15).getTime())
    const audit = await t.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id'])
      .where('entity_id', '=', id)
      .execute()
    expect(audit).toEqual([{ action: 'review.escalated', actor_id: null }])
    // an escalated review can still be claimed and worked
    await json(ana.request('POST', `/admin/v1/reviews/${id}/claim`, {}), 200)
  })

  it('follows a tenant’s own time limit', async () => {
    const admin = await staffClient(t, 'acme', 'admin')
    await json(ana.request('PUT', '/admin/v1/review-settings', { escalation_minutes: 5 }), 403)
    await json(admin.request('PUT', '/admin/v1/review-settings', { escalation_minutes: 5 }), 200)
    const id = await reviewFor(10)
    const globexId = (await decide(customerPurchase(10), t.otherKey)).id
    const createdAt = (
      await t.db
        .selectFrom('reviews')
        .select('created_at')
        .where('decision_id', '=', id)
        .executeTakeFirstOrThrow()
    ).created_at
    const escalated = await escalateOverdueReviews(t.db, new Date(createdAt.getTime() + 6 * 60_000))
    expect(escalated.map((e) => e.decisionId)).toContain(id)
    // globex keeps the default 15 minutes
    expect(escalated.map((e) => e.decisionId)).not.toContain(globexId)
    expect(await json(ana.request('GET', '/admin/v1/review-settings'), 200)).toEqual({
      escalation_minutes: 5,
    })
  })
})

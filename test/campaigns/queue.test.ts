// Call-out campaigns from start to finish against the database: the audience chosen from customer
// facts, suppression recorded per contact, calling windows on each customer's clock, pacing and
// concurrency across claimers, retries, lapsed claims, and two bridges never dialling one contact.
// Time is a clock the suite moves.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { jsonb } from '../../db/json.ts'
import { type CampaignInput, createCampaign, startCampaign } from '../../server/campaigns/campaigns.ts'
import { Campaigns } from '../../server/campaigns/service.ts'
import type { CallOutContact } from '../../server/campaigns/types.ts'
import { createLogger } from '../../server/logging.ts'
import { createTenant } from '../../server/tenants/tenants.ts'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'
import { always, seedCustomer, seedOffer } from './support.ts'

// Monday 7 December 2026, 15:00 UTC: 10:00 in New York, 07:00 in Los Angeles, Tuesday 00:00 in Tokyo
const MONDAY_3PM_UTC = new Date('2026-12-07T15:00:00Z')
const minutes = (n: number) => n * 60_000

let database: TestDatabase
let now: Date
let campaigns: Campaigns
const actor = { id: 'usr_test', email: 'editor@acme.test' }
const db = () => database.db

beforeAll(async () => {
  database = await createTestDatabase()
  await createTenant(db(), { tenantId: 'acme', name: 'Acme', timeZone: 'America/New_York' })
  await createTenant(db(), { tenantId: 'globex', name: 'Globex', timeZone: 'UTC' })
  for (const tenantId of ['acme', 'globex']) {
    await seedOffer(db(), tenantId, { id: 'off_reading' })
    await db()
      .insertInto('lists')
      .values({ tenant_id: tenantId, id: 'negative', name: 'Negative', kind: 'negative', description: '' })
      .execute()
    await db()
      .insertInto('lists')
      .values({ tenant_id: tenantId, id: 'vip', name: 'VIP', kind: 'positive', description: '' })
      .execute()
  }
})
afterAll(() => database.close())

beforeEach(async () => {
  now = new Date(MONDAY_3PM_UTC)
  campaigns = new Campaigns({
    db: db(),
    logger: createLogger('silent'),
    clock: () => now,
    claimLapseSeconds: 120,
  })
  // each test starts from no campaigns and no customers of its own
  for (const table of ['campaign_contacts', 'campaigns', 'do_not_call', 'offer_presentations'] as const)
    await db().deleteFrom(table).execute()
  await db().deleteFrom('usage_events').execute()
  await db().deleteFrom('decisions').execute()
  await db().deleteFrom('list_entries').execute()
  await db().deleteFrom('customer_identifiers').execute()
  await db().deleteFrom('customers').execute()
})

function input(overrides: Partial<CampaignInput> = {}): CampaignInput {
  return {
    name: 'Winter readings',
    offer_id: 'off_reading',
    channel: 'phone',
    audience: { all: [{ fact: 'has_phone', operator: 'equal', value: true }] },
    windows: always as CampaignInput['windows'],
    pacing: { per_minute: 100, max_concurrent: 100 },
    suppression: { negative_lists: 'all', recent_contact_days: 7, open_offer: true },
    retries: { max_attempts: 3, retry_minutes: 30 },
    email: null,
    ...overrides,
  }
}

async function started(overrides: Partial<CampaignInput> = {}, tenantId = 'acme') {
  const campaign = await createCampaign(db(), tenantId, actor, input(overrides))
  await startCampaign(db(), tenantId, campaign.id, actor, { now, canSend: () => null })
  return campaign
}

async function contactsOf(campaignId: string) {
  const rows = await db()
    .selectFrom('campaign_contacts')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .orderBy('customer_id')
    .execute()
  return new Map(rows.map((r) => [r.customer_id, r]))
}

async function customers(n: number, prefix = 'c', extra: { timeZone?: string } = {}) {
  for (let i = 0; i < n; i++)
    await seedCustomer(
      db(),
      'acme',
      { id: `${prefix}${i}`, phone: `+1555010${String(i).padStart(4, '0')}`, ...extra },
      now,
    )
}

describe('the audience', () => {
  it('is every customer its condition matches over their history, with their phone, name and zone', async () => {
    await seedCustomer(
      db(),
      'acme',
      {
        id: 'ann',
        phone: '+15555550100',
        name: 'Ann Lee',
        timeZone: 'America/Los_Angeles',
        purchases: [
          { amount: 2500, daysAgo: 3 },
          { amount: 1500, daysAgo: 10 },
        ],
      },
      now,
    )
    await seedCustomer(
      db(),
      'acme',
      { id: 'bo', phone: '+15555550101', purchases: [{ amount: 9000, daysAgo: 40 }] },
      now,
    )
    await seedCustomer(db(), 'acme', { id: 'cy', phone: '+15555550102' }, now)
    await seedCustomer(
      db(),
      'globex',
      {
        id: 'dee',
        phone: '+15555550103',
        purchases: [
          { amount: 1, daysAgo: 1 },
          { amount: 1, daysAgo: 1 },
        ],
      },
      now,
    )
    await db()
      .insertInto('list_entries')
      .values({
        tenant_id: 'acme',
        list_id: 'vip',
        id: 'le_1',
        subject: 'phone',
        value: '+15555550102',
        reason: 'vip',
        source: 'test',
        added_by: null,
      })
      .execute()

    const campaign = await started({
      audience: {
        any: [
          { fact: 'purchases_30d', operator: 'greaterThanInclusive', value: 2 },
          { fact: 'on_list', operator: 'equal', value: true, params: { list: 'vip' } },
        ],
      },
    })
    const contacts = await contactsOf(campaign.id)
    expect([...contacts.keys()]).toEqual(['ann', 'cy'])
    expect(contacts.get('ann')).toMatchObject({
      phone: '+15555550100',
      name: 'Ann Lee',
      time_zone: 'America/Los_Angeles',
      status: 'pending',
    })
    // no zone of their own: the workspace's
    expect(contacts.get('cy')?.time_zone).toBe('America/New_York')

    const spenders = await started({
      audience: { all: [{ fact: 'spend_total', operator: 'greaterThan', value: 5000 }] },
    })
    expect([...(await contactsOf(spenders.id)).keys()]).toEqual(['bo'])
  })
})

describe('suppression', () => {
  it('records each customer left out with why: negative list, do-not-call, recent contact, open offer, no phone', async () => {
    await seedCustomer(db(), 'acme', { id: 'a-clean', phone: '+15555550200' }, now)
    await seedCustomer(db(), 'acme', { id: 'b-negative', phone: '+15555550201' }, now)
    await seedCustomer(db(), 'acme', { id: 'c-dnc', phone: '+15555550202' }, now)
    await seedCustomer(db(), 'acme', { id: 'd-recent', phone: '+15555550203' }, now)
    await seedCustomer(db(), 'acme', { id: 'e-open-offer', phone: '+15555550204' }, now)
    await seedCustomer(db(), 'acme', { id: 'f-no-phone', email: 'f@example.com' }, now)
    await db()
      .insertInto('list_entries')
      .values({
        tenant_id: 'acme',
        list_id: 'negative',
        id: 'le_2',
        subject: 'customer',
        value: 'b-negative',
        reason: 'chargeback',
        source: 'test',
        added_by: null,
      })
      .execute()
    await db()
      .insertInto('do_not_call')
      .values({ tenant_id: 'acme', phone: '+15555550202', source: 'national' })
      .execute()
    // d was called by an earlier campaign two days ago
    const earlier = await createCampaign(db(), 'acme', actor, input({ name: 'Earlier' }))
    await db()
      .insertInto('campaign_contacts')
      .values({
        tenant_id: 'acme',
        id: 'cct_earlier',
        campaign_id: earlier.id,
        customer_id: 'd-recent',
        status: 'declined',
        last_attempt_at: new Date(now.getTime() - 2 * 86_400_000),
      })
      .execute()
    await db()
      .insertInto('offer_presentations')
      .values({
        tenant_id: 'acme',
        id: 'ofp_open',
        offer_id: 'off_reading',
        customer_id: 'e-open-offer',
        channel: 'web',
        status: 'presented',
        price: 1499,
        currency: 'USD',
        presented_at: now,
        expires_at: new Date(now.getTime() + minutes(15)),
      })
      .execute()

    const campaign = await started({
      audience: { all: [{ fact: 'days_since_last_seen', operator: 'lessThan', value: 1 }] },
    })
    const contacts = await contactsOf(campaign.id)
    const why = (id: string) => (contacts.get(id)?.result as { suppressed?: string } | undefined)?.suppressed
    expect(contacts.get('a-clean')?.status).toBe('pending')
    for (const [id, reason] of [
      ['b-negative', 'negative_list'],
      ['c-dnc', 'do_not_call'],
      ['d-recent', 'recent_contact'],
      ['e-open-offer', 'open_offer'],
      ['f-no-phone', 'no_phone'],
    ] as const) {
      expect(contacts.get(id)?.status, id).toBe('suppressed')
      expect(why(id), id).toBe(reason)
    }
    const claimed = await campaigns.claimDue('bridge-1', 10)
    expect(claimed.map((c) => c.customerId)).toEqual(['a-clean'])
  })

  it('suppresses a pending contact whose number asked, in another campaign, not to be called', async () => {
    await customers(2)
    const first = await started({ name: 'First', pacing: { per_minute: 100, max_concurrent: 1 } })
    const second = await started({ name: 'Second', pacing: { per_minute: 100, max_concurrent: 1 } })
    const [contact] = await campaigns.claimDue('bridge-1', 1)
    expect(contact?.campaignId).toBe(first.id)
    await campaigns.report(contact as CallOutContact, { status: 'do_not_call' })
    expect(
      await db()
        .selectFrom('do_not_call')
        .select(['phone', 'source'])
        .where('tenant_id', '=', 'acme')
        .execute(),
    ).toEqual([{ phone: contact?.phone, source: `campaign:${first.id}` }])
    expect((await contactsOf(first.id)).get(contact?.customerId ?? '')?.status).toBe('do_not_call')

    const next = await campaigns.claimDue('bridge-1', 10)
    expect(next.map((c) => c.phone)).not.toContain(contact?.phone)
    const inSecond = (await contactsOf(second.id)).get(contact?.customerId ?? '')
    expect(inSecond).toMatchObject({ status: 'suppressed', result: { suppressed: 'do_not_call' } })
  })
})

describe('calling windows', () => {
  it('calls each customer only inside the window on their own clock', async () => {
    await seedCustomer(db(), 'acme', { id: 'ny', phone: '+12125550100', timeZone: 'America/New_York' }, now)
    await seedCustomer(
      db(),
      'acme',
      { id: 'la', phone: '+13105550100', timeZone: 'America/Los_Angeles' },
      now,
    )
    await seedCustomer(db(), 'acme', { id: 'tokyo', phone: '+81355550100', timeZone: 'Asia/Tokyo' }, now)
    await started({ windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '20:00' }] })

    const claimAndAnswer = async () => {
      const claimed = await campaigns.claimDue('b', 10)
      for (const c of claimed)
        await campaigns.report(c, { status: 'declined', presentationId: null, decisionId: null })
      return claimed.map((c) => c.customerId)
    }
    // 10:00 Monday in New York, 07:00 in Los Angeles, 00:00 Tuesday in Tokyo
    expect(await claimAndAnswer()).toEqual(['ny'])
    // 17:30 UTC: 09:30 in Los Angeles
    now = new Date('2026-12-07T17:30:00Z')
    expect(await claimAndAnswer()).toEqual(['la'])
    // Tuesday 00:30 UTC: 09:30 Tuesday in Tokyo
    now = new Date('2026-12-08T00:30:00Z')
    expect(await claimAndAnswer()).toEqual(['tokyo'])
  })
})

describe('pacing', () => {
  it('begins at most per_minute calls in any minute', async () => {
    await customers(5)
    await started({ pacing: { per_minute: 2, max_concurrent: 10 } })
    expect(await campaigns.claimDue('b1', 10)).toHaveLength(2)
    now = new Date(now.getTime() + 30_000)
    expect(await campaigns.claimDue('b2', 10)).toHaveLength(0)
    now = new Date(now.getTime() + 31_000)
    expect(await campaigns.claimDue('b2', 10)).toHaveLength(2)
  })

  it('keeps at most max_concurrent calls at once until their results come in', async () => {
    await customers(3)
    await started({ pacing: { per_minute: 100, max_concurrent: 1 } })
    const [first] = await campaigns.claimDue('b1', 10)
    expect(first).toBeDefined()
    now = new Date(now.getTime() + minutes(1))
    expect(await campaigns.claimDue('b2', 10)).toHaveLength(0)
    await campaigns.report(first as CallOutContact, {
      status: 'declined',
      presentationId: null,
      decisionId: null,
    })
    expect(await campaigns.claimDue('b2', 10)).toHaveLength(1)
  })

  it('never lets two bridges claiming at once dial one contact, nor exceed the pacing together', async () => {
    await customers(40)
    await started({ pacing: { per_minute: 25, max_concurrent: 25 } })
    const claims = await Promise.all(['b1', 'b2', 'b3', 'b4'].map((bridge) => campaigns.claimDue(bridge, 10)))
    const ids = claims.flat().map((c) => c.contactId)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids.length).toBeLessThanOrEqual(25)
    expect(ids.length).toBeGreaterThan(0)
    const rows = await db()
      .selectFrom('campaign_contacts')
      .select(['claimed_by', 'attempts'])
      .where('status', '=', 'dialing')
      .execute()
    expect(rows).toHaveLength(ids.length)
    expect(rows.every((r) => r.attempts === 1)).toBe(true)
  })
})

describe('retries and results', () => {
  it('tries no-answer and busy again after retry_minutes, up to max_attempts, then closes the contact', async () => {
    await customers(1)
    const campaign = await started({ retries: { max_attempts: 2, retry_minutes: 30 } })
    const [first] = await campaigns.claimDue('b1', 1)
    expect(first?.attempt).toBe(1)
    await campaigns.report(first as CallOutContact, { status: 'no_answer' })
    now = new Date(now.getTime() + minutes(29))
    expect(await campaigns.claimDue('b1', 1)).toHaveLength(0)
    now = new Date(now.getTime() + minutes(1))
    const [second] = await campaigns.claimDue('b1', 1)
    expect(second?.attempt).toBe(2)
    await campaigns.report(second as CallOutContact, { status: 'busy', detail: 'USER_BUSY' })
    now = new Date(now.getTime() + minutes(60))
    expect(await campaigns.claimDue('b1', 1)).toHaveLength(0)
    const contact = (await contactsOf(campaign.id)).get('c0')
    expect(contact).toMatchObject({ status: 'busy', attempts: 2, next_attempt_at: null })
    expect(contact?.result).toMatchObject({
      final: true,
      attempts: [
        { attempt: 1, status: 'no_answer' },
        { attempt: 2, status: 'busy', detail: 'USER_BUSY' },
      ],
    })
    const row = await db()
      .selectFrom('campaigns')
      .select(['status', 'finished_at'])
      .where('id', '=', campaign.id)
      .executeTakeFirstOrThrow()
    expect(row.status).toBe('finished')
  })

  it('records an accepted offer with its order, and finishes the campaign when every contact is final', async () => {
    await customers(2)
    const campaign = await started()
    const [a, b] = await campaigns.claimDue('b1', 2)
    await campaigns.report(a as CallOutContact, {
      status: 'accepted',
      presentationId: 'ofp_1',
      orderId: 'ord_1',
      decisionId: 'dec_1',
    })
    let row = await db()
      .selectFrom('campaigns')
      .select('status')
      .where('id', '=', campaign.id)
      .executeTakeFirstOrThrow()
    expect(row.status).toBe('running')
    await campaigns.report(b as CallOutContact, { status: 'blocked', decisionId: 'dec_2', detail: 'block' })
    const contacts = await contactsOf(campaign.id)
    expect(contacts.get(a?.customerId ?? '')).toMatchObject({
      status: 'accepted',
      presentation_id: 'ofp_1',
      order_id: 'ord_1',
      decision_id: 'dec_1',
    })
    expect(contacts.get(b?.customerId ?? '')).toMatchObject({ status: 'blocked', decision_id: 'dec_2' })
    row = await db()
      .selectFrom('campaigns')
      .select('status')
      .where('id', '=', campaign.id)
      .executeTakeFirstOrThrow()
    expect(row.status).toBe('finished')
  })

  it('leaves a contact whose bridge died to be dialled again once the claim lapses, and ignores that bridge’s late retry', async () => {
    await customers(1)
    const campaign = await started()
    const [lost] = await campaigns.claimDue('dead-bridge', 1)
    now = new Date(now.getTime() + 119_000)
    expect(await campaigns.claimDue('b2', 1)).toHaveLength(0)
    now = new Date(now.getTime() + 2_000)
    const [again] = await campaigns.claimDue('b2', 1)
    expect(again?.contactId).toBe(lost?.contactId)
    expect(again?.attempt).toBe(1)
    // the dead bridge was only slow: its no-answer is stale and changes nothing
    await campaigns.report(lost as CallOutContact, { status: 'no_answer' })
    let contact = (await contactsOf(campaign.id)).get('c0')
    expect(contact).toMatchObject({ status: 'dialing', claimed_by: 'b2' })
    await campaigns.report(again as CallOutContact, {
      status: 'declined',
      presentationId: 'ofp_9',
      decisionId: null,
    })
    contact = (await contactsOf(campaign.id)).get('c0')
    expect(contact).toMatchObject({ status: 'declined', presentation_id: 'ofp_9', claimed_by: null })
  })

  it('claims no contact of a paused campaign, nor one of a campaign of another channel', async () => {
    await customers(1)
    const campaign = await started()
    await db().updateTable('campaigns').set({ status: 'paused' }).where('id', '=', campaign.id).execute()
    expect(await campaigns.claimDue('b1', 5)).toHaveLength(0)
    await db()
      .updateTable('campaigns')
      .set({ status: 'running', channel: 'email', email: jsonb(null) })
      .where('id', '=', campaign.id)
      .execute()
    expect(await campaigns.claimDue('b1', 5)).toHaveLength(0)
  })

  it('answers for another tenant’s contact with not found', async () => {
    await customers(1)
    await started()
    const [contact] = await campaigns.claimDue('b1', 1)
    await expect(
      campaigns.report({ ...(contact as CallOutContact), tenantId: 'globex' }, { status: 'no_answer' }),
    ).rejects.toMatchObject({ code: 'not_found' })
  })
})

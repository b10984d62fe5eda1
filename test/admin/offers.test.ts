// /admin/v1/offers: editors add, change, archive and restock offers and manage how each is
// presented; viewers read the catalog and its take rates; bad input names its field; stock never
// goes below what open offers reserve; every change is audited; another tenant's offers are never
// seen or touched; the demo catalog is seeded at first start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jsonb } from '../../db/json.ts'
import { campaignProblems } from '../../server/campaigns/campaigns.ts'
import { DEMO_CAMPAIGN_ID, demoCampaign } from '../../server/campaigns/demo.ts'
import { readOffer } from '../../server/offers/catalog.ts'
import { demoOffers } from '../../server/offers/demo.ts'
import { bootstrapIfEmpty } from '../../server/tenants/bootstrap.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { createTestDatabase } from '../support/db.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'

let t: TestApp
let editor: StaffClient
let viewer: StaffClient
let analyst: StaffClient
let globexEditor: StaffClient

beforeAll(async () => {
  t = await startTestApp()
  editor = await staffClient(t, 'acme', 'editor')
  viewer = await staffClient(t, 'acme', 'viewer')
  analyst = await staffClient(t, 'acme', 'analyst')
  globexEditor = await staffClient(t, 'globex', 'editor')
})
afterAll(() => t.close())

async function json<T = Record<string, unknown>>(
  res: Response | Promise<Response>,
  status: number,
): Promise<T> {
  const r = await res
  const text = await r.text()
  expect(r.status, text).toBe(status)
  if (status >= 400) expect(r.headers.get('content-type')).toBe('application/problem+json')
  return (text ? JSON.parse(text) : null) as T
}

interface Treatment {
  id: string
  name: string
  channel: string
  segment: string
  style: string
  pace: string
  language: string
  prompt: string | null
  script: string | null
  text: string | null
  image_url: string | null
}

interface Offer {
  id: string
  sku: string
  name: string
  price: number
  currency: string
  value: number | null
  tags: string[]
  channels: string[]
  stock_mode: string
  stock_on_hand: number
  stock_reserved: number
  stock_available: number | null
  max_offers_per_customer: number | null
  window_days: number | null
  decline_cooldown_days: number | null
  reservation_seconds: number
  status: string
  treatments: Treatment[]
}

interface Problem {
  status: number
  detail: string
  errors?: { field: string; pointer: string; message: string }[]
}

let seq = 0
const giftCard = (overrides: Record<string, unknown> = {}) => ({
  sku: `gift-${++seq}`,
  name: 'Gift card',
  price: 2500,
  currency: 'USD',
  channels: ['web', 'phone'],
  tags: ['gift'],
  stock_on_hand: 10,
  ...overrides,
})

const create = (body: Record<string, unknown>, client = editor) =>
  json<Offer>(client.request('POST', '/admin/v1/offers', body), 201)

async function auditOf(offerId: string) {
  return t.db
    .selectFrom('audit_log')
    .select(['action', 'actor_email', 'before', 'after'])
    .where('tenant_id', '=', 'acme')
    .where('entity_type', '=', 'offer')
    .where('entity_id', '=', offerId)
    .orderBy('id')
    .execute()
}

describe('creating and reading', () => {
  it('adds an offer with stock and a contact policy, and reads it back', async () => {
    const offer = await create(
      giftCard({
        sku: 'gift-card-25',
        value: 500,
        max_offers_per_customer: 2,
        window_days: 7,
        decline_cooldown_days: 3,
      }),
    )
    expect(offer).toMatchObject({
      sku: 'gift-card-25',
      price: 2500,
      value: 500,
      stock_mode: 'tracked',
      stock_on_hand: 10,
      stock_reserved: 0,
      stock_available: 10,
      max_offers_per_customer: 2,
      window_days: 7,
      decline_cooldown_days: 3,
      reservation_seconds: 900,
      status: 'active',
      treatments: [],
    })
    expect(offer.id).toMatch(/^off_/)
    const read = await json<Offer>(viewer.request('GET', `/admin/v1/offers/${offer.id}`), 200)
    expect(read).toEqual(offer)
  })

  it('keeps unlimited offers without a count', async () => {
    const offer = await create(giftCard({ stock_mode: 'unlimited', stock_on_hand: undefined, price: 0 }))
    expect(offer).toMatchObject({
      stock_mode: 'unlimited',
      stock_on_hand: 0,
      stock_available: null,
      price: 0,
    })
  })

  it('refuses a SKU already in the catalog', async () => {
    const problem = await json<Problem>(
      editor.request('POST', '/admin/v1/offers', giftCard({ sku: 'gift-card-25' })),
      409,
    )
    expect(problem.detail).toContain('gift-card-25')
  })

  it('lists by SKU a page at a time, and filters by status, tag, channel and text', async () => {
    for (const sku of ['page-a', 'page-b', 'page-c'])
      await create(giftCard({ sku, tags: ['paging'], channels: ['email'] }))
    const first = await json<{ offers: Offer[]; next_cursor: string | null }>(
      viewer.request('GET', '/admin/v1/offers?tag=paging&limit=2'),
      200,
    )
    expect(first.offers.map((o) => o.sku)).toEqual(['page-a', 'page-b'])
    expect(first.next_cursor).not.toBeNull()
    const second = await json<{ offers: Offer[]; next_cursor: string | null }>(
      viewer.request('GET', `/admin/v1/offers?tag=paging&limit=2&cursor=${first.next_cursor}`),
      200,
    )
    expect(second).toMatchObject({ offers: [{ sku: 'page-c' }], next_cursor: null })
    const byChannel = await json<{ offers: Offer[] }>(
      viewer.request('GET', '/admin/v1/offers?channel=email'),
      200,
    )
    expect(byChannel.offers.map((o) => o.sku)).toEqual(['page-a', 'page-b', 'page-c'])
    const byText = await json<{ offers: Offer[] }>(viewer.request('GET', '/admin/v1/offers?q=PAGE-B'), 200)
    expect(byText.offers.map((o) => o.sku)).toEqual(['page-b'])
  })
})

describe('bad input names the field', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['an unknown currency', giftCard({ currency: 'XYZ' }), 'currency'],
    ['a currency in lower case', giftCard({ currency: 'usd' }), 'currency'],
    ['a negative price', giftCard({ price: -1 }), 'price'],
    ['a fractional price', giftCard({ price: 24.99 }), 'price'],
    ['a SKU with spaces', giftCard({ sku: 'gift card' }), 'sku'],
    ['no channel', giftCard({ channels: [] }), 'channels'],
    ['an unknown channel', giftCard({ channels: ['fax'] }), 'channels.0'],
    ['a channel twice', giftCard({ channels: ['web', 'web'] }), 'channels.1'],
    ['a tag in capitals', giftCard({ tags: ['Gift'] }), 'tags.0'],
    ['a tag twice', giftCard({ tags: ['gift', 'gift'] }), 'tags.1'],
    ['an unknown stock mode', giftCard({ stock_mode: 'guess' }), 'stock_mode'],
    [
      'stock for an unlimited offer',
      giftCard({ stock_mode: 'unlimited', stock_on_hand: 3 }),
      'stock_on_hand',
    ],
    ['negative stock', giftCard({ stock_on_hand: -1 }), 'stock_on_hand'],
    ['a most-per-customer without a window', giftCard({ max_offers_per_customer: 2 }), 'window_days'],
    ['a window without a most-per-customer', giftCard({ window_days: 7 }), 'max_offers_per_customer'],
    ['a cooldown of 0 days', giftCard({ decline_cooldown_days: 0 }), 'decline_cooldown_days'],
    ['a reservation of 5 seconds', giftCard({ reservation_seconds: 5 }), 'reservation_seconds'],
    ['an empty name', giftCard({ name: '   ' }), 'name'],
    ['an unknown property', giftCard({ colour: 'gold' }), 'colour'],
  ]
  it.each(cases)('%s', async (_what, body, field) => {
    const problem = await json<Problem>(editor.request('POST', '/admin/v1/offers', body), 422)
    expect(problem.errors?.map((e) => e.field)).toContain(field)
  })

  it('writes nothing when refused', async () => {
    await json(editor.request('POST', '/admin/v1/offers', giftCard({ sku: 'never', currency: 'XYZ' })), 422)
    const row = await t.db.selectFrom('offers').select('id').where('sku', '=', 'never').executeTakeFirst()
    expect(row).toBeUndefined()
  })
})

describe('the audit log', () => {
  it('names the offer by its name and SKU for the reader', async () => {
    const admin = await staffClient(t, 'acme', 'admin')
    const offer = await create(giftCard({ name: 'Audited card' }))
    await json(
      editor.request('POST', `/admin/v1/offers/${offer.id}/stock`, { adjust_by: 2, reason: 'Found two' }),
      200,
    )
    const log = await json<{ entries: { action: string; entity_label: string | null; actor: unknown }[] }>(
      admin.request('GET', `/admin/v1/audit?entity_type=offer&entity_id=${offer.id}`),
      200,
    )
    expect(log.entries.map((e) => [e.action, e.entity_label])).toEqual([
      ['offer.stock_changed', `Audited card (${offer.sku})`],
      ['offer.created', `Audited card (${offer.sku})`],
    ])
  })
})

describe('changing and archiving', () => {
  it('changes only the fields given, never the SKU, and clears a contact policy', async () => {
    const offer = await create(giftCard({ max_offers_per_customer: 1, window_days: 30 }))
    const changed = await json<Offer>(
      editor.request('PATCH', `/admin/v1/offers/${offer.id}`, {
        price: 1999,
        max_offers_per_customer: null,
        window_days: null,
      }),
      200,
    )
    expect(changed).toMatchObject({
      price: 1999,
      name: 'Gift card',
      max_offers_per_customer: null,
      window_days: null,
    })
    const sku = await json<Problem>(
      editor.request('PATCH', `/admin/v1/offers/${offer.id}`, { sku: 'renamed' }),
      422,
    )
    expect(sku.errors?.map((e) => e.field)).toEqual(['sku'])
    const half = await json<Problem>(
      editor.request('PATCH', `/admin/v1/offers/${offer.id}`, { max_offers_per_customer: 3 }),
      422,
    )
    expect(half.errors?.map((e) => e.field)).toEqual(['window_days'])
  })

  it('archives an offer: gone from the active list, back with status active', async () => {
    const offer = await create(giftCard())
    const archived = await json<Offer>(editor.request('POST', `/admin/v1/offers/${offer.id}/archive`), 200)
    expect(archived.status).toBe('archived')
    const active = await json<{ offers: Offer[] }>(viewer.request('GET', '/admin/v1/offers?limit=200'), 200)
    expect(active.offers.map((o) => o.id)).not.toContain(offer.id)
    const all = await json<{ offers: Offer[] }>(
      viewer.request('GET', '/admin/v1/offers?status=archived'),
      200,
    )
    expect(all.offers.map((o) => o.id)).toContain(offer.id)
    const back = await json<Offer>(
      editor.request('PATCH', `/admin/v1/offers/${offer.id}`, { status: 'active' }),
      200,
    )
    expect(back.status).toBe('active')
    expect((await auditOf(offer.id)).map((a) => a.action)).toEqual([
      'offer.created',
      'offer.archived',
      'offer.restored',
    ])
  })

  it('will not change how stock is kept while open offers hold some', async () => {
    const offer = await create(giftCard())
    await t.db.updateTable('offers').set({ stock_reserved: 2 }).where('id', '=', offer.id).execute()
    const problem = await json<Problem>(
      editor.request('PATCH', `/admin/v1/offers/${offer.id}`, { stock_mode: 'unlimited' }),
      409,
    )
    expect(problem.detail).toContain('2 units')
  })
})

describe('stock', () => {
  it('sets and adjusts tracked stock with a reason, audited, and shows what is available', async () => {
    const offer = await create(giftCard({ stock_on_hand: 5 }))
    const received = await json<Offer>(
      editor.request('POST', `/admin/v1/offers/${offer.id}/stock`, {
        adjust_by: 20,
        reason: 'Delivery 4711',
      }),
      200,
    )
    expect(received).toMatchObject({ stock_on_hand: 25, stock_reserved: 0, stock_available: 25 })
    await t.db.updateTable('offers').set({ stock_reserved: 3 }).where('id', '=', offer.id).execute()
    const counted = await json<Offer>(
      editor.request('POST', `/admin/v1/offers/${offer.id}/stock`, { set_to: 12, reason: 'Stock take' }),
      200,
    )
    expect(counted).toMatchObject({ stock_on_hand: 12, stock_reserved: 3, stock_available: 9 })
    const history = await json<{ movements: Record<string, unknown>[] }>(
      viewer.request('GET', `/admin/v1/offers/${offer.id}/stock`),
      200,
    )
    expect(history.movements).toEqual([
      expect.objectContaining({
        on_hand_before: 25,
        on_hand_after: 12,
        reserved: 3,
        reason: 'Stock take',
        by: 'editor person',
      }),
      expect.objectContaining({
        on_hand_before: 5,
        on_hand_after: 25,
        reserved: 0,
        reason: 'Delivery 4711',
        by: 'editor person',
      }),
    ])
    await json(globexEditor.request('GET', `/admin/v1/offers/${offer.id}/stock`), 404)
    const audit = (await auditOf(offer.id)).filter((a) => a.action === 'offer.stock_changed')
    expect(audit).toEqual([
      expect.objectContaining({
        actor_email: editor.email,
        before: { stock_on_hand: 5, stock_reserved: 0 },
        after: { stock_on_hand: 25, stock_reserved: 0, reason: 'Delivery 4711' },
      }),
      expect.objectContaining({
        before: { stock_on_hand: 25, stock_reserved: 3 },
        after: { stock_on_hand: 12, stock_reserved: 3, reason: 'Stock take' },
      }),
    ])
  })

  it('never takes stock below what open offers reserve', async () => {
    const offer = await create(giftCard({ stock_on_hand: 4 }))
    await t.db.updateTable('offers').set({ stock_reserved: 3 }).where('id', '=', offer.id).execute()
    const set = await json<Problem>(
      editor.request('POST', `/admin/v1/offers/${offer.id}/stock`, { set_to: 2, reason: 'Broken' }),
      422,
    )
    expect(set.errors).toEqual([
      expect.objectContaining({ field: 'set_to', message: expect.stringContaining('3 held') }),
    ])
    const adjust = await json<Problem>(
      editor.request('POST', `/admin/v1/offers/${offer.id}/stock`, { adjust_by: -2, reason: 'Broken' }),
      422,
    )
    expect(adjust.errors?.map((e) => e.field)).toEqual(['adjust_by'])
    const writtenOff = await json<Offer>(
      editor.request('POST', `/admin/v1/offers/${offer.id}/stock`, { adjust_by: -1, reason: 'Broken' }),
      200,
    )
    expect(writtenOff).toMatchObject({ stock_on_hand: 3, stock_available: 0 })
    expect((await readOffer(t.db, 'acme', offer.id))?.stock_on_hand).toBe(3)
  })

  it('names the field for a missing reason, both or neither count, and refuses untracked stock', async () => {
    const offer = await create(giftCard())
    const path = `/admin/v1/offers/${offer.id}/stock`
    const noReason = await json<Problem>(editor.request('POST', path, { adjust_by: 1 }), 422)
    expect(noReason.errors?.map((e) => e.field)).toEqual(['reason'])
    const both = await json<Problem>(
      editor.request('POST', path, { adjust_by: 1, set_to: 3, reason: 'x' }),
      422,
    )
    expect(both.errors?.map((e) => e.field)).toEqual(['set_to'])
    const zero = await json<Problem>(editor.request('POST', path, { adjust_by: 0, reason: 'x' }), 422)
    expect(zero.errors?.map((e) => e.field)).toEqual(['adjust_by'])
    const unlimited = await create(giftCard({ stock_mode: 'unlimited', stock_on_hand: undefined }))
    await json(
      editor.request('POST', `/admin/v1/offers/${unlimited.id}/stock`, { set_to: 3, reason: 'x' }),
      409,
    )
  })
})

describe('treatments', () => {
  it('adds phone and web treatments by segment, changes and removes them, audited', async () => {
    const offer = await create(giftCard())
    const base = `/admin/v1/offers/${offer.id}/treatments`
    const phone = await json<Treatment>(
      editor.request('POST', base, {
        name: 'Phone, seniors',
        channel: 'phone',
        segment: 'senior',
        style: 'detailed',
        pace: 'slow',
        prompt: 'tone_stream://%(200,100,660,880)',
        script: 'Would you like a gift card? Press 1.',
      }),
      201,
    )
    expect(phone).toMatchObject({
      channel: 'phone',
      segment: 'senior',
      style: 'detailed',
      pace: 'slow',
      language: 'en',
    })
    const web = await json<Treatment>(
      editor.request('POST', base, {
        name: 'Web, everyone',
        channel: 'web',
        text: 'A gift card for a reading.',
        image_url: 'https://images.example.com/gift.png',
      }),
      201,
    )
    expect(web).toMatchObject({ segment: '*', style: 'concise', pace: 'normal', prompt: null })
    const read = await json<Offer>(viewer.request('GET', `/admin/v1/offers/${offer.id}`), 200)
    expect(read.treatments.map((tr) => tr.name)).toEqual(['Phone, seniors', 'Web, everyone'])

    const changed = await json<Treatment>(
      editor.request('PATCH', `${base}/${web.id}`, { segment: 'young_adult', text: 'Gift a reading.' }),
      200,
    )
    expect(changed).toMatchObject({ segment: 'young_adult', text: 'Gift a reading.', name: 'Web, everyone' })
    const gone = await editor.request('DELETE', `${base}/${phone.id}`)
    expect(gone.status).toBe(204)
    const after = await json<Offer>(viewer.request('GET', `/admin/v1/offers/${offer.id}`), 200)
    expect(after.treatments.map((tr) => tr.id)).toEqual([web.id])
    expect((await auditOf(offer.id)).map((a) => a.action)).toEqual([
      'offer.created',
      'offer.treatment_added',
      'offer.treatment_added',
      'offer.treatment_changed',
      'offer.treatment_removed',
    ])
  })

  const treatmentCases: [string, Record<string, unknown>, string][] = [
    ['a phone treatment with nothing to play or read', { name: 'x', channel: 'phone' }, 'prompt'],
    ['a phone treatment with web text', { name: 'x', channel: 'phone', script: 'Hi', text: 'Hi' }, 'text'],
    ['a web treatment without text', { name: 'x', channel: 'web' }, 'text'],
    ['a web treatment with a script', { name: 'x', channel: 'web', text: 'Hi', script: 'Hi' }, 'script'],
    [
      'an image that is not a web address',
      { name: 'x', channel: 'web', text: 'Hi', image_url: 'javascript:alert(1)' },
      'image_url',
    ],
    ['an unknown channel', { name: 'x', channel: 'fax', text: 'Hi' }, 'channel'],
    ['a segment with spaces', { name: 'x', channel: 'web', text: 'Hi', segment: 'old people' }, 'segment'],
    ['an unknown pace', { name: 'x', channel: 'web', text: 'Hi', pace: 'glacial' }, 'pace'],
    [
      'a language that is not a tag',
      { name: 'x', channel: 'web', text: 'Hi', language: 'English' },
      'language',
    ],
    ['a prompt with spaces', { name: 'x', channel: 'phone', prompt: '/sounds/my offer.wav' }, 'prompt'],
  ]
  it.each(treatmentCases)('names the field for %s', async (_what, body, field) => {
    const offer = await create(giftCard())
    const problem = await json<Problem>(
      editor.request('POST', `/admin/v1/offers/${offer.id}/treatments`, body),
      422,
    )
    expect(problem.errors?.map((e) => e.field)).toContain(field)
  })

  it('keeps one treatment per channel, segment and language', async () => {
    const offer = await create(giftCard())
    const base = `/admin/v1/offers/${offer.id}/treatments`
    await json(editor.request('POST', base, { name: 'A', channel: 'web', text: 'Hi' }), 201)
    await json(editor.request('POST', base, { name: 'B', channel: 'web', text: 'Hola', language: 'es' }), 201)
    const twin = await json<Problem>(
      editor.request('POST', base, { name: 'C', channel: 'web', text: 'Hey' }),
      409,
    )
    expect(twin.detail).toContain('"A"')
  })
})

describe('take rates', () => {
  async function presentations(
    offerId: string,
    rows: { segment: string; channel: string; status: string; day: string; amount?: number }[],
  ) {
    let n = 0
    for (const r of rows) {
      const id = `pre_${offerId}_${++n}`
      await t.db
        .insertInto('offer_presentations')
        .values({
          tenant_id: 'acme',
          id,
          offer_id: offerId,
          channel: r.channel,
          segment: r.segment,
          status: r.status,
          price: 2500,
          currency: 'USD',
          why: jsonb({}),
          presented_at: new Date(`${r.day}T12:00:00Z`),
        })
        .execute()
      if (r.status === 'accepted')
        await t.db
          .insertInto('offer_orders')
          .values({
            tenant_id: 'acme',
            id: `ord_${id}`,
            presentation_id: id,
            offer_id: offerId,
            amount: r.amount ?? 2500,
            currency: 'USD',
            channel: r.channel,
          })
          .execute()
    }
  }

  it('sums all-time counters by offer, segment and channel with the revenue of orders', async () => {
    const offer = await create(giftCard({ sku: 'stats-all-time' }))
    await t.db
      .insertInto('offer_stats')
      .values([
        {
          tenant_id: 'acme',
          offer_id: offer.id,
          segment: 'senior',
          channel: 'phone',
          presented: 10,
          accepted: 4,
          declined: 5,
          expired: 1,
          control: 2,
        },
        {
          tenant_id: 'acme',
          offer_id: offer.id,
          segment: '*',
          channel: 'web',
          presented: 30,
          accepted: 3,
          declined: 20,
          expired: 7,
          control: 3,
        },
      ])
      .execute()
    await presentations(offer.id, [
      { segment: 'senior', channel: 'phone', status: 'accepted', day: '2026-12-01', amount: 2500 },
      { segment: 'senior', channel: 'phone', status: 'accepted', day: '2026-12-02', amount: 2000 },
    ])
    const stats = await json<{
      source: string
      rows: { segment: string; channel: string; take_rate: number | null; revenue: { amount: number }[] }[]
      by_offer: {
        key: string
        label: string
        presented: number
        accepted: number
        take_rate: number
        revenue: { currency: string; amount: number }[]
      }[]
      by_segment: { key: string; take_rate: number }[]
      by_channel: { key: string; presented: number }[]
    }>(viewer.request('GET', `/admin/v1/offers/stats?offer_id=${offer.id}`), 200)
    expect(stats.source).toBe('counters')
    expect(stats.by_offer).toEqual([
      expect.objectContaining({
        key: offer.id,
        label: 'Gift card',
        presented: 40,
        accepted: 7,
        take_rate: 7 / 40,
        revenue: [{ currency: 'USD', amount: 4500 }],
      }),
    ])
    expect(stats.by_segment.map((s) => [s.key, s.take_rate])).toEqual([
      ['*', 0.1],
      ['senior', 0.4],
    ])
    expect(stats.by_channel.map((c) => [c.key, c.presented])).toEqual([
      ['web', 30],
      ['phone', 10],
    ])
  })

  it('counts the offers made in a date range, in the tenant’s days', async () => {
    const offer = await create(giftCard({ sku: 'stats-range' }))
    await presentations(offer.id, [
      { segment: 'young_adult', channel: 'web', status: 'accepted', day: '2026-11-30' },
      { segment: 'young_adult', channel: 'web', status: 'declined', day: '2026-12-01' },
      { segment: 'young_adult', channel: 'web', status: 'accepted', day: '2026-12-02', amount: 1000 },
      { segment: 'young_adult', channel: 'web', status: 'control', day: '2026-12-02' },
      { segment: 'young_adult', channel: 'web', status: 'presented', day: '2026-12-03' },
    ])
    const stats = await json<{ source: string; rows: Record<string, unknown>[] }>(
      viewer.request('GET', `/admin/v1/offers/stats?offer_id=${offer.id}&from=2026-12-01&to=2026-12-02`),
      200,
    )
    expect(stats.source).toBe('presentations')
    expect(stats.rows).toEqual([
      expect.objectContaining({
        sku: 'stats-range',
        segment: 'young_adult',
        channel: 'web',
        presented: 2,
        accepted: 1,
        declined: 1,
        control: 1,
        take_rate: 0.5,
        revenue: [{ currency: 'USD', amount: 1000 }],
      }),
    ])
  })

  it('names the field for a half range or one that ends before it starts', async () => {
    const half = await json<Problem>(viewer.request('GET', '/admin/v1/offers/stats?from=2026-12-01'), 422)
    expect(half.errors?.map((e) => e.field)).toEqual(['to'])
    const backwards = await json<Problem>(
      viewer.request('GET', '/admin/v1/offers/stats?from=2026-12-02&to=2026-12-01'),
      422,
    )
    expect(backwards.errors?.map((e) => e.field)).toEqual(['to'])
    const notADate = await json<Problem>(
      viewer.request('GET', '/admin/v1/offers/stats?from=yesterday&to=2026-12-01'),
      422,
    )
    expect(notADate.errors?.map((e) => e.field)).toEqual(['from'])
  })
})

describe('security', () => {
  it('lets viewers and analysts read but not write', async () => {
    const offer = await create(giftCard())
    for (const client of [viewer, analyst]) {
      await json(client.request('GET', `/admin/v1/offers/${offer.id}`), 200)
      await json(client.request('GET', '/admin/v1/offers/stats'), 200)
      const writes: [string, string, unknown][] = [
        ['POST', '/admin/v1/offers', giftCard()],
        ['PATCH', `/admin/v1/offers/${offer.id}`, { price: 1 }],
        ['POST', `/admin/v1/offers/${offer.id}/archive`, {}],
        ['POST', `/admin/v1/offers/${offer.id}/stock`, { set_to: 0, reason: 'x' }],
        ['POST', `/admin/v1/offers/${offer.id}/treatments`, { name: 'x', channel: 'web', text: 'Hi' }],
      ]
      for (const [method, path, body] of writes) {
        const problem = await json<{ type: string }>(client.request(method, path, body), 403)
        expect(problem.type).toBe('urn:tollgate:problem:forbidden')
      }
    }
    expect(await readOffer(t.db, 'acme', offer.id)).toMatchObject({
      price: 2500,
      status: 'active',
      stock_on_hand: 10,
    })
  })

  it('never shows or changes another tenant’s offers', async () => {
    const offer = await create(giftCard())
    const treatment = await json<Treatment>(
      editor.request('POST', `/admin/v1/offers/${offer.id}/treatments`, {
        name: 'x',
        channel: 'web',
        text: 'Hi',
      }),
      201,
    )
    const attempts: [string, string, unknown?][] = [
      ['GET', `/admin/v1/offers/${offer.id}`],
      ['PATCH', `/admin/v1/offers/${offer.id}`, { price: 1 }],
      ['POST', `/admin/v1/offers/${offer.id}/archive`, {}],
      ['POST', `/admin/v1/offers/${offer.id}/stock`, { set_to: 0, reason: 'x' }],
      ['POST', `/admin/v1/offers/${offer.id}/treatments`, { name: 'y', channel: 'web', text: 'Hi' }],
      ['PATCH', `/admin/v1/offers/${offer.id}/treatments/${treatment.id}`, { text: 'Mine' }],
      ['DELETE', `/admin/v1/offers/${offer.id}/treatments/${treatment.id}`],
    ]
    for (const [method, path, body] of attempts) await json(globexEditor.request(method, path, body), 404)
    const list = await json<{ offers: Offer[] }>(
      globexEditor.request('GET', '/admin/v1/offers?status=all&limit=200'),
      200,
    )
    expect(list.offers).toEqual([])
    const stats = await json<{ rows: unknown[] }>(
      globexEditor.request('GET', `/admin/v1/offers/stats?offer_id=${offer.id}`),
      200,
    )
    expect(stats.rows).toEqual([])
    const kept = await json<Offer>(editor.request('GET', `/admin/v1/offers/${offer.id}`), 200)
    expect(kept).toMatchObject({ price: 2500, status: 'active', stock_on_hand: 10 })
    expect(kept.treatments).toEqual([expect.objectContaining({ text: 'Hi' })])
  })

  it('asks for a session and the CSRF token', async () => {
    const anonymous = await t.app.request('/admin/v1/offers')
    expect(anonymous.status).toBe(401)
    await json(editor.request('POST', '/admin/v1/offers', giftCard(), { csrf: null }), 403)
  })
})

describe('the demo catalog', () => {
  // a fresh database migrated and bootstrapped (a password hash, every demo seed): slow on a busy machine
  it('is seeded at first start with stock and treatments for the demo’s segments', {
    timeout: 120_000,
  }, async () => {
    const database = await createTestDatabase()
    try {
      await bootstrapIfEmpty(database.db, { adminEmail: 'admin@example.com', adminPassword: 'x'.repeat(20) })
      const offers = await database.db
        .selectFrom('offers')
        .selectAll()
        .where('tenant_id', '=', 'demo')
        .orderBy('sku')
        .execute()
      expect(offers.map((o) => o.sku)).toEqual([
        'gift-card-25',
        'premium-membership',
        'reading-ext-15',
        'tarot-deck',
      ])
      expect(offers.find((o) => o.sku === 'tarot-deck')).toMatchObject({
        stock_mode: 'tracked',
        stock_on_hand: 5,
      })
      const treatments = await database.db
        .selectFrom('offer_treatments')
        .selectAll()
        .where('tenant_id', '=', 'demo')
        .execute()
      expect(treatments).toHaveLength(demoOffers.flatMap((o) => o.treatments).length)
      expect(new Set(treatments.map((tr) => tr.segment))).toEqual(new Set(['*', 'senior', 'young_adult']))
      // every offer can be presented on the phone and, when sold on the web, there too
      for (const offer of offers) {
        const its = treatments.filter((tr) => tr.offer_id === offer.id)
        expect(
          its.some((tr) => tr.channel === 'phone' && tr.segment === '*'),
          offer.sku,
        ).toBe(true)
        if (offer.channels.includes('web'))
          expect(
            its.some((tr) => tr.channel === 'web' && tr.segment === '*'),
            offer.sku,
          ).toBe(true)
      }

      // a newcomer finds one campaign in the console: a draft calling recent buyers with the
      // 15-minute extension, on weekdays 09:00–20:00, that the create route would accept as it is
      const campaigns = await database.db
        .selectFrom('campaigns')
        .selectAll()
        .where('tenant_id', '=', 'demo')
        .execute()
      expect(campaigns).toHaveLength(1)
      const [campaign] = campaigns
      expect(campaign).toMatchObject({ id: DEMO_CAMPAIGN_ID, status: 'draft', channel: 'phone' })
      expect(offers.find((o) => o.id === campaign?.offer_id)?.sku).toBe('reading-ext-15')
      expect(campaign?.windows).toEqual([
        { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '20:00' },
      ])
      expect(campaign?.started_at).toBeNull()
      expect(await campaignProblems(database.db, 'demo', demoCampaign)).toEqual([])
      // a draft has no contacts: nothing is dialled until a person starts it
      const contacts = await database.db
        .selectFrom('campaign_contacts')
        .select('customer_id')
        .where('tenant_id', '=', 'demo')
        .execute()
      expect(contacts).toEqual([])
    } finally {
      await database.close()
    }
  })
})

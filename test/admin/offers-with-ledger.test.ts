// The catalog with the offers' ledger at work: staff see the stock open offers hold, cannot count
// stock below it while offers are out, and the take rates read what the ledger recorded — the
// all-time counters and the offers made in a date range agree, with the revenue captured.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { reserveRequest, seedCustomer } from '../offers/support.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'

let t: TestApp
let editor: StaffClient
let clock = new Date('2026-12-07T12:00:00Z')

beforeAll(async () => {
  t = await startTestApp({ clock: () => clock })
  editor = await staffClient(t, 'acme', 'editor')
})
afterAll(() => t.close())

async function body<T>(res: Promise<Response>, status: number): Promise<T> {
  const r = await res
  const text = await r.text()
  expect(r.status, text).toBe(status)
  return JSON.parse(text) as T
}

interface Offer {
  id: string
  stock_on_hand: number
  stock_reserved: number
  stock_available: number | null
}

interface Group {
  key: string
  presented: number
  accepted: number
  declined: number
  take_rate: number | null
  revenue: { currency: string; amount: number }[]
}

async function offerMade(offerId: string, segment: string, channel: 'web' | 'phone') {
  const customer = await seedCustomer(t.db, 'acme')
  const outcome = await t.services.offers.reserve(
    reserveRequest('acme', offerId, customer, clock, { segment, channel }),
  )
  if (!outcome.made) throw new Error(`${outcome.reason}: ${outcome.message}`)
  return outcome.offer
}

describe('the catalog and the ledger', () => {
  it('shows reserved stock, refuses a count below it, and reads take rates from the offers made', async () => {
    const offer = await body<Offer>(
      editor.request('POST', '/admin/v1/offers', {
        sku: 'pendant',
        name: 'Crystal pendant',
        price: 2450,
        currency: 'USD',
        channels: ['web', 'phone'],
        stock_on_hand: 3,
      }),
      201,
    )
    const first = await offerMade(offer.id, 'senior', 'phone')
    const second = await offerMade(offer.id, 'senior', 'phone')
    await offerMade(offer.id, '*', 'web') // left open

    const held = await body<Offer>(editor.request('GET', `/admin/v1/offers/${offer.id}`), 200)
    expect(held).toMatchObject({ stock_on_hand: 3, stock_reserved: 3, stock_available: 0 })
    const refused = await body<{ errors: { field: string; message: string }[] }>(
      editor.request('POST', `/admin/v1/offers/${offer.id}/stock`, { set_to: 2, reason: 'Stock take' }),
      422,
    )
    expect(refused.errors).toEqual([
      expect.objectContaining({ field: 'set_to', message: expect.stringContaining('3 held') }),
    ])
    // no stock left: the next customer is not offered it
    const customer = await seedCustomer(t.db, 'acme')
    const none = await t.services.offers.reserve(reserveRequest('acme', offer.id, customer, clock))
    expect(none).toMatchObject({ made: false, reason: 'out_of_stock' })

    await t.services.offers.accept('acme', first.id, { channel: 'phone', now: clock })
    await t.services.offers.decline('acme', second.id, { channel: 'phone', now: clock })
    const after = await body<Offer>(editor.request('GET', `/admin/v1/offers/${offer.id}`), 200)
    // one sold, one back on the shelf, one still out
    expect(after).toMatchObject({ stock_on_hand: 2, stock_reserved: 1, stock_available: 1 })
    const restocked = await body<Offer>(
      editor.request('POST', `/admin/v1/offers/${offer.id}/stock`, { adjust_by: 10, reason: 'Delivery' }),
      200,
    )
    expect(restocked).toMatchObject({ stock_on_hand: 12, stock_reserved: 1, stock_available: 11 })

    const allTime = await body<{ by_segment: Group[]; by_offer: Group[] }>(
      editor.request('GET', `/admin/v1/offers/stats?offer_id=${offer.id}`),
      200,
    )
    const ranged = await body<{ by_segment: Group[]; by_offer: Group[] }>(
      editor.request('GET', `/admin/v1/offers/stats?offer_id=${offer.id}&from=2026-12-07&to=2026-12-07`),
      200,
    )
    for (const stats of [allTime, ranged]) {
      expect(stats.by_offer).toEqual([
        expect.objectContaining({
          presented: 3,
          accepted: 1,
          declined: 1,
          take_rate: 1 / 3,
          revenue: [{ currency: 'USD', amount: 2450 }],
        }),
      ])
      expect(stats.by_segment.map((g) => [g.key, g.presented, g.accepted])).toEqual([
        ['senior', 2, 1],
        ['*', 1, 0],
      ])
    }
    // the next day saw no offers made
    clock = new Date('2026-12-08T12:00:00Z')
    const nextDay = await body<{ rows: unknown[] }>(
      editor.request('GET', `/admin/v1/offers/stats?offer_id=${offer.id}&from=2026-12-08&to=2026-12-08`),
      200,
    )
    expect(nextDay.rows).toEqual([])
  })
})

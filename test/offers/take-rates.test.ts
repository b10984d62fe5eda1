// Take rates summed by offer, segment and channel: counts add up, the rate is accepted ÷ presented
// (none when nothing was presented), and revenue is never added across currencies.
import { describe, expect, it } from 'vitest'
import { summarise, type TakeRateRow } from '../../server/offers/take-rates.ts'

const row = (overrides: Partial<TakeRateRow>): TakeRateRow => ({
  offer_id: 'off_a',
  sku: 'a',
  name: 'Offer A',
  segment: '*',
  channel: 'web',
  presented: 0,
  accepted: 0,
  declined: 0,
  expired: 0,
  control: 0,
  take_rate: null,
  revenue: [],
  ...overrides,
})

describe('summarise', () => {
  it('sums by offer, segment and channel with each group’s take rate', () => {
    const summary = summarise([
      row({ segment: 'senior', channel: 'phone', presented: 10, accepted: 4, control: 1 }),
      row({ segment: '*', channel: 'web', presented: 30, accepted: 3 }),
      row({
        offer_id: 'off_b',
        sku: 'b',
        name: 'Offer B',
        segment: 'senior',
        channel: 'web',
        presented: 10,
        accepted: 5,
      }),
    ])
    expect(summary.by_offer.map((g) => [g.label, g.presented, g.accepted, g.control, g.take_rate])).toEqual([
      ['Offer A', 40, 7, 1, 7 / 40],
      ['Offer B', 10, 5, 0, 0.5],
    ])
    expect(summary.by_segment.map((g) => [g.key, g.presented, g.take_rate])).toEqual([
      ['*', 30, 0.1],
      ['senior', 20, 0.45],
    ])
    expect(summary.by_channel.map((g) => [g.key, g.presented, g.take_rate])).toEqual([
      ['web', 40, 0.2],
      ['phone', 10, 0.4],
    ])
  })

  it('has no take rate where nothing was presented (only held out)', () => {
    const [group] = summarise([row({ control: 3 })]).by_offer
    expect(group).toMatchObject({ presented: 0, control: 3, take_rate: null })
  })

  it('keeps revenue per currency', () => {
    const summary = summarise([
      row({ presented: 1, accepted: 1, revenue: [{ currency: 'USD', amount: 1999 }] }),
      row({ channel: 'phone', presented: 1, accepted: 1, revenue: [{ currency: 'USD', amount: 1 }] }),
      row({
        offer_id: 'off_b',
        name: 'B',
        presented: 1,
        accepted: 1,
        revenue: [{ currency: 'EUR', amount: 500 }],
      }),
    ])
    expect(summary.by_segment[0]?.revenue).toEqual([
      { currency: 'EUR', amount: 500 },
      { currency: 'USD', amount: 2000 },
    ])
  })
})

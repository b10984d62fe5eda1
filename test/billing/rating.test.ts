// Rating by example: the figures a person can check by hand for the demo's lines, the rounding
// statement at the top of server/billing/rating.ts, discounts, holds and what a hold covers.
import { describe, expect, it } from 'vitest'
import {
  chargedSeconds,
  holdAmountFor,
  type RatedLine,
  rateSession,
  secondsCoveredBy,
} from '../../server/billing/rating.ts'

const adviceLine: RatedLine = {
  currency: 'USD',
  rate_per_minute: 299,
  connect_fee: 0,
  first_period_seconds: 60,
  increment_seconds: 60,
  hold_policy: 'minutes',
  hold_amount: null,
  hold_minutes: 10,
}
const quickAnswers: RatedLine = { ...adviceLine, first_period_seconds: 30, increment_seconds: 6 }

describe('charged seconds', () => {
  it('charges the first period whole, then each increment begun', () => {
    expect(chargedSeconds(adviceLine, 0)).toBe(0)
    expect(chargedSeconds(adviceLine, 1)).toBe(60)
    expect(chargedSeconds(adviceLine, 60)).toBe(60)
    expect(chargedSeconds(adviceLine, 61)).toBe(120)
    expect(chargedSeconds(quickAnswers, 1)).toBe(30)
    expect(chargedSeconds(quickAnswers, 31)).toBe(36)
    expect(chargedSeconds(quickAnswers, 61)).toBe(66)
    expect(chargedSeconds({ first_period_seconds: 1, increment_seconds: 1 }, 61)).toBe(61)
    expect(chargedSeconds({ first_period_seconds: 6, increment_seconds: 6 }, 7)).toBe(12)
  })

  it('refuses a fraction of a second or a negative time', () => {
    expect(() => chargedSeconds(adviceLine, 1.5)).toThrow(RangeError)
    expect(() => chargedSeconds(adviceLine, -1)).toThrow(RangeError)
  })
})

describe('rateSession', () => {
  it('charges nothing at all when nothing connected, not even the connect fee or a discount', () => {
    const rating = rateSession({
      line: { ...adviceLine, connect_fee: 100 },
      billedSeconds: 0,
      discounts: [{ code: 'X', message: 'x', amount_off: 50 }],
    })
    expect(rating).toEqual({
      currency: 'USD',
      billed_seconds: 0,
      charged_seconds: 0,
      items: [],
      subtotal: 0,
      discount_total: 0,
      total: 0,
    })
  })

  it('bills 4 min 30 s on the advice line as 5 minutes at 2.99', () => {
    const rating = rateSession({ line: adviceLine, billedSeconds: 270 })
    expect(rating.charged_seconds).toBe(300)
    expect(rating.items).toEqual([
      {
        kind: 'time',
        description: '5 min charged for 4 min 30 s connected, at 2.99 USD per minute',
        amount: 1495,
      },
    ])
    expect(rating.total).toBe(1495)
  })

  it('rounds half-up once on the whole time charge, not per increment', () => {
    // 30 s at 2.99/min = 149.5 → 150
    expect(rateSession({ line: quickAnswers, billedSeconds: 30 }).total).toBe(150)
    // 36 s = 179.4 → 179
    expect(rateSession({ line: quickAnswers, billedSeconds: 31 }).total).toBe(179)
    // A minute in ten 6-second increments: 29.9 each would round to 30 × 10 = 300; once: 299.
    const sixBySix = { ...adviceLine, first_period_seconds: 6, increment_seconds: 6 }
    expect(rateSession({ line: sixBySix, billedSeconds: 60 }).total).toBe(299)
    // An hour at 1/1 is exactly 60 × 2.99.
    const perSecond = { ...adviceLine, first_period_seconds: 1, increment_seconds: 1 }
    expect(rateSession({ line: perSecond, billedSeconds: 3600 }).total).toBe(17_940)
  })

  it('adds the connect fee as its own item', () => {
    const rating = rateSession({ line: { ...adviceLine, connect_fee: 99 }, billedSeconds: 60 })
    expect(rating.items.map((i) => [i.kind, i.amount])).toEqual([
      ['connect_fee', 99],
      ['time', 299],
    ])
    expect(rating.subtotal).toBe(398)
    expect(rating.total).toBe(398)
  })

  it('rates in currencies with 0 and 3 digits in their own minor units', () => {
    const yen: RatedLine = {
      ...adviceLine,
      currency: 'JPY',
      rate_per_minute: 100,
      first_period_seconds: 1,
      increment_seconds: 1,
    }
    // 100 × 1 / 60 = 1.67 → 2 yen
    expect(rateSession({ line: yen, billedSeconds: 1 }).total).toBe(2)
    const rating = rateSession({ line: yen, billedSeconds: 90 })
    expect(rating.total).toBe(150)
    expect(rating.items[0]?.description).toContain('at 100 JPY per minute')
    const dinar: RatedLine = { ...adviceLine, currency: 'BHD', rate_per_minute: 1250 }
    const bhd = rateSession({ line: dinar, billedSeconds: 120 })
    expect(bhd.total).toBe(2500)
    expect(bhd.items[0]?.description).toContain('at 1.250 BHD per minute')
  })

  it('itemises a percent discount rounded half-up on the subtotal', () => {
    const rating = rateSession({
      line: adviceLine,
      billedSeconds: 120,
      discounts: [{ code: 'EFT10', message: '10 % off for paying by bank transfer', percent_off: 10 }],
    })
    // 598 × 10 % = 59.8 → 60
    expect(rating.items).toContainEqual({
      kind: 'discount',
      description: '10 % off for paying by bank transfer',
      amount: -60,
      code: 'EFT10',
    })
    expect(rating.subtotal).toBe(598)
    expect(rating.discount_total).toBe(60)
    expect(rating.total).toBe(538)
  })

  it('applies several discounts each on the subtotal, never below zero', () => {
    const rating = rateSession({
      line: adviceLine,
      billedSeconds: 60,
      discounts: [
        { code: 'FREQ', message: 'Frequent caller', percent_off: 50 },
        { code: 'WELCOME', message: 'Welcome back', amount_off: 500 },
      ],
    })
    // 299: 50 % = 149.5 → 150 leaves 149; 5.00 off is cut to 149.
    expect(rating.items.filter((i) => i.kind === 'discount').map((i) => i.amount)).toEqual([-150, -149])
    expect(rating.discount_total).toBe(299)
    expect(rating.total).toBe(0)
  })

  it('does not apply an amount off in another currency, and lists no discount that took nothing', () => {
    const rating = rateSession({
      line: adviceLine,
      billedSeconds: 60,
      discounts: [{ code: 'EUR5', message: 'Five euros off', amount_off: 500, currency: 'EUR' }],
    })
    expect(rating.items.map((i) => i.kind)).toEqual(['time'])
    expect(rating.total).toBe(299)
  })

  it('refuses a line in no known currency', () => {
    expect(() => rateSession({ line: { ...adviceLine, currency: 'XYZ' }, billedSeconds: 60 })).toThrow(
      RangeError,
    )
  })
})

describe('holds and what they cover', () => {
  it('holds the charge of hold_minutes for a line held by minutes', () => {
    expect(holdAmountFor(adviceLine)).toBe(2990)
    expect(holdAmountFor({ ...adviceLine, connect_fee: 99 })).toBe(3089)
    // 10 minutes on a 7-minute first period then 7-minute increments: 14 minutes are charged.
    expect(holdAmountFor({ ...adviceLine, first_period_seconds: 420, increment_seconds: 420 })).toBe(14 * 299)
  })

  it('holds the fixed amount for a fixed hold', () => {
    expect(
      holdAmountFor({ ...adviceLine, hold_policy: 'fixed', hold_amount: 5000, hold_minutes: null }),
    ).toBe(5000)
    expect(() => holdAmountFor({ ...adviceLine, hold_policy: 'fixed', hold_amount: null })).toThrow(
      RangeError,
    )
  })

  it('covers the longest time whose charge fits the amount', () => {
    expect(secondsCoveredBy(adviceLine, 2990)).toBe(600)
    expect(secondsCoveredBy(adviceLine, 2989)).toBe(540)
    expect(secondsCoveredBy(adviceLine, 298)).toBe(0)
    expect(secondsCoveredBy(adviceLine, 0)).toBe(0)
    // 30/6 at 2.99: 150 covers the first 30 s; 179 covers 36 s (179.4 → 179).
    expect(secondsCoveredBy(quickAnswers, 150)).toBe(30)
    expect(secondsCoveredBy(quickAnswers, 178)).toBe(30)
    expect(secondsCoveredBy(quickAnswers, 179)).toBe(36)
    expect(secondsCoveredBy({ ...adviceLine, connect_fee: 100 }, 99)).toBe(0)
  })

  it('sets no limit when time is free and the connect fee is covered', () => {
    const free = { ...adviceLine, rate_per_minute: 0, connect_fee: 100 }
    expect(secondsCoveredBy(free, 100)).toBeNull()
    expect(secondsCoveredBy(free, 99)).toBe(0)
  })
})

// Properties of rating, checked against an independent statement of the rules: increments and
// first periods, rounding once on the total, currencies with 0, 2 and 3 digits, discounts, and the
// promise that a session kept to what its hold covers is never charged more than the hold.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { currencyExponent, formatMinorUnits } from '../../server/billing/currency.ts'
import {
  chargedSeconds,
  holdAmountFor,
  type RatedLine,
  type RatingDiscount,
  rateSession,
  secondsCoveredBy,
} from '../../server/billing/rating.ts'

const runs = { numRuns: 500 }

const currencyArb = fc.constantFrom('USD', 'EUR', 'JPY', 'KRW', 'BHD', 'KWD', 'TND', 'CLP')
const incrementsArb = fc.oneof(
  fc.constantFrom<[number, number]>([60, 60], [30, 6], [6, 6], [1, 1]),
  fc.tuple(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 1, max: 600 })),
)
const lineArb: fc.Arbitrary<RatedLine> = fc
  .record({
    currency: currencyArb,
    rate_per_minute: fc.integer({ min: 0, max: 1_000_000 }),
    connect_fee: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 10_000 })),
    increments: incrementsArb,
    hold_minutes: fc.integer({ min: 1, max: 240 }),
  })
  .map(({ increments: [first, increment], ...rest }) => ({
    ...rest,
    first_period_seconds: first,
    increment_seconds: increment,
    hold_policy: 'minutes' as const,
    hold_amount: null,
  }))
const secondsArb = fc.oneof(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: 24 * 3600 }))
const discountArb: fc.Arbitrary<RatingDiscount> = fc.oneof(
  fc.record({
    code: fc.constant('PCT'),
    message: fc.constant('percent'),
    percent_off: fc.integer({ min: 1, max: 100 }),
  }),
  fc.record({
    code: fc.constant('AMT'),
    message: fc.constant('amount'),
    amount_off: fc.integer({ min: 1, max: 50_000 }),
  }),
)

/** Charged seconds as a loop: the first period, then add increments until the call fits. */
function chargedByCounting(first: number, increment: number, connected: number): number {
  if (connected === 0) return 0
  let charged = first
  while (charged < connected) charged += increment
  return charged
}

describe('increments and first periods', () => {
  it('charge the first period whole, then whole increments, the fewest that cover the call', () => {
    fc.assert(
      fc.property(incrementsArb, secondsArb, ([first, increment], connected) => {
        const line = { first_period_seconds: first, increment_seconds: increment }
        const charged = chargedSeconds(line, connected)
        expect(charged).toBe(chargedByCounting(first, increment, connected))
        if (connected > 0) {
          expect(charged).toBeGreaterThanOrEqual(Math.max(first, connected))
          expect((charged - first) % increment).toBe(0)
          if (connected > first) expect(charged - connected).toBeLessThan(increment)
        }
      }),
      runs,
    )
  })

  it('never charge a longer call less than a shorter one', () => {
    fc.assert(
      fc.property(lineArb, secondsArb, secondsArb, (line, a, b) => {
        const [shorter, longer] = a <= b ? [a, b] : [b, a]
        expect(rateSession({ line, billedSeconds: longer }).total).toBeGreaterThanOrEqual(
          rateSession({ line, billedSeconds: shorter }).total,
        )
      }),
      runs,
    )
  })

  it('charge nothing for zero seconds connected, whatever the line and discounts', () => {
    fc.assert(
      fc.property(lineArb, fc.array(discountArb, { maxLength: 3 }), (line, discounts) => {
        const rating = rateSession({ line, billedSeconds: 0, discounts })
        expect(rating.total).toBe(0)
        expect(rating.items).toEqual([])
      }),
      runs,
    )
  })
})

describe('rounding', () => {
  it('is half-up once on the time charge: within half a minor unit of the exact price, however long', () => {
    fc.assert(
      fc.property(lineArb, secondsArb, (line, connected) => {
        const rating = rateSession({ line, billedSeconds: connected })
        const time = rating.items.find((i) => i.kind === 'time')?.amount ?? 0
        // exact price = rate × charged / 60; half-up: exact − 1/2 < time ≤ exact + 1/2, i.e.
        // −30 < 60 × time − rate × charged ≤ 30, all in integers.
        const error = 60 * time - line.rate_per_minute * rating.charged_seconds
        expect(error).toBeGreaterThan(-30)
        expect(error).toBeLessThanOrEqual(30)
        expect(rating.subtotal).toBe(time + (connected > 0 ? line.connect_fee : 0))
      }),
      runs,
    )
  })

  it('gives whole minor units, and the items add up to the total', () => {
    fc.assert(
      fc.property(
        lineArb,
        secondsArb,
        fc.array(discountArb, { maxLength: 4 }),
        (line, connected, discounts) => {
          const rating = rateSession({ line, billedSeconds: connected, discounts })
          for (const item of rating.items) expect(Number.isSafeInteger(item.amount)).toBe(true)
          expect(rating.items.reduce((sum, i) => sum + i.amount, 0)).toBe(rating.total)
          expect(rating.total).toBe(rating.subtotal - rating.discount_total)
        },
      ),
      runs,
    )
  })
})

describe('currencies with 0, 2 and 3 digits', () => {
  it('rate the same minor units whatever the currency, and describe the rate with its digits', () => {
    fc.assert(
      fc.property(lineArb, secondsArb, currencyArb, (line, connected, other) => {
        const here = rateSession({ line, billedSeconds: connected })
        const there = rateSession({ line: { ...line, currency: other }, billedSeconds: connected })
        expect(there.total).toBe(here.total)
        expect(there.currency).toBe(other)
        const time = there.items.find((i) => i.kind === 'time')
        if (time) {
          const rate = formatMinorUnits(line.rate_per_minute, other)
          expect(time.description).toContain(`at ${rate} per minute`)
          const digits = currencyExponent(other)
          const fraction = rate.split(' ')[0]?.split('.')[1] ?? ''
          expect(fraction.length).toBe(digits)
        }
      }),
      runs,
    )
  })
})

describe('discounts', () => {
  it('are itemised, never take the total below zero and never add to it', () => {
    fc.assert(
      fc.property(
        lineArb,
        secondsArb,
        fc.array(discountArb, { maxLength: 4 }),
        (line, connected, discounts) => {
          const rating = rateSession({ line, billedSeconds: connected, discounts })
          expect(rating.total).toBeGreaterThanOrEqual(0)
          expect(rating.total).toBeLessThanOrEqual(rating.subtotal)
          const items = rating.items.filter((i) => i.kind === 'discount')
          for (const item of items) expect(item.amount).toBeLessThan(0)
          expect(items.reduce((sum, i) => sum - i.amount, 0)).toBe(rating.discount_total)
        },
      ),
      runs,
    )
  })

  it('each take their own share of the subtotal when they fit', () => {
    fc.assert(
      fc.property(
        lineArb,
        secondsArb,
        fc.array(discountArb, { maxLength: 4 }),
        (line, connected, discounts) => {
          const { subtotal } = rateSession({ line, billedSeconds: connected })
          const shares = discounts.map((d) =>
            d.percent_off ? Math.floor((subtotal * d.percent_off * 2 + 100) / 200) : (d.amount_off ?? 0),
          )
          const sum = shares.reduce((a, b) => a + b, 0)
          const rating = rateSession({ line, billedSeconds: connected, discounts })
          if (sum <= subtotal) {
            expect(rating.discount_total).toBe(sum)
            // then the order they come in does not matter
            const reversed = rateSession({
              line,
              billedSeconds: connected,
              discounts: [...discounts].reverse(),
            })
            expect(reversed.total).toBe(rating.total)
          } else {
            expect(rating.total).toBe(0)
          }
        },
      ),
      runs,
    )
  })
})

describe('holds and what they cover', () => {
  it('cover exactly the longest charge that fits: one second more costs more than the amount', () => {
    fc.assert(
      fc.property(lineArb, fc.integer({ min: 0, max: 2_000_000 }), (line, amount) => {
        const covered = secondsCoveredBy(line, amount)
        if (covered === null) {
          expect(line.rate_per_minute).toBe(0)
          expect(amount).toBeGreaterThanOrEqual(line.connect_fee)
          return
        }
        expect(rateSession({ line, billedSeconds: covered }).total).toBeLessThanOrEqual(amount)
        expect(rateSession({ line, billedSeconds: covered + 1 }).total).toBeGreaterThan(amount)
        if (covered > 0) expect(chargedSeconds(line, covered)).toBe(covered)
      }),
      runs,
    )
  })

  it('by minutes, let a session run at least hold_minutes and never charge it more than the hold', () => {
    fc.assert(
      fc.property(
        lineArb,
        secondsArb,
        fc.array(discountArb, { maxLength: 2 }),
        (line, connected, discounts) => {
          const hold = holdAmountFor(line)
          const covered = secondsCoveredBy(line, hold)
          if (covered === null) return
          expect(covered).toBeGreaterThanOrEqual((line.hold_minutes ?? 0) * 60)
          const grantedSeconds = Math.min(connected, covered)
          expect(rateSession({ line, billedSeconds: grantedSeconds, discounts }).total).toBeLessThanOrEqual(
            hold,
          )
        },
      ),
      runs,
    )
  })
})

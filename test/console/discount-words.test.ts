// A granted discount as staff read it on a decision and in Simulate: its terms and what it took.
import { describe, expect, it } from 'vitest'
import { discountWords } from '../../console/src/pages/decisions/words.ts'

const usd = (n: number) => new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD' }).format(n)

describe('discountWords', () => {
  it('a percentage with what it took off a purchase, or “off the bill” for a session', () => {
    expect(discountWords({ percent_off: 5, fixed_off: null, amount_off: 125 }, 'USD')).toBe(
      `5 % off: ${usd(1.25)}`,
    )
    expect(discountWords({ percent_off: 10, fixed_off: null, amount_off: null }, 'USD')).toBe(
      '10 % off the bill',
    )
  })

  it('a fixed amount, and says so when the purchase was too small for all of it', () => {
    expect(discountWords({ percent_off: null, fixed_off: 200, amount_off: 200 }, 'USD')).toBe(`${usd(2)} off`)
    expect(discountWords({ percent_off: null, fixed_off: 300, amount_off: 150 }, 'USD')).toBe(
      `${usd(3)} off, cut to ${usd(1.5)}`,
    )
    expect(discountWords({ percent_off: null, fixed_off: 300, amount_off: null }, 'USD')).toBe(
      `${usd(3)} off the bill`,
    )
  })

  it('reads a decision stored before discounts were reckoned, whose amount_off is the rule’s', () => {
    expect(discountWords({ percent_off: null, amount_off: 500 }, 'USD')).toBe(`${usd(5)} off`)
  })
})

// How discounts combine on an amount (rules/discounts.ts): percentages rounded half-up on the whole
// amount, fixed amounts only in their own currency, summed and capped so nothing is paid below 0,
// or only the best one; and the properties that hold for any amount and any discounts.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { applyDiscounts, type DiscountTerms, discountWorth } from '../../rules/discounts.ts'
import { validateDefinition } from '../../rules/validate.ts'
import { demoRuleSet } from '../../server/tenants/demo-rule-set.ts'

const percent = (rule: string, percentOff: number): DiscountTerms => ({
  rule,
  code: rule.toUpperCase(),
  message: `${percentOff} % off`,
  percent_off: percentOff,
  fixed_off: null,
  currency: 'USD',
})
const fixed = (rule: string, amountOff: number, currency = 'USD'): DiscountTerms => ({
  rule,
  code: rule.toUpperCase(),
  message: `${amountOff} off`,
  percent_off: null,
  fixed_off: amountOff,
  currency,
})

describe('a discount’s worth', () => {
  it('rounds a percentage half-up on the whole amount, in minor units', () => {
    // 5 % of 19.99 = 99.95 → 100; 5 % of 19.89 = 99.45 → 99
    expect(discountWorth(percent('bank', 5), 1999, 'USD')).toBe(100)
    expect(discountWorth(percent('bank', 5), 1989, 'USD')).toBe(99)
    expect(discountWorth(percent('all', 100), 1999, 'USD')).toBe(1999)
  })

  it('takes a fixed amount as given in its own currency, and nothing in another', () => {
    expect(discountWorth(fixed('freq', 200), 1999, 'USD')).toBe(200)
    expect(discountWorth(fixed('freq', 200), 1999, 'EUR')).toBe(0)
  })

  it('refuses amounts that are not whole minor units', () => {
    expect(() => discountWorth(percent('bank', 5), 10.5, 'USD')).toThrow(RangeError)
    expect(() => discountWorth(percent('bank', 5), -1, 'USD')).toThrow(RangeError)
  })
})

describe('discounts on an amount', () => {
  it('sum: each on the whole amount, the largest first', () => {
    const result = applyDiscounts(2500, 'USD', [percent('bank', 5), fixed('freq', 200)])
    // 5 % of 25.00 = 125; 2.00 fixed: 325 off, 21.75 payable
    expect(result).toMatchObject({ requested: 2500, discount: 325, payable: 2175 })
    expect(result.applied.map((d) => [d.rule, d.amount_off])).toEqual([
      ['freq', 200],
      ['bank', 125],
    ])
  })

  it('sum: capped at the amount, never making it negative; a discount cut to nothing is left out', () => {
    const result = applyDiscounts(300, 'USD', [fixed('a', 250), fixed('b', 200), fixed('c', 100)])
    expect(result).toMatchObject({ requested: 300, discount: 300, payable: 0 })
    expect(result.applied.map((d) => [d.rule, d.amount_off])).toEqual([
      ['a', 250],
      ['b', 50],
    ])
  })

  it('best: only the one worth most to the customer; ties go to the first rule by id', () => {
    const best = applyDiscounts(2500, 'USD', [percent('bank', 5), fixed('freq', 200)], 'best')
    expect(best).toMatchObject({ discount: 200, payable: 2300 })
    expect(best.applied.map((d) => d.rule)).toEqual(['freq'])
    const bigger = applyDiscounts(10_000, 'USD', [percent('bank', 5), fixed('freq', 200)], 'best')
    expect(bigger.applied.map((d) => [d.rule, d.amount_off])).toEqual([['bank', 500]])
    const tie = applyDiscounts(1000, 'USD', [fixed('zeta', 100), fixed('alpha', 100)], 'best')
    expect(tie.applied.map((d) => d.rule)).toEqual(['alpha'])
  })

  it('an amount of 0, or no discounts, pays what was asked', () => {
    expect(applyDiscounts(0, 'USD', [fixed('a', 100)])).toEqual({
      requested: 0,
      discount: 0,
      payable: 0,
      applied: [],
    })
    expect(applyDiscounts(999, 'USD', [])).toEqual({ requested: 999, discount: 0, payable: 999, applied: [] })
  })

  it('a fixed amount in another currency takes nothing and is not listed', () => {
    const result = applyDiscounts(2500, 'EUR', [fixed('usd', 200), percent('bank', 10)])
    expect(result).toMatchObject({ discount: 250, payable: 2250 })
    expect(result.applied.map((d) => d.rule)).toEqual(['bank'])
  })
})

describe('discounts (properties)', () => {
  const termsArb = fc
    .array(
      fc.oneof(
        fc.integer({ min: 1, max: 100 }).map((p) => ({ percent_off: p, fixed_off: null })),
        fc.integer({ min: 1, max: 50_000 }).map((f) => ({ percent_off: null, fixed_off: f })),
      ),
      { maxLength: 6 },
    )
    .map((list) =>
      list.map(
        (t, i): DiscountTerms => ({ ...t, rule: `r${i}`, code: `C${i}`, message: 'm', currency: 'USD' }),
      ),
    )
  const amountArb = fc.nat({ max: 1_000_000_000 })

  it('0 ≤ payable ≤ requested, payable = requested − discount, and the items add up to the discount', () => {
    fc.assert(
      fc.property(
        amountArb,
        termsArb,
        fc.constantFrom('sum' as const, 'best' as const),
        (amount, terms, how) => {
          const r = applyDiscounts(amount, 'USD', terms, how)
          expect(r.payable).toBeGreaterThanOrEqual(0)
          expect(r.payable).toBeLessThanOrEqual(amount)
          expect(r.requested - r.discount).toBe(r.payable)
          expect(r.applied.reduce((sum, d) => sum + d.amount_off, 0)).toBe(r.discount)
          for (const d of r.applied) expect(Number.isSafeInteger(d.amount_off) && d.amount_off > 0).toBe(true)
        },
      ),
    )
  })

  it('sum takes min(Σ worth, amount) whatever the order; best never more than sum', () => {
    fc.assert(
      fc.property(amountArb, termsArb, (amount, terms) => {
        const sum = applyDiscounts(amount, 'USD', terms)
        const worth = terms.reduce((total, t) => total + discountWorth(t, amount, 'USD'), 0)
        expect(sum.discount).toBe(Math.min(worth, amount))
        expect(applyDiscounts(amount, 'USD', [...terms].reverse()).discount).toBe(sum.discount)
        const best = applyDiscounts(amount, 'USD', terms, 'best')
        expect(best.discount).toBeLessThanOrEqual(sum.discount)
        expect(best.applied.length).toBeLessThanOrEqual(1)
      }),
    )
  })
})

describe('the rule set’s word on discounts', () => {
  it('the demo rule set validates, with its bank-account and frequent-customer discounts', () => {
    const result = validateDefinition(demoRuleSet)
    expect(result.ok).toBe(true)
    const discounts = demoRuleSet.rules.filter((r) => r.event.type === 'discount').map((r) => r.id)
    expect(discounts).toEqual(['preferred-method-bank', 'frequent-customer'])
  })

  it('discount_stacking is sum or best, and a problem names it otherwise', () => {
    for (const stacking of ['sum', 'best'])
      expect(
        validateDefinition({ settings: { currency: 'USD', discount_stacking: stacking }, rules: [] }).ok,
      ).toBe(true)
    const bad = validateDefinition({ settings: { currency: 'USD', discount_stacking: 'all' }, rules: [] })
    expect(bad.ok).toBe(false)
    if (!bad.ok) expect(bad.problems.map((p) => p.path.join('.'))).toContain('settings.discount_stacking')
  })
})

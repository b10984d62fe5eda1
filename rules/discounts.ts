// What the rule set's discounts take off an amount, in integer minor units. Pure, and the one
// statement of how discounts combine (server/billing/rating.ts follows it for a session's bill):
// - Each discount is reckoned on the whole amount, never on what an earlier one left: a percent
//   rounded half-up (5 % of 1999 = 99.95 → 100), a fixed amount as given when it is in the
//   amount's currency (a fixed amount in another currency cannot be converted and takes nothing).
// - `sum` (the default): all of them, cut in turn to what is left, so the amount payable never goes
//   below 0. The largest is listed (and kept whole) first; the total is min(Σ, amount) whatever the
//   order. `best`: only the one worth most to the customer (ties: the first rule by id).
// - A discount that takes nothing off (cut to 0, or in another currency) is left out of the list.
// BigInt arithmetic, checked to stay a safe integer: no float touches money.

export type DiscountStacking = 'sum' | 'best'

/** A discount as the rule set grants it: exactly one of percent_off / fixed_off. */
export interface DiscountTerms {
  rule: string
  code: string
  message: string
  percent_off: number | null
  /** minor units of `currency` */
  fixed_off: number | null
  /** the currency fixed_off is in (the rule set's) */
  currency: string
}

export interface AppliedDiscount extends DiscountTerms {
  /** minor units taken off the amount */
  amount_off: number
}

export interface DiscountedAmount {
  requested: number
  /** what the discounts took off, 0 ≤ discount ≤ requested */
  discount: number
  /** requested − discount */
  payable: number
  /** the discounts that took something, in the order they were taken */
  applied: AppliedDiscount[]
}

function halfUp(numerator: bigint, denominator: bigint): bigint {
  return (numerator * 2n + denominator) / (denominator * 2n)
}

function safe(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('A discount is too large to reckon')
  return Number(value)
}

/** What one discount is worth on `amount` (minor units of `currency`), before any cut. */
export function discountWorth(terms: DiscountTerms, amount: number, currency: string): number {
  if (!Number.isSafeInteger(amount) || amount < 0)
    throw new RangeError('amount must be whole minor units, 0 or more')
  if (terms.percent_off !== null) {
    const percent = terms.percent_off
    if (!Number.isSafeInteger(percent) || percent < 0 || percent > 100)
      throw new RangeError(`percent_off of ${terms.code} must be a whole percentage from 0 to 100`)
    return safe(halfUp(BigInt(amount) * BigInt(percent), 100n))
  }
  if (terms.fixed_off !== null) {
    if (!Number.isSafeInteger(terms.fixed_off) || terms.fixed_off < 0)
      throw new RangeError(`fixed_off of ${terms.code} must be whole minor units, 0 or more`)
    return terms.currency === currency ? terms.fixed_off : 0
  }
  return 0
}

/** The discounts with what each is worth on `amount`, the most valuable first (ties: by rule id). */
export function rankDiscounts<T extends DiscountTerms>(
  discounts: readonly T[],
  amount: number,
  currency: string,
): { terms: T; worth: number }[] {
  return discounts
    .map((terms) => ({ terms, worth: discountWorth(terms, amount, currency) }))
    .sort(
      (a, b) => b.worth - a.worth || (a.terms.rule < b.terms.rule ? -1 : a.terms.rule > b.terms.rule ? 1 : 0),
    )
}

/** The discounts applied to `amount` as the rule set's stacking says (see the top of this module). */
export function applyDiscounts(
  amount: number,
  currency: string,
  discounts: readonly DiscountTerms[],
  stacking: DiscountStacking = 'sum',
): DiscountedAmount {
  const worth = rankDiscounts(discounts, amount, currency).filter((d) => d.worth > 0)
  const chosen = stacking === 'best' ? worth.slice(0, 1) : worth
  let left = amount
  const applied: AppliedDiscount[] = []
  for (const { terms, worth: off } of chosen) {
    const taken = Math.min(off, left)
    if (taken === 0) continue
    left -= taken
    applied.push({ ...terms, amount_off: taken })
  }
  return { requested: amount, discount: amount - left, payable: left, applied }
}

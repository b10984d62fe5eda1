// Rating: what a session costs on a service line, what to hold before it connects, and how long a
// hold lets it run. Pure — no database, no clock — so settlement, the grant and the console all
// compute the same figures from the same inputs.
//
// How a charge is computed (the one statement of rounding; the tests hold the code to it):
// - Connected seconds are whole seconds (the caller rounds a begun second up). Zero connected
//   seconds charge nothing at all, not even the connect fee.
// - Charged seconds: the first period is charged whole as soon as anything connects, then each
//   increment begun is charged whole (60/60, 30/6, 6/6, 1/1). 61 s on 30/6 → 66 s.
// - Time = rate_per_minute × charged seconds / 60, in minor units, rounded half-up ONCE on that
//   product — never per increment, so a long call is not overcharged by accumulated rounding.
//   2.99 USD/min for 30 s = 149.5 → 150 (1.50 USD).
// - Subtotal = connect fee + time.
// - Discounts (the rule set's `discount` events) are each computed on the subtotal — percent_off
//   rounded half-up, amount_off as given in minor units of the line's currency — applied in the
//   order given, each cut to what is left, so the total never goes below 0. Items list each
//   discount as a negative amount, so the items always add up to the total. Which discounts and
//   in what order is the decision's (rules/outcome.ts; with discount_stacking best, only one), so a
//   bill combines them as a purchase does (rules/discounts.ts).
// Arithmetic is done in BigInt and the results checked to be safe integers: no floats touch money.
import { currencyExponent, formatMinorUnits } from './currency.ts'

/** The parts of a service line that rating reads; amounts are minor units of `currency`. */
export interface RatedLine {
  currency: string
  rate_per_minute: number
  connect_fee: number
  first_period_seconds: number
  increment_seconds: number
  /** fixed: hold `hold_amount`; minutes: hold what `hold_minutes` of connected time costs */
  hold_policy: 'fixed' | 'minutes'
  hold_amount: number | null
  hold_minutes: number | null
}

/** A discount the decision granted (its `discounts[]`); exactly one of percent_off / amount_off. */
export interface RatingDiscount {
  code: string
  message: string
  percent_off?: number | null
  /** minor units of the line's currency */
  amount_off?: number | null
  /** when given and not the line's currency, an amount_off cannot be converted and is not applied */
  currency?: string | null
}

export type RatingItemKind = 'connect_fee' | 'time' | 'discount'

export interface RatingItem {
  kind: RatingItemKind
  description: string
  /** minor units; negative for a discount */
  amount: number
  /** the discount's code, for discount items */
  code?: string
}

export interface Rating {
  currency: string
  /** seconds connected in the billing window */
  billed_seconds: number
  /** seconds charged after the first period and increments */
  charged_seconds: number
  items: RatingItem[]
  /** connect fee + time */
  subtotal: number
  /** what the discounts took off (0 or more) */
  discount_total: number
  /** subtotal − discount_total, never below 0 */
  total: number
}

function assertWholeSeconds(name: string, seconds: number): void {
  if (!Number.isSafeInteger(seconds) || seconds < 0) {
    throw new RangeError(`${name} must be a whole number of seconds, 0 or more (got ${seconds})`)
  }
}

function assertLine(line: RatedLine): void {
  currencyExponent(line.currency)
  for (const [name, value] of [
    ['rate_per_minute', line.rate_per_minute],
    ['connect_fee', line.connect_fee],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new RangeError(`${name} must be whole minor units, 0 or more`)
  }
  for (const [name, value] of [
    ['first_period_seconds', line.first_period_seconds],
    ['increment_seconds', line.increment_seconds],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1)
      throw new RangeError(`${name} must be a whole number of seconds, 1 or more`)
  }
}

function toSafeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`${what} is too large to bill in minor units`)
  }
  return Number(value)
}

/** Half-up division of non-negative integers: 149.5 → 150, 149.4 → 149. */
function divideHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (numerator * 2n + denominator) / (denominator * 2n)
}

/**
 * Seconds charged for this many seconds connected: 0 → 0; up to the first period → the first
 * period; beyond it → the first period plus each increment begun.
 */
export function chargedSeconds(
  line: Pick<RatedLine, 'first_period_seconds' | 'increment_seconds'>,
  billedSeconds: number,
): number {
  assertWholeSeconds('billedSeconds', billedSeconds)
  if (billedSeconds === 0) return 0
  const first = line.first_period_seconds
  if (billedSeconds <= first) return first
  const increments = Math.ceil((billedSeconds - first) / line.increment_seconds)
  return first + increments * line.increment_seconds
}

/** The time charge for charged seconds: rate × seconds / 60, rounded half-up once. */
function timeCharge(line: RatedLine, charged: number): bigint {
  return divideHalfUp(BigInt(line.rate_per_minute) * BigInt(charged), 60n)
}

function duration(seconds: number): string {
  const minutes = Math.floor(seconds / 60)
  const rest = seconds % 60
  if (minutes === 0) return `${rest} s`
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`
}

function discountOff(discount: RatingDiscount, line: RatedLine, subtotal: bigint): bigint {
  if (discount.percent_off !== null && discount.percent_off !== undefined) {
    const percent = discount.percent_off
    if (!Number.isSafeInteger(percent) || percent < 0 || percent > 100) {
      throw new RangeError(`percent_off of ${discount.code} must be a whole percentage from 0 to 100`)
    }
    return divideHalfUp(subtotal * BigInt(percent), 100n)
  }
  if (discount.amount_off !== null && discount.amount_off !== undefined) {
    if (!Number.isSafeInteger(discount.amount_off) || discount.amount_off < 0) {
      throw new RangeError(`amount_off of ${discount.code} must be whole minor units, 0 or more`)
    }
    if (discount.currency && discount.currency !== line.currency) return 0n
    return BigInt(discount.amount_off)
  }
  return 0n
}

/** What a session on this line costs for `billedSeconds` connected, with the decision's discounts. */
export function rateSession(input: {
  line: RatedLine
  billedSeconds: number
  discounts?: readonly RatingDiscount[]
}): Rating {
  const { line, billedSeconds } = input
  assertLine(line)
  assertWholeSeconds('billedSeconds', billedSeconds)
  const charged = chargedSeconds(line, billedSeconds)
  const empty: Rating = {
    currency: line.currency,
    billed_seconds: billedSeconds,
    charged_seconds: 0,
    items: [],
    subtotal: 0,
    discount_total: 0,
    total: 0,
  }
  if (charged === 0) return empty

  const items: RatingItem[] = []
  const fee = BigInt(line.connect_fee)
  if (fee > 0n)
    items.push({
      kind: 'connect_fee',
      description: 'Connect fee',
      amount: toSafeNumber(fee, 'The connect fee'),
    })
  const time = timeCharge(line, charged)
  items.push({
    kind: 'time',
    description: `${duration(charged)} charged for ${duration(billedSeconds)} connected, at ${formatMinorUnits(line.rate_per_minute, line.currency)} per minute`,
    amount: toSafeNumber(time, 'The time charge'),
  })
  const subtotal = fee + time

  let left = subtotal
  for (const discount of input.discounts ?? []) {
    const off = discountOff(discount, line, subtotal)
    // biome-ignore lint/complexity/useMathMinMax: bigints, which Math.min does not take
    const taken = off < left ? off : left
    if (taken === 0n) continue
    left -= taken
    items.push({
      kind: 'discount',
      description: discount.message,
      amount: -toSafeNumber(taken, 'A discount'),
      code: discount.code,
    })
  }

  return {
    currency: line.currency,
    billed_seconds: billedSeconds,
    charged_seconds: charged,
    items,
    subtotal: toSafeNumber(subtotal, 'The subtotal'),
    discount_total: toSafeNumber(subtotal - left, 'The discount total'),
    total: toSafeNumber(left, 'The total'),
  }
}

/** What `billedSeconds` connected costs before any discount. */
function undiscountedCharge(line: RatedLine, billedSeconds: number): bigint {
  const charged = chargedSeconds(line, billedSeconds)
  if (charged === 0) return 0n
  return BigInt(line.connect_fee) + timeCharge(line, charged)
}

/**
 * The hold placed before a session on this line connects, in minor units of its currency.
 * - fixed: the line's hold_amount.
 * - minutes: exactly what hold_minutes of connected time costs before discounts (connect fee +
 *   rate × the charged seconds of hold_minutes × 60, with the line's increments and rounding).
 * Why it is never less than the charge: the session's grant is at most `secondsCoveredBy(line,
 * hold)`, and a session is cut at its grant, so the undiscounted charge of any session that keeps
 * to its grant fits the hold; discounts only lower it. A fixed hold too small for the first period
 * covers no time at all (secondsCoveredBy gives 0), which the service-line store refuses.
 */
export function holdAmountFor(line: RatedLine): number {
  assertLine(line)
  if (line.hold_policy === 'fixed') {
    const amount = line.hold_amount
    if (amount === null || !Number.isSafeInteger(amount) || amount < 0) {
      throw new RangeError('A fixed hold needs hold_amount in whole minor units, 0 or more')
    }
    return amount
  }
  const minutes = line.hold_minutes
  if (minutes === null || !Number.isSafeInteger(minutes) || minutes < 1) {
    throw new RangeError('A hold by minutes needs hold_minutes, 1 or more')
  }
  return toSafeNumber(undiscountedCharge(line, minutes * 60), 'The hold')
}

/**
 * The longest connected time, in whole seconds, whose undiscounted charge fits `amount` — the most
 * a hold of `amount` lets a session run (max_duration_seconds). Always 0 or a charge boundary (the
 * first period plus whole increments), so a session cut there is charged exactly for it. 0 when
 * the amount does not cover the connect fee and the first period. Null when the line charges
 * nothing for time (rate 0) and the amount covers the connect fee: money sets no limit then.
 */
export function secondsCoveredBy(line: RatedLine, amount: number): number | null {
  assertLine(line)
  if (!Number.isSafeInteger(amount) || amount < 0)
    throw new RangeError('amount must be whole minor units, 0 or more')
  const forTime = BigInt(amount) - BigInt(line.connect_fee)
  if (forTime < 0n) return 0
  const rate = BigInt(line.rate_per_minute)
  if (rate === 0n) return null
  // rate × s / 60 rounded half-up fits forTime ⇔ floor((rate × s + 30) / 60) ≤ forTime
  // ⇔ rate × s ≤ 60 × forTime + 29 ⇔ s ≤ floor((60 × forTime + 29) / rate).
  const longest = (60n * forTime + 29n) / rate
  const first = BigInt(line.first_period_seconds)
  if (longest < first) return 0
  const increment = BigInt(line.increment_seconds)
  const covered = first + ((longest - first) / increment) * increment
  return covered > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(covered)
}

// Rules and facts in words a business reader follows: "Amount asked for is at least 100.00".
import { formatMoney, formatValue } from '../../lib/format.ts'
import { factIsMoney, paramIsMoney } from '../../lib/money-fields.ts'
import type { ConditionResult, FactDescription } from './api.ts'

const operatorWords: Record<string, string> = {
  equal: 'is',
  notEqual: 'is not',
  lessThan: 'is less than',
  lessThanInclusive: 'is at most',
  greaterThan: 'is more than',
  greaterThanInclusive: 'is at least',
  in: 'is one of',
  notIn: 'is none of',
  contains: 'contains',
  doesNotContain: 'does not contain',
}

export function operatorInWords(operator: string): string {
  return operatorWords[operator] ?? operator
}

/** Which params are money (minor units), to be written in this currency. */
export interface MoneyParams {
  currency: string
  is: (key: string) => boolean
}

/** "list negative, subject phone"; `leave` drops params shown elsewhere, such as the message */
export function paramsInWords(
  params: Record<string, unknown> | null | undefined,
  leave: string[] = [],
  money?: MoneyParams,
): string {
  if (!params) return ''
  const value = (key: string, v: unknown) =>
    money?.is(key) && typeof v === 'number'
      ? formatMoney({ value: v, currency: money.currency })
      : formatValue(v)
  return Object.entries(params)
    .filter(([key]) => !leave.includes(key))
    .map(([key, v]) => `${key.replaceAll('_', ' ')}: ${value(key, v)}`)
    .join(' · ')
}

/**
 * A fact's catalog description as staff read it: the console shows money as amounts in the
 * currency, so the catalog's note that the engine counts it in minor units is left out.
 */
export function factDescription(description: string): string {
  return description.replace(/money in minor units/g, 'money').replace(/,? in minor units/g, '')
}

/** The fact's catalog description when known, else its name; params follow in brackets. */
export function factInWords(
  fact: string,
  params: Record<string, unknown> | null | undefined,
  catalog: Map<string, FactDescription> | undefined,
): string {
  const description = catalog?.get(fact)?.description
  const base = description ? factDescription(description) : fact.replaceAll('_', ' ')
  const extra = paramsInWords(params)
  return extra ? `${base} (${extra})` : base
}

/** A fact's value for reading: amounts of money in the currency, lists item by item. */
export function factValueInWords(
  fact: string,
  params: Record<string, unknown> | null | undefined,
  value: unknown,
  currency: string,
): string {
  if (!factIsMoney(fact, params)) return formatValue(value)
  const one = (v: unknown) => (typeof v === 'number' ? formatMoney({ value: v, currency }) : formatValue(v))
  return Array.isArray(value) ? (value.length ? value.map(one).join(', ') : '(none)') : one(value)
}

export function conditionInWords(condition: ConditionResult, currency: string): string {
  const value = factValueInWords(condition.fact, condition.params, condition.value, currency)
  return `${operatorInWords(condition.operator)} ${value}`
}

/** What a fired rule does with its params, money in the currency: "limit: $500.00 · metric: amount". */
export function firedParamsInWords(
  rule: { type: string; params?: Record<string, unknown> | null },
  currency: string,
  leave: string[] = ['message'],
): string {
  return paramsInWords(rule.params, leave, {
    currency,
    is: (key) => paramIsMoney(rule.type, key, rule.params),
  })
}

const metricUnits: Record<string, [string, string]> = {
  sessions: ['session', 'sessions'],
  purchases: ['purchase', 'purchases'],
  minutes: ['minute', 'minutes'],
}

/** What is left of an allowance, in its metric: "$25.00 left", "3 sessions left". */
export function remainingInWords(remaining: number, metric: string | undefined, currency: string): string {
  if (metric === 'amount') return `${formatMoney({ value: remaining, currency })} left`
  const unit = metric ? metricUnits[metric] : undefined
  return unit
    ? `${formatValue(remaining)} ${unit[remaining === 1 ? 0 : 1]} left`
    : `${formatValue(remaining)} left`
}

/** An allowance's limit, use or rest in its metric: money in the currency, else the count. */
export function allowanceAmountInWords(value: number, metric: string, currency: string): string {
  return metric === 'amount' ? formatMoney({ value, currency }) : formatValue(value)
}

export const eventTypeWords: Record<string, string> = {
  block: 'Blocks',
  temporary_block: 'Blocks for now',
  review: 'Sends to review',
  limit: 'Limits',
  allowance: 'Counts an allowance',
  discount: 'Gives a discount',
  offer: 'Makes an offer',
  treatment: 'Chooses how offers are presented',
}

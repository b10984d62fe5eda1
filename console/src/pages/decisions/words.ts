// Rules and facts in words a business reader follows: "Amount asked for is at least 100.00".
import { formatValue } from '../../lib/format.ts'
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

/** "list negative, subject phone"; `leave` drops params shown elsewhere, such as the message */
export function paramsInWords(
  params: Record<string, unknown> | null | undefined,
  leave: string[] = [],
): string {
  if (!params) return ''
  return Object.entries(params)
    .filter(([key]) => !leave.includes(key))
    .map(([key, value]) => `${key.replaceAll('_', ' ')}: ${formatValue(value)}`)
    .join(' · ')
}

/** The fact's catalog description when known, else its name; params follow in brackets. */
export function factInWords(
  fact: string,
  params: Record<string, unknown> | null | undefined,
  catalog: Map<string, FactDescription> | undefined,
): string {
  const base = catalog?.get(fact)?.description ?? fact.replaceAll('_', ' ')
  const extra = paramsInWords(params)
  return extra ? `${base} (${extra})` : base
}

export function conditionInWords(condition: ConditionResult): string {
  return `${operatorInWords(condition.operator)} ${formatValue(condition.value)}`
}

export const eventTypeWords: Record<string, string> = {
  block: 'Blocks',
  temporary_block: 'Blocks for now',
  review: 'Sends to review',
  limit: 'Limits',
  allowance: 'Counts an allowance',
  discount: 'Gives a discount',
  offer: 'Makes an offer',
}

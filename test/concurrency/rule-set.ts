// The rule set the concurrency suites decide with: one allowance, purchases per customer per day.
import type { RuleSetDefinitionInput } from '../../rules/schema.ts'

export function purchasesPerDay(limit: number): RuleSetDefinitionInput {
  return {
    settings: { currency: 'USD' },
    rules: [
      {
        id: 'purchases-per-day',
        name: `${limit} purchases a day`,
        conditions: { all: [] },
        event: {
          type: 'allowance',
          params: {
            subject: 'customer',
            metric: 'purchases',
            window: 'day',
            limit,
            message: `${limit} purchases a day`,
          },
        },
      },
    ],
  }
}

/** How many of each outcome a batch of decisions produced, e.g. { approve: 1, limit: 49 }. */
export function tally(outcomes: string[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const outcome of outcomes) counts[outcome] = (counts[outcome] ?? 0) + 1
  return counts
}

// Two policies chosen where the documents are silent: money allowances fail closed for another
// currency, and card expiry follows the rule set's time zone.
import { describe, expect, it } from 'vitest'
import { factsByName } from '../../rules/facts.ts'
import { allowanceExhausted, resolveOutcome } from '../../rules/outcome.ts'
import type { CapturedRequest } from '../../rules/request.ts'
import type { FactRun } from '../../rules/types.ts'

const spend = {
  ruleId: 'spend',
  ruleName: 'spend',
  subject: 'customer' as const,
  subjectLabel: 'the customer',
  metric: 'amount' as const,
  window: 'month' as const,
  limit: 10_000,
  used: 0,
  resetsAt: new Date('2026-12-01T05:00:00Z'),
  message: '100.00 a month',
}

describe('money allowances and currencies', () => {
  it('judges a request in the allowance’s currency by its amount', () => {
    expect(allowanceExhausted(spend, 'purchase', 500, true)).toBe(false)
  })

  it('refuses a request in another currency instead of letting it around the allowance', () => {
    expect(allowanceExhausted(spend, 'purchase', 500, false)).toBe(true)
    const resolution = resolveOutcome({
      kind: 'purchase',
      amount: 500,
      amountInAllowanceCurrency: false,
      fired: [],
      allowances: [spend],
    })
    expect(resolution.outcome).toBe('limit')
    expect(resolution.reasons[0]?.message).toBe(
      "100.00 a month, counted against the customer (kept in another currency than this request's)",
    )
  })

  it('leaves count and minute allowances alone whatever the currency', () => {
    expect(allowanceExhausted({ metric: 'purchases', limit: 2, used: 0 }, 'purchase', 500, false)).toBe(false)
  })
})

describe('card expiry in the rule set’s time zone', () => {
  const cardExpired = factsByName.get('card_expired')
  const run = (now: string, timeZone: string) =>
    ({
      ctx: {
        now: new Date(now),
        timeZone,
        request: {
          payment_method: { card: { exp_month: 11, exp_year: 2026 } },
        } as unknown as CapturedRequest,
      },
    }) as unknown as FactRun

  it('keeps a card good through the evening of its last day in New York', () => {
    // 2026-12-01T03:00Z is still 30 November, 22:00 in New York
    expect(cardExpired?.resolve({}, run('2026-12-01T03:00:00Z', 'America/New_York'))).toBe(false)
    expect(cardExpired?.resolve({}, run('2026-12-01T03:00:00Z', 'UTC'))).toBe(true)
  })

  it('expires it at local midnight when the month turns', () => {
    expect(cardExpired?.resolve({}, run('2026-12-01T05:00:00Z', 'America/New_York'))).toBe(true)
  })
})

// Properties of outcome resolution, checked against an independent statement of the rules:
// precedence, monotonicity, and the allowance arithmetic that becomes an approval's limits.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type AllowanceState, remainingAllowance, resolveOutcome } from '../../rules/outcome.ts'
import { type EventType, eventTypes, type Outcome, usageMetrics } from '../../rules/schema.ts'
import type { FiredEvent } from '../../rules/types.ts'
import { allowanceState, firedEvent } from './support.ts'

type Kind = 'purchase' | 'session'

const strongestFirst: Outcome[] = ['block', 'temporary_block', 'review', 'limit', 'approve']
const strength = (o: Outcome) => strongestFirst.length - strongestFirst.indexOf(o)

const kindArb = fc.constantFrom<Kind>('purchase', 'session')
const amountArb = fc.option(fc.nat({ max: 20_000 }), { nil: null })
const firedArb = fc
  .array(fc.constantFrom<EventType>(...eventTypes), { maxLength: 8 })
  .map((types) => types.map((type, i) => firedEvent(type, `rule-${i}`)))
const allowanceArb = fc
  .record({
    metric: fc.constantFrom(...usageMetrics),
    limit: fc.nat({ max: 12_000 }),
    used: fc.nat({ max: 15_000 }),
    resetsAt: fc.option(
      fc.date({
        min: new Date('2024-01-01T00:00:00Z'),
        max: new Date('2025-01-01T00:00:00Z'),
        noInvalidDate: true,
      }),
      { nil: null },
    ),
  })
  .map(allowanceState)
const allowancesArb = fc
  .array(allowanceArb, { maxLength: 6 })
  .map((list) => list.map((a, i) => ({ ...a, ruleId: `allowance-${i}` })))
// Perks only, and allowances mostly with something left: inputs that often end in an approval.
const perksArb = fc
  .array(fc.constantFrom<EventType>('discount', 'offer', 'allowance'), { maxLength: 4 })
  .map((types) => types.map((type, i) => firedEvent(type, `perk-${i}`)))
const roomyAllowancesArb = fc
  .array(
    fc
      .record({
        metric: fc.constantFrom(...usageMetrics),
        limit: fc.integer({ min: 1, max: 12_000 }),
        used: fc.nat({ max: 12_000 }),
      })
      .map(({ metric, limit, used }) => allowanceState({ metric, limit, used: used % (limit + 1) })),
    { maxLength: 6 },
  )
  .map((list) => list.map((a, i) => ({ ...a, ruleId: `roomy-${i}` })))
const inputArb = fc.oneof(
  fc.record({ kind: kindArb, amount: amountArb, fired: firedArb, allowances: allowancesArb }),
  fc.record({
    kind: kindArb,
    amount: fc.option(fc.nat({ max: 300 }), { nil: null }),
    fired: perksArb,
    allowances: roomyAllowancesArb,
  }),
)

// The rules as the product states them, written independently of rules/outcome.ts.
function counts(a: AllowanceState, kind: Kind): boolean {
  if (a.metric === 'amount') return true
  return (a.metric === 'purchases') === (kind === 'purchase')
}
function left(a: AllowanceState): number {
  return a.used >= a.limit ? 0 : a.limit - a.used
}
// every generated discount is 10 % off; on a purchase each is worth 10 % of the amount, rounded half-up
function tenPercentOf(amount: number): number {
  return Math.floor((amount * 10) / 100 + 0.5)
}
/** What a purchase pays: its amount less its discounts, never below 0 (they are only granted on approval). */
function payableOf(input: { kind: Kind; amount: number | null; fired: FiredEvent[] }): number | null {
  if (input.kind !== 'purchase' || input.amount === null) return input.amount
  const discounts = input.fired.filter((e) => e.type === 'discount').length
  return input.amount - Math.min(input.amount, discounts * tenPercentOf(input.amount))
}
function usedUp(a: AllowanceState, kind: Kind, amount: number | null): boolean {
  if (left(a) === 0) return true
  return a.metric === 'amount' && kind === 'purchase' && (amount ?? 0) > left(a)
}
// allowances judge the amount asked, before discounts (rules/outcome.ts says why)
function exhaustedOf(input: { kind: Kind; amount: number | null; allowances: AllowanceState[] }) {
  return input.allowances.filter((a) => counts(a, input.kind) && usedUp(a, input.kind, input.amount))
}
function expectedOutcome(input: {
  kind: Kind
  amount: number | null
  fired: FiredEvent[]
  allowances: AllowanceState[]
}): Outcome {
  const present = new Set<string>(input.fired.map((e) => e.type))
  if (exhaustedOf(input).length) present.add('limit')
  return strongestFirst.find((o) => present.has(o)) ?? 'approve'
}

describe('outcome precedence (properties)', () => {
  it('the outcome is the strongest fired outcome event, or limit when an applicable allowance is used up', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        expect(resolveOutcome(input).outcome).toBe(expectedOutcome(input))
      }),
    )
  })

  it('adding a fired event anywhere never weakens the outcome', () => {
    fc.assert(
      fc.property(inputArb, fc.constantFrom<EventType>(...eventTypes), fc.nat(), (input, type, position) => {
        const before = resolveOutcome(input).outcome
        const at = position % (input.fired.length + 1)
        const fired = [...input.fired.slice(0, at), firedEvent(type, 'added'), ...input.fired.slice(at)]
        const after = resolveOutcome({ ...input, fired }).outcome
        expect(strength(after)).toBeGreaterThanOrEqual(strength(before))
      }),
    )
  })

  it('adding an allowance never weakens the outcome', () => {
    fc.assert(
      fc.property(inputArb, allowanceArb, (input, extra) => {
        const before = resolveOutcome(input).outcome
        const after = resolveOutcome({ ...input, allowances: [...input.allowances, extra] }).outcome
        expect(strength(after)).toBeGreaterThanOrEqual(strength(before))
      }),
    )
  })

  it('the order in which rules fired does not change the outcome', () => {
    const withShuffle = inputArb.chain((input) =>
      fc
        .shuffledSubarray(input.fired, { minLength: input.fired.length, maxLength: input.fired.length })
        .map((shuffled) => ({ input, shuffled })),
    )
    fc.assert(
      fc.property(withShuffle, ({ input, shuffled }) => {
        expect(resolveOutcome({ ...input, fired: shuffled }).outcome).toBe(resolveOutcome(input).outcome)
      }),
    )
  })

  it('every fired outcome event is among the reasons, strongest first', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const r = resolveOutcome(input)
        const outcomeEvents = input.fired.filter((e) =>
          ['block', 'temporary_block', 'review', 'limit'].includes(e.type),
        )
        for (const e of outcomeEvents) expect(r.reasons.map((x) => x.rule)).toContain(e.ruleId)
        const exhaustedIds = new Set(exhaustedOf(input).map((a) => a.ruleId))
        const ranks = r.reasons.map((x) =>
          x.type === 'allowance'
            ? exhaustedIds.has(x.rule)
              ? strength('limit')
              : 0
            : strength(x.type as Outcome),
        )
        expect(ranks).toEqual([...ranks].sort((a, b) => b - a))
      }),
    )
  })

  it('discounts and offers appear only on approve, and then all of them', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const r = resolveOutcome(input)
        if (r.outcome !== 'approve') {
          expect(r.discounts).toEqual([])
          expect(r.offers).toEqual([])
          return
        }
        // a purchase lists the discounts that took something off; a session every one it was granted
        const worthSomething =
          input.kind !== 'purchase' || input.amount === null || tenPercentOf(input.amount) > 0
        expect(r.discounts.map((d) => d.rule)).toEqual(
          worthSomething ? input.fired.filter((e) => e.type === 'discount').map((e) => e.ruleId) : [],
        )
        if (r.amount) {
          expect(r.amount.payable).toBe(payableOf(input))
          expect(r.amount.requested - r.amount.discount).toBe(r.amount.payable)
          expect(r.discounts.reduce((sum, d) => sum + (d.amount_off ?? 0), 0)).toBe(r.amount.discount)
        }
        expect(r.offers.map((o) => o.rule)).toEqual(
          input.fired.filter((e) => e.type === 'offer').map((e) => e.ruleId),
        )
      }),
    )
  })
})

describe('allowance arithmetic (properties)', () => {
  it('remainingAllowance is max(0, limit - used)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 0, max: 1e9 }), (limit, used) => {
        const remaining = remainingAllowance(limit, used)
        expect(remaining).toBe(Math.max(0, limit - used))
        expect(remaining).toBeGreaterThanOrEqual(0)
        expect(remaining).toBeLessThanOrEqual(limit)
      }),
    )
  })

  it('a purchase is limited by a money allowance exactly when it does not fit whole in what is left', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 10_000 }),
        fc.nat({ max: 12_000 }),
        fc.nat({ max: 12_000 }),
        (limit, used, amount) => {
          const spend = allowanceState({ metric: 'amount', limit, used })
          const r = resolveOutcome({ kind: 'purchase', amount, fired: [], allowances: [spend] })
          const remaining = Math.max(0, limit - used)
          expect(r.outcome).toBe(amount > remaining || remaining === 0 ? 'limit' : 'approve')
          if (r.outcome === 'approve') expect(r.limits.max_amount).toBe(remaining)
        },
      ),
    )
  })

  it('at the boundary, a purchase of exactly what is left fits and one unit more does not', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.nat({ max: 10_000 }),
        fc.integer({ min: -2, max: 2 }),
        (limit, usedSeed, delta) => {
          const used = usedSeed % limit
          const remaining = limit - used
          const amount = Math.max(0, remaining + delta)
          const spend = allowanceState({ metric: 'amount', limit, used })
          const r = resolveOutcome({ kind: 'purchase', amount, fired: [], allowances: [spend] })
          expect(r.outcome).toBe(amount > remaining ? 'limit' : 'approve')
        },
      ),
    )
  })

  it('allowances that do not count this kind of request change nothing', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const applicable = input.allowances.filter((a) => counts(a, input.kind))
        expect(resolveOutcome(input)).toEqual(resolveOutcome({ ...input, allowances: applicable }))
      }),
    )
  })

  it('an approval carries the least money left as max_amount and the least minutes left as seconds', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const r = resolveOutcome(input)
        if (r.outcome !== 'approve') {
          expect(r.limits.max_amount).toBeNull()
          expect(r.limits.max_duration_seconds).toBeNull()
          return
        }
        const applicable = input.allowances.filter((a) => counts(a, input.kind))
        const money = applicable.filter((a) => a.metric === 'amount').map(left)
        const minutes = applicable.filter((a) => a.metric === 'minutes').map(left)
        expect(r.limits.max_amount).toBe(money.length ? Math.min(...money) : null)
        expect(r.limits.max_duration_seconds).toBe(minutes.length ? Math.min(...minutes) * 60 : null)
        if (input.kind === 'purchase') expect(r.limits.max_duration_seconds).toBeNull()
      }),
    )
  })

  it('a limit resets at the latest reset among the exhausted allowances', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const r = resolveOutcome(input)
        const resets = exhaustedOf(input)
          .map((a) => a.resetsAt)
          .filter((d): d is Date => d !== null)
          .map((d) => d.getTime())
        const expected =
          r.outcome === 'limit' && resets.length ? new Date(Math.max(...resets)).toISOString() : null
        expect(r.limits.resets_at).toBe(expected)
      }),
    )
  })
})

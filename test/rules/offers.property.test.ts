// Properties of the offers' pure core: the presentation's precedence (each choice from the first
// rule, by priority then rule order, that makes it), and the take rate staying a probability that
// grows with acceptances.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { presentationOf, propensity } from '../../rules/offers.ts'

const treatmentArb = fc.record({
  priority: fc.integer({ min: 1, max: 100 }),
  style: fc.option(fc.constantFrom('concise', 'detailed'), { nil: undefined }),
  pace: fc.option(fc.constantFrom('slow', 'normal', 'fast'), { nil: undefined }),
  segment: fc.option(fc.constantFrom('senior', 'young_adult', 'family'), { nil: undefined }),
})

describe('presentation precedence (properties)', () => {
  it('takes each choice from the highest-priority, then earliest, rule that makes it', () => {
    fc.assert(
      fc.property(fc.array(treatmentArb, { maxLength: 8 }), (treatments) => {
        const fired = treatments
          .filter((t) => t.style || t.pace || t.segment)
          .map((t, i) => ({
            ruleId: `r${i}`,
            ruleName: `r${i}`,
            type: 'treatment' as const,
            priority: t.priority,
            params: {
              message: `r${i}`,
              ...(t.style ? { style: t.style } : {}),
              ...(t.pace ? { pace: t.pace } : {}),
              ...(t.segment ? { segment: t.segment } : {}),
            },
          }))
        const chosen = presentationOf(fired)
        const ordered = [...fired].sort(
          (a, b) => b.priority - a.priority || fired.indexOf(a) - fired.indexOf(b),
        )
        const first = (key: 'style' | 'pace' | 'segment') => ordered.find((f) => key in f.params)
        expect(chosen.style).toBe(first('style')?.params.style ?? null)
        expect(chosen.pace).toBe(first('pace')?.params.pace ?? null)
        expect(chosen.segment).toBe(first('segment')?.params.segment ?? '*')
        // the rules named are exactly those that made a choice, in precedence order
        const makers = new Set(
          (['style', 'pace', 'segment'] as const).flatMap((k) => {
            const f = first(k)
            return f ? [f.ruleId] : []
          }),
        )
        expect(chosen.rules).toEqual(ordered.filter((f) => makers.has(f.ruleId)).map((f) => f.ruleId))
      }),
    )
  })
})

describe('propensity (properties)', () => {
  it('is a probability, and one more acceptance never lowers it', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10_000 }), fc.nat({ max: 10_000 }), (presented, accepted) => {
        const taken = Math.min(accepted, presented)
        const p = propensity({ presented, accepted: taken })
        expect(p).toBeGreaterThan(0)
        expect(p).toBeLessThanOrEqual(1)
        if (taken < presented) expect(propensity({ presented, accepted: taken + 1 })).toBeGreaterThan(p)
      }),
    )
  })
})

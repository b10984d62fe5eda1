// Erlang C, checked against textbook values and an independent statement of the formula (the
// factorial sums, fine for small N), and for the properties a caller relies on: probabilities stay
// in [0, 1], more agents never make the wait longer, more load never makes it shorter.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  agentUnits,
  averageWaitSeconds,
  estimateWaitSeconds,
  expectedWaitAtPosition,
  offeredLoad,
  probabilityOfWaiting,
} from '../../server/acd/erlang-c.ts'

/** Erlang C as textbooks write it: (Aᴺ/N! · N/(N−A)) / (Σₖ₌₀ᴺ⁻¹ Aᵏ/k! + Aᴺ/N! · N/(N−A)). */
function textbookErlangC(n: number, a: number): number {
  let term = 1
  let sum = 0
  for (let k = 0; k < n; k++) {
    sum += term
    term = (term * a) / (k + 1)
  }
  const top = (term * n) / (n - a)
  return top / (sum + top)
}

const agentsArb = fc.integer({ min: 1, max: 200 })
const loadArb = fc.double({ min: 0, max: 250, noNaN: true })

describe('Erlang C: textbook values', () => {
  it('100 calls in 30 minutes, 3-minute handle time, 11 agents: P(wait) 68.21 %, average wait 122.8 s', () => {
    const traffic = { arrivalsPerHour: 200, handleSeconds: 180, agents: 11 }
    expect(offeredLoad(traffic)).toBeCloseTo(10, 10)
    expect(probabilityOfWaiting(11, 10)).toBeCloseTo(0.6821, 4)
    expect(averageWaitSeconds(traffic)).toBeCloseTo(122.8, 1)
  })

  it('small exact cases: C(3, 2) = 4/9, C(2, 1) = 1/3, and M/M/1 waits with probability ρ', () => {
    expect(probabilityOfWaiting(3, 2)).toBeCloseTo(4 / 9, 12)
    expect(probabilityOfWaiting(2, 1)).toBeCloseTo(1 / 3, 12)
    expect(probabilityOfWaiting(1, 0.75)).toBeCloseTo(0.75, 12)
  })

  it('edges: no agents or an overloaded queue — everyone waits; no load — nobody does', () => {
    expect(probabilityOfWaiting(0, 1)).toBe(1)
    expect(probabilityOfWaiting(5, 5)).toBe(1)
    expect(probabilityOfWaiting(5, 9)).toBe(1)
    expect(probabilityOfWaiting(5, 0)).toBe(0)
    expect(averageWaitSeconds({ arrivalsPerHour: 100, handleSeconds: 600, agents: 5 })).toBe(
      Number.POSITIVE_INFINITY,
    )
    expect(expectedWaitAtPosition(3, { handleSeconds: 600, agents: 0 })).toBeNull()
    expect(estimateWaitSeconds(1, { handleSeconds: 600, agents: 0 })).toBeNull()
  })

  it('agent units: a dual call takes a pair, a triple call three', () => {
    expect(agentUnits(7, 1)).toBe(7)
    expect(agentUnits(7, 2)).toBe(3)
    expect(agentUnits(7, 3)).toBe(2)
    expect(agentUnits(1, 2)).toBe(0)
  })
})

describe('Erlang C: properties', () => {
  it('agrees with the factorial formula wherever that one is exact enough (N ≤ 30)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        (n, utilisation) => {
          const a = n * utilisation
          expect(probabilityOfWaiting(n, a)).toBeCloseTo(textbookErlangC(n, a), 9)
        },
      ),
    )
  })

  it('is a probability, and stays finite for large N', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5000 }),
        fc.double({ min: 0, max: 6000, noNaN: true }),
        (n, a) => {
          const p = probabilityOfWaiting(n, a)
          expect(Number.isFinite(p)).toBe(true)
          expect(p).toBeGreaterThanOrEqual(0)
          expect(p).toBeLessThanOrEqual(1)
        },
      ),
    )
  })

  it('never rises with more agents, never falls with more load', () => {
    fc.assert(
      fc.property(
        agentsArb,
        loadArb,
        fc.integer({ min: 1, max: 20 }),
        fc.double({ min: 0, max: 50, noNaN: true }),
        (n, a, more, extra) => {
          const p = probabilityOfWaiting(n, a)
          expect(probabilityOfWaiting(n + more, a)).toBeLessThanOrEqual(p + 1e-12)
          expect(probabilityOfWaiting(n, a + extra)).toBeGreaterThanOrEqual(p - 1e-12)
        },
      ),
    )
  })

  it('the average wait of a new caller shrinks with agents and grows with arrivals', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.double({ min: 0.1, max: 500, noNaN: true }),
        fc.integer({ min: 1, max: 3600 }),
        (agents, arrivalsPerHour, handleSeconds) => {
          const base = { arrivalsPerHour, handleSeconds, agents }
          const wait = averageWaitSeconds(base)
          expect(wait).toBeGreaterThanOrEqual(0)
          expect(averageWaitSeconds({ ...base, agents: agents + 1 })).toBeLessThanOrEqual(wait)
          expect(
            averageWaitSeconds({ ...base, arrivalsPerHour: arrivalsPerHour * 1.5 }),
          ).toBeGreaterThanOrEqual(wait)
        },
      ),
    )
  })

  it('the wait at a position grows with the position and the handle time, shrinks with agents', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 1, max: 3600 }),
        fc.integer({ min: 1, max: 100 }),
        (position, handleSeconds, agents) => {
          const wait = estimateWaitSeconds(position, { handleSeconds, agents }) ?? Number.NaN
          expect(wait).toBeGreaterThan(0)
          expect(estimateWaitSeconds(position + 1, { handleSeconds, agents })).toBeGreaterThanOrEqual(wait)
          expect(
            estimateWaitSeconds(position, { handleSeconds: handleSeconds + 1, agents }),
          ).toBeGreaterThanOrEqual(wait)
          expect(estimateWaitSeconds(position, { handleSeconds, agents: agents + 1 })).toBeLessThanOrEqual(
            wait,
          )
          expect(Number.isInteger(wait)).toBe(true)
        },
      ),
    )
  })
})

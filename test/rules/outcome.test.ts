// Outcome resolution by example: precedence, allowance arithmetic and what an approval carries.
import { describe, expect, it } from 'vitest'
import {
  allowanceApplies,
  allowanceExhausted,
  remainingAllowance,
  resolveOutcome,
  strongerOutcome,
} from '../../rules/outcome.ts'
import { allowanceState, firedEvent } from './support.ts'

describe('outcome precedence', () => {
  it('orders block > temporary_block > review > limit > approve', () => {
    const ascending = ['approve', 'limit', 'review', 'temporary_block', 'block'] as const
    for (const [i, weaker] of ascending.entries())
      for (const stronger of ascending.slice(i)) {
        expect(strongerOutcome(weaker, stronger)).toBe(stronger)
        expect(strongerOutcome(stronger, weaker)).toBe(stronger)
      }
  })

  it('approves when nothing fired', () => {
    const r = resolveOutcome({ kind: 'purchase', amount: 100, fired: [], allowances: [] })
    expect(r.outcome).toBe('approve')
    expect(r.reasons).toEqual([])
    expect(r.limits).toEqual({ max_amount: null, max_duration_seconds: null, resets_at: null })
  })

  it('a block beats a review and a temporary block, and lists the strongest reason first', () => {
    const r = resolveOutcome({
      kind: 'purchase',
      amount: 100,
      fired: [firedEvent('review', 'r1'), firedEvent('block', 'b1'), firedEvent('temporary_block', 't1')],
      allowances: [],
    })
    expect(r.outcome).toBe('block')
    expect(r.reasons.map((x) => x.rule)).toEqual(['b1', 't1', 'r1'])
    expect(r.retry_after_seconds).toBeNull()
  })

  it('a temporary block carries the longest retry_after_seconds', () => {
    const short = firedEvent('temporary_block', 'short')
    const long = {
      ...firedEvent('temporary_block', 'long'),
      params: { ...short.params, retry_after_seconds: 600 },
    }
    const r = resolveOutcome({ kind: 'session', amount: null, fired: [short, long], allowances: [] })
    expect(r.outcome).toBe('temporary_block')
    expect(r.retry_after_seconds).toBe(600)
  })

  it('discounts and offers are dropped unless the outcome is approve', () => {
    const perks = [firedEvent('discount', 'd1'), firedEvent('offer', 'o1')]
    const approved = resolveOutcome({ kind: 'purchase', amount: 100, fired: perks, allowances: [] })
    expect(approved.outcome).toBe('approve')
    expect(approved.discounts).toEqual([
      { rule: 'd1', code: 'd1-code', percent_off: 10, amount_off: null, message: 'ten off' },
    ])
    expect(approved.offers).toEqual([
      { rule: 'o1', sku: 'o1-offer', tag: null, weight: 1, message: 'try this' },
    ])
    const reviewed = resolveOutcome({
      kind: 'purchase',
      amount: 100,
      fired: [...perks, firedEvent('review')],
      allowances: [],
    })
    expect(reviewed.outcome).toBe('review')
    expect(reviewed.discounts).toEqual([])
    expect(reviewed.offers).toEqual([])
  })
})

describe('allowance arithmetic', () => {
  it('remaining is what is left of the limit, never below zero', () => {
    expect(remainingAllowance(40, 25)).toBe(15)
    expect(remainingAllowance(40, 40)).toBe(0)
    expect(remainingAllowance(40, 55)).toBe(0)
  })

  it('sessions and minutes count sessions, purchases count purchases, money counts both', () => {
    expect(allowanceApplies('sessions', 'session')).toBe(true)
    expect(allowanceApplies('sessions', 'purchase')).toBe(false)
    expect(allowanceApplies('minutes', 'session')).toBe(true)
    expect(allowanceApplies('minutes', 'purchase')).toBe(false)
    expect(allowanceApplies('purchases', 'purchase')).toBe(true)
    expect(allowanceApplies('purchases', 'session')).toBe(false)
    expect(allowanceApplies('amount', 'purchase')).toBe(true)
    expect(allowanceApplies('amount', 'session')).toBe(true)
  })

  it('a purchase must fit whole in what is left of a money allowance', () => {
    const spend = { metric: 'amount' as const, limit: 10_000, used: 7_500 }
    expect(allowanceExhausted(spend, 'purchase', 2_500)).toBe(false)
    expect(allowanceExhausted(spend, 'purchase', 2_501)).toBe(true)
    expect(allowanceExhausted({ ...spend, used: 10_000 }, 'purchase', 0)).toBe(true)
    // a session is let in on whatever money is left; its duration is capped instead
    expect(allowanceExhausted(spend, 'session', 9_999)).toBe(false)
  })

  it('a purchase over the money left is limited, one that fits is approved with max_amount', () => {
    const spend = allowanceState({ metric: 'amount', limit: 10_000, used: 7_500 })
    const over = resolveOutcome({ kind: 'purchase', amount: 2_600, fired: [], allowances: [spend] })
    expect(over.outcome).toBe('limit')
    expect(over.limits.max_amount).toBeNull()
    expect(over.limits.resets_at).toBe('2024-03-11T04:00:00.000Z')
    expect(over.reasons).toEqual([
      {
        rule: 'amount-allowance',
        type: 'allowance',
        message: 'amount allowance, counted against the customer',
        subject: { kind: 'customer', label: 'the customer' },
        remaining: 2_500,
        resets_at: '2024-03-11T04:00:00.000Z',
      },
    ])
    const fits = resolveOutcome({ kind: 'purchase', amount: 2_500, fired: [], allowances: [spend] })
    expect(fits.outcome).toBe('approve')
    expect(fits.limits).toEqual({ max_amount: 2_500, max_duration_seconds: null, resets_at: null })
    expect(fits.reasons[0]).not.toHaveProperty('resets_at')
  })

  it('an exhausted sessions allowance does not limit a purchase', () => {
    const sessions = allowanceState({ metric: 'sessions', limit: 2, used: 2 })
    expect(resolveOutcome({ kind: 'purchase', amount: 1, fired: [], allowances: [sessions] }).outcome).toBe(
      'approve',
    )
    expect(resolveOutcome({ kind: 'session', amount: 1, fired: [], allowances: [sessions] }).outcome).toBe(
      'limit',
    )
  })

  it('a session is approved for the least minutes left, in seconds, and the least money left', () => {
    const r = resolveOutcome({
      kind: 'session',
      amount: 5_000,
      fired: [],
      allowances: [
        allowanceState({ metric: 'minutes', window: 'day', limit: 40, used: 25 }),
        allowanceState({ metric: 'minutes', window: 'week', limit: 50, used: 38 }),
        allowanceState({ metric: 'minutes', window: 'month', limit: 85, used: 60 }),
        allowanceState({ metric: 'amount', window: 'month', limit: 10_000, used: 6_000 }),
        allowanceState({ metric: 'amount', window: 'week', limit: 5_000, used: 1_000 }),
        allowanceState({ metric: 'sessions', limit: 2, used: 1 }),
      ],
    })
    expect(r.outcome).toBe('approve')
    expect(r.limits).toEqual({ max_amount: 4_000, max_duration_seconds: 12 * 60, resets_at: null })
  })

  it('a limit resets when the last exhausted allowance does', () => {
    const day = allowanceState({
      metric: 'sessions',
      limit: 2,
      used: 2,
      resetsAt: new Date('2024-03-11T04:00:00Z'),
    })
    const month = allowanceState({
      metric: 'minutes',
      window: 'month',
      limit: 85,
      used: 90,
      resetsAt: new Date('2024-04-01T04:00:00Z'),
    })
    const notExhausted = allowanceState({
      metric: 'amount',
      window: 'month',
      limit: 10_000,
      used: 0,
      resetsAt: new Date('2030-01-01T00:00:00Z'),
    })
    const r = resolveOutcome({
      kind: 'session',
      amount: 0,
      fired: [],
      allowances: [day, notExhausted, month],
    })
    expect(r.outcome).toBe('limit')
    expect(r.limits.resets_at).toBe('2024-04-01T04:00:00.000Z')
    expect(r.limits.max_duration_seconds).toBeNull()
  })

  it('a block keeps no resets_at even when an allowance is exhausted', () => {
    const r = resolveOutcome({
      kind: 'session',
      amount: 0,
      fired: [firedEvent('block')],
      allowances: [allowanceState({ metric: 'sessions', limit: 2, used: 2 })],
    })
    expect(r.outcome).toBe('block')
    expect(r.limits.resets_at).toBeNull()
    expect(r.reasons.map((x) => x.type)).toEqual(['block', 'allowance'])
  })
})

// How the money pages say things: payment states, gateway calls, settlement, the ledger check in a
// sentence, clocks, and where legs and the billing window sit on a session's timeline.
import { describe, expect, it } from 'vitest'
import {
  accountLabel,
  checkInWords,
  clock,
  declineInWords,
  paymentStatusLabel,
  settlementInWords,
} from '../../console/src/pages/payments/words.ts'
import type { SessionLeg } from '../../console/src/pages/sessions/api.ts'
import { timelineOf } from '../../console/src/pages/sessions/timeline.ts'

describe('money in words', () => {
  it('names states, declines, settlements and accounts as staff say them', () => {
    expect(paymentStatusLabel('voided')).toBe('Released')
    expect(paymentStatusLabel('unknown')).toBe('Answer not yet known')
    expect(paymentStatusLabel('something_new')).toBe('something_new')
    expect(declineInWords('incorrect_zip')).toBe('the postal code did not match')
    expect(declineInWords('a_new_code')).toBe('a new code')
    expect(declineInWords(null)).toBeNull()
    expect(settlementInWords('credit_difference')).toBe(
      'The whole hold was captured and the difference credited back',
    )
    expect(accountLabel('representative_pay_payable')).toBe('Owed to representatives')
    expect(accountLabel('gateway_receivable')).toBe('Owed to us by the gateway')
    expect(accountLabel('revenue:sessions')).toBe('Revenue sessions')
  })

  it('writes spans as clocks', () => {
    expect(clock(0)).toBe('0:00')
    expect(clock(65)).toBe('1:05')
    expect(clock(3725)).toBe('1:02:05')
    expect(clock(-3)).toBe('0:00')
  })

  it('says the check in one sentence: balanced, empty, or how many transactions are off and where', () => {
    const usd = { currency: 'USD', difference: 0, transactions: 3 }
    expect(checkInWords({ balanced: true, unbalanced_count: 0, currencies: [usd] })).toBe(
      'Debits equal credits in every currency, across 3 transactions.',
    )
    expect(checkInWords({ balanced: true, unbalanced_count: 0, currencies: [] })).toBe(
      'Nothing has been written yet.',
    )
    expect(
      checkInWords({
        balanced: false,
        unbalanced_count: 2,
        currencies: [usd, { currency: 'JPY', difference: -200, transactions: 1 }],
      }),
    ).toBe('2 transactions do not balance. Totals are off in JPY.')
    // two errors that cancel out leave the totals even: still off, and said so
    expect(checkInWords({ balanced: false, unbalanced_count: 2, currencies: [usd] })).toBe(
      '2 transactions do not balance.',
    )
  })
})

describe('timelineOf', () => {
  const t0 = Date.parse('2026-12-05T10:00:00Z')
  const iso = (seconds: number) => new Date(t0 + seconds * 1000).toISOString()
  const leg = (party: string, from: number, to: number | null): SessionLeg => ({
    id: `leg-${party}-${from}`,
    party,
    representative: party === 'representative' ? { id: 'rep', name: 'Rep' } : null,
    connected_at: iso(from),
    disconnected_at: to === null ? null : iso(to),
    seconds: (to ?? 0) - from,
    billed_overlap_seconds: 0,
    offset_seconds: from,
  })

  it('places legs and the billing window as shares of the session from start to end', () => {
    const timeline = timelineOf(
      {
        session: {
          started_at: iso(0),
          ended_at: iso(200),
          billing_started_at: iso(20),
          billing_ended_at: iso(150),
        } as never,
        legs: [leg('customer', 0, 200), leg('representative', 20, 100), leg('representative', 50, 150)],
      },
      t0 + 999_000,
    )
    expect(timeline.axisSeconds).toBe(200)
    expect(timeline.legs.map((r) => [r.left, r.width, r.end])).toEqual([
      [0, 100, 200],
      [10, 40, 100],
      [25, 50, 150],
    ])
    expect(timeline.window).toEqual({ left: 10, width: 65 })
    expect(timeline.windowSeconds).toBe(130)
  })

  it('runs a live session and its open legs and window to now', () => {
    const timeline = timelineOf(
      {
        session: {
          started_at: iso(0),
          ended_at: null,
          billing_started_at: iso(30),
          billing_ended_at: null,
        } as never,
        legs: [leg('representative', 30, null)],
      },
      t0 + 120_000,
    )
    expect(timeline.axisSeconds).toBe(120)
    expect(timeline.legs[0]).toMatchObject({ left: 25, width: 75, end: 120 })
    expect(timeline.window).toEqual({ left: 25, width: 75 })
    expect(timeline.windowSeconds).toBe(90)
  })

  it('has no window before anyone connects', () => {
    const timeline = timelineOf(
      {
        session: {
          started_at: iso(0),
          ended_at: null,
          billing_started_at: null,
          billing_ended_at: null,
        } as never,
        legs: [],
      },
      t0 + 10_000,
    )
    expect(timeline.window).toBeNull()
    expect(timeline.windowSeconds).toBeNull()
  })
})

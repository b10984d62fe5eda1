// The billing window: from the first representative's connect to the last one's disconnect (or the
// customer's own leg in a chat room), whole seconds, never more than the grant.
import { describe, expect, it } from 'vitest'
import { billedSecondsOf, billingWindow } from '../../server/sessions/billing-window.ts'

const t0 = Date.parse('2026-12-05T10:00:00Z')
const at = (seconds: number) => new Date(t0 + seconds * 1000)
const rep = (from: number, to: number | null) => ({
  party: 'representative',
  connected_at: at(from),
  disconnected_at: to === null ? null : at(to),
})
const customer = (from: number, to: number | null) => ({ ...rep(from, to), party: 'customer' })

describe('billing window', () => {
  it('one representative: billed from connect to disconnect', () => {
    const window = billingWindow('conference', [customer(0, 400), rep(30, 330)], at(400))
    expect(window).toEqual({ start: at(30), end: at(330) })
    expect(billedSecondsOf(window, null)).toBe(300)
  })

  it('two overlapping representatives: from the first connect to the last disconnect', () => {
    const legs = [customer(0, 1000), rep(60, 300), rep(200, 700)]
    expect(billingWindow('conference', legs, at(1000))).toEqual({ start: at(60), end: at(700) })
  })

  it('three representatives, the first to connect is not the last to leave', () => {
    const legs = [rep(100, 900), rep(50, 400), rep(300, 600)]
    const window = billingWindow('conference', legs, at(1000))
    expect(window).toEqual({ start: at(50), end: at(900) })
    expect(billedSecondsOf(window, null)).toBe(850)
  })

  it('a gap between representatives is inside the window (the caller is held for the next one)', () => {
    expect(billingWindow('conference', [rep(0, 60), rep(120, 180)], at(200))).toEqual({
      start: at(0),
      end: at(180),
    })
  })

  it('a leg still open when the session ends closes at the end', () => {
    expect(billingWindow('conference', [rep(10, null)], at(70))).toEqual({ start: at(10), end: at(70) })
  })

  it('nobody connected: no window and nothing billed', () => {
    expect(billingWindow('conference', [customer(0, 100)], at(100))).toBeNull()
    expect(billedSecondsOf(null, 600)).toBe(0)
  })

  it('a chat room bills the customer’s own leg', () => {
    const legs = [customer(5, 65), rep(0, 200)]
    expect(billingWindow('chat_room', legs, at(200))).toEqual({ start: at(5), end: at(65) })
  })

  it('a begun second is billed, and never more than the grant', () => {
    const window = { start: at(0), end: new Date(t0 + 61_200) }
    expect(billedSecondsOf(window, null)).toBe(62)
    expect(billedSecondsOf(window, 60)).toBe(60)
  })
})

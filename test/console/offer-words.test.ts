// The offers pages' words for staff: stock as what is available and why, and a contact policy as
// one sentence.
import { describe, expect, it } from 'vitest'
import {
  channelList,
  contactPolicyText,
  segmentLabel,
  stockText,
} from '../../console/src/pages/offers/words.ts'

describe('offer words', () => {
  it('says what stock is available and what open offers hold', () => {
    expect(
      stockText({ stock_mode: 'tracked', stock_on_hand: 15, stock_reserved: 3, stock_available: 12 }),
    ).toBe('12 available (15 on hand, 3 held by open offers)')
    expect(
      stockText({ stock_mode: 'tracked', stock_on_hand: 5, stock_reserved: 0, stock_available: 5 }),
    ).toBe('5 available (5 on hand)')
    expect(
      stockText({ stock_mode: 'unlimited', stock_on_hand: 0, stock_reserved: 0, stock_available: null }),
    ).toBe('Not limited')
  })

  it('puts a contact policy in a sentence', () => {
    expect(contactPolicyText({ max_offers_per_customer: 2, window_days: 7, decline_cooldown_days: 3 })).toBe(
      'At most 2 per customer in 7 days · not again for 3 days after a no',
    )
    expect(
      contactPolicyText({ max_offers_per_customer: null, window_days: null, decline_cooldown_days: 1 }),
    ).toBe('Not again for 1 day after a no')
    expect(
      contactPolicyText({ max_offers_per_customer: null, window_days: null, decline_cooldown_days: null }),
    ).toBe('No limit')
  })

  it('names channels and segments in plain words', () => {
    expect(channelList(['web', 'call_out'])).toBe('Web, Call-out campaigns')
    expect(segmentLabel('*')).toBe('Everyone')
    expect(segmentLabel('young_adult')).toBe('young adult')
  })
})

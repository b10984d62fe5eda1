// How the review desk tells a reviewer, before resolving, what the resolution will put on which list.
import { describe, expect, it } from 'vitest'
import type { ResolutionListing } from '../../console/src/pages/reviews/api.ts'
import { listInWords, listingInWords } from '../../console/src/pages/reviews/words.ts'

const blocked: ResolutionListing = {
  list: { id: 'negative', name: 'Blocked', kind: 'negative' },
  adds: [
    { subject: 'phone', value: '+15555550100', label: '+15555550100' },
    { subject: 'card', value: 'pmf_x', label: 'Visa card ending 4242' },
    { subject: 'email', value: 'ann@example.com', label: 'ann@example.com' },
  ],
  already_listed: [],
  contributes_shared: false,
}

describe('listInWords', () => {
  it('names a list by kind and name, without saying “list” twice', () => {
    expect(listInWords({ name: 'Blocked', kind: 'negative' })).toBe('the negative list ‘Blocked’')
    expect(listInWords({ name: 'Positive list', kind: 'positive' })).toBe('the Positive list')
    expect(listInWords({ name: 'VIP list', kind: 'positive' })).toBe('the VIP list (positive)')
  })
})

describe('listingInWords', () => {
  it('names each identifier by kind and the list by kind and name', () => {
    expect(listingInWords('block', blocked)).toBe(
      'Block will add phone +15555550100, Visa card ending 4242 and e-mail ann@example.com to the negative list ‘Blocked’.',
    )
  })

  it('says what is on the list already and when the shared list gets them too', () => {
    const text = listingInWords('block', {
      ...blocked,
      adds: blocked.adds.slice(0, 1),
      already_listed: [{ subject: 'device', value: 'd-1', label: 'd-1' }],
      contributes_shared: true,
    })
    expect(text).toBe(
      'Block will add phone +15555550100 to the negative list ‘Blocked’. Already on it: device d-1. They will also be shared with the shared negative list.',
    )
  })

  it('says when nothing would be added', () => {
    const positive = { ...blocked, list: { id: 'positive', name: 'Positive', kind: 'positive' }, adds: [] }
    expect(listingInWords('approve_with_limit', positive)).toBe(
      'Approve with a limit will add nothing to the positive list ‘Positive’.',
    )
  })
})

// The console's pure helpers: an even time axis for the dashboard, and money and cards as staff see them.
import { describe, expect, it } from 'vitest'
import { maskedCard } from '../../console/src/lib/format.ts'
import { fillBuckets, type Stats } from '../../console/src/pages/dashboard/api.ts'

const zero = { approve: 0, limit: 0, temporary_block: 0, block: 0, review: 0 }

describe('fillBuckets', () => {
  it('fills every hour of the range with zeros around the hours the server sent', () => {
    const buckets: Stats['buckets'] = [{ ...zero, start: '2026-11-23T03:00:00.000Z', approve: 2 }]
    const filled = fillBuckets(buckets, {
      from: '2026-11-23T00:30:00.000Z',
      to: '2026-11-23T05:10:00.000Z',
      bucket: 'hour',
    })
    expect(filled.map((b) => b.start.slice(11, 16))).toEqual([
      '00:00',
      '01:00',
      '02:00',
      '03:00',
      '04:00',
      '05:00',
    ])
    expect(filled.map((b) => b.approve)).toEqual([0, 0, 0, 2, 0, 0])
  })

  it('keeps days aligned to the server’s own day starts (its time zone, not the browser’s)', () => {
    const buckets: Stats['buckets'] = [{ ...zero, start: '2026-11-20T05:00:00.000Z', block: 1 }]
    const filled = fillBuckets(buckets, {
      from: '2026-11-18T12:00:00.000Z',
      to: '2026-11-21T12:00:00.000Z',
      bucket: 'day',
    })
    expect(filled.map((b) => b.start)).toEqual([
      '2026-11-18T05:00:00.000Z',
      '2026-11-19T05:00:00.000Z',
      '2026-11-20T05:00:00.000Z',
      '2026-11-21T05:00:00.000Z',
    ])
  })

  it('leaves an empty range empty, for the empty state', () => {
    expect(
      fillBuckets([], { from: '2026-11-18T00:00:00Z', to: '2026-11-19T00:00:00Z', bucket: 'hour' }),
    ).toEqual([])
  })
})

describe('maskedCard', () => {
  it('shows only the brand and the last four', () => {
    expect(maskedCard({ brand: 'visa', last4: '4242' })).toBe('Visa •••• 4242')
    expect(maskedCard(null)).toBe('—')
  })
})

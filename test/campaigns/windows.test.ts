// Calling windows on the customer's own clock: weekdays and hours in their zone, across daylight
// saving changes and the date line.
import { describe, expect, it } from 'vitest'
import { type CallingWindow, callingWindowSchema, isOpen } from '../../server/campaigns/windows.ts'

const weekdaysNineToEight: CallingWindow[] = [
  { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '20:00' },
]

describe('calling windows', () => {
  it('opens by the customer’s local weekday and time, to exclusive', () => {
    // Monday 7 December 2026
    expect(isOpen(weekdaysNineToEight, 'America/New_York', new Date('2026-12-07T14:00:00Z'))).toBe(true) // 09:00
    expect(isOpen(weekdaysNineToEight, 'America/New_York', new Date('2026-12-07T13:59:00Z'))).toBe(false) // 08:59
    expect(isOpen(weekdaysNineToEight, 'America/New_York', new Date('2026-12-08T01:00:00Z'))).toBe(false) // 20:00
    expect(isOpen(weekdaysNineToEight, 'America/New_York', new Date('2026-12-08T00:59:00Z'))).toBe(true) // 19:59
    // the same instant is Tuesday 04:00 in Tokyo and Monday 11:00 in Los Angeles
    expect(isOpen(weekdaysNineToEight, 'Asia/Tokyo', new Date('2026-12-07T19:00:00Z'))).toBe(false)
    expect(isOpen(weekdaysNineToEight, 'America/Los_Angeles', new Date('2026-12-07T19:00:00Z'))).toBe(true)
    // Saturday 10:00 in Paris
    expect(isOpen(weekdaysNineToEight, 'Europe/Paris', new Date('2026-12-12T09:00:00Z'))).toBe(false)
    expect(
      isOpen(
        [{ days: ['sat'], from: '10:00', to: '12:00' }],
        'Europe/Paris',
        new Date('2026-12-12T09:00:00Z'),
      ),
    ).toBe(true)
  })

  it('follows daylight saving time', () => {
    // 13:30 UTC is 09:30 in New York in summer (EDT), 08:30 in winter (EST)
    expect(isOpen(weekdaysNineToEight, 'America/New_York', new Date('2026-07-06T13:30:00Z'))).toBe(true)
    expect(isOpen(weekdaysNineToEight, 'America/New_York', new Date('2026-12-07T13:30:00Z'))).toBe(false)
  })

  it('is always open without windows, and never for a zone that does not exist', () => {
    expect(isOpen([], 'UTC', new Date())).toBe(true)
    expect(isOpen(weekdaysNineToEight, 'Mars/Olympus', new Date('2026-12-07T14:00:00Z'))).toBe(false)
  })

  it('refuses a window that ends before it starts or a time that is not HH:MM', () => {
    expect(callingWindowSchema.safeParse({ days: ['mon'], from: '20:00', to: '09:00' }).success).toBe(false)
    expect(callingWindowSchema.safeParse({ days: ['mon'], from: '9:00', to: '17:00' }).success).toBe(false)
    expect(callingWindowSchema.safeParse({ days: [], from: '09:00', to: '17:00' }).success).toBe(false)
    expect(callingWindowSchema.safeParse({ days: ['mon'], from: '00:00', to: '24:00' }).success).toBe(true)
  })
})

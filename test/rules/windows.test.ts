// Usage windows: calendar day, week (from Monday) and month in the tenant's zone, across DST changes,
// and rolling hours. Properties are checked against Intl, independently of luxon.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { localClock, resolveWindow, windowKey } from '../../rules/windows.ts'

const newYork = 'America/New_York'
const at = (iso: string) => new Date(iso)
const range = (window: 'day' | 'week' | 'month', now: string, zone = newYork) => {
  const r = resolveWindow({ window }, at(now), zone)
  return { start: r.start.toISOString(), end: r.end.toISOString(), rolling: r.rolling }
}
const HOUR = 3_600_000

describe('calendar windows in America/New_York', () => {
  it('a day runs from local midnight to the next local midnight', () => {
    // 2024-01-15 10:00 EST
    expect(range('day', '2024-01-15T15:00:00Z')).toEqual({
      start: '2024-01-15T05:00:00.000Z',
      end: '2024-01-16T05:00:00.000Z',
      rolling: false,
    })
  })

  it('late evening local time is still the local day, though it is tomorrow in UTC', () => {
    // 2024-01-15 23:30 EST = 2024-01-16 04:30 UTC
    expect(range('day', '2024-01-16T04:30:00Z').start).toBe('2024-01-15T05:00:00.000Z')
    // one minute past local midnight starts the next day
    expect(range('day', '2024-01-16T05:01:00Z').start).toBe('2024-01-16T05:00:00.000Z')
  })

  it('the day clocks spring forward is 23 hours long', () => {
    const r = resolveWindow({ window: 'day' }, at('2024-03-10T15:00:00Z'), newYork)
    expect(r.start.toISOString()).toBe('2024-03-10T05:00:00.000Z')
    expect(r.end.toISOString()).toBe('2024-03-11T04:00:00.000Z')
    expect(r.end.getTime() - r.start.getTime()).toBe(23 * HOUR)
  })

  it('the day clocks fall back is 25 hours long', () => {
    const r = resolveWindow({ window: 'day' }, at('2024-11-03T12:00:00Z'), newYork)
    expect(r.start.toISOString()).toBe('2024-11-03T04:00:00.000Z')
    expect(r.end.toISOString()).toBe('2024-11-04T05:00:00.000Z')
    expect(r.end.getTime() - r.start.getTime()).toBe(25 * HOUR)
  })

  it('a week runs Monday to Monday, across the DST change', () => {
    // Sunday 2024-03-10, 11:00 EDT: the week began Monday 2024-03-04 in EST
    expect(range('week', '2024-03-10T15:00:00Z')).toEqual({
      start: '2024-03-04T05:00:00.000Z',
      end: '2024-03-11T04:00:00.000Z',
      rolling: false,
    })
    // Monday 00:30 EDT is already the next week
    expect(range('week', '2024-03-11T04:30:00Z').start).toBe('2024-03-11T04:00:00.000Z')
    // Sunday 23:59 EST on 2024-01-14 is still the week of Monday 2024-01-08
    expect(range('week', '2024-01-15T04:59:00Z').start).toBe('2024-01-08T05:00:00.000Z')
  })

  it('a month runs from the 1st at local midnight, across the DST change', () => {
    expect(range('month', '2024-03-20T12:00:00Z')).toEqual({
      start: '2024-03-01T05:00:00.000Z',
      end: '2024-04-01T04:00:00.000Z',
      rolling: false,
    })
    // 2024-02-29 23:59:59 EST, a leap day, is still February locally
    expect(range('month', '2024-03-01T04:59:59Z')).toEqual({
      start: '2024-02-01T05:00:00.000Z',
      end: '2024-03-01T05:00:00.000Z',
      rolling: false,
    })
  })

  it('the same instant falls in different days in different zones', () => {
    const now = '2024-06-01T02:00:00Z'
    expect(range('day', now, 'UTC').start).toBe('2024-06-01T00:00:00.000Z')
    expect(range('day', now, newYork).start).toBe('2024-05-31T04:00:00.000Z')
    expect(range('day', now, 'Asia/Kolkata').start).toBe('2024-05-31T18:30:00.000Z')
  })
})

describe('rolling windows', () => {
  it('the last N hours end now, whatever the clocks do', () => {
    // across the spring-forward: 3 elapsed hours, though the wall clock moved 4
    const now = at('2024-03-10T08:00:00Z')
    const r = resolveWindow({ window: 'hours', hours: 3 }, now, newYork)
    expect(r).toEqual({ start: at('2024-03-10T05:00:00Z'), end: now, rolling: true })
  })

  it('holds for any N and any instant', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 24 * 366 }),
        fc.date({ min: at('2000-01-01T00:00:00Z'), max: at('2040-01-01T00:00:00Z'), noInvalidDate: true }),
        (hours, now) => {
          const r = resolveWindow({ window: 'hours', hours }, now, newYork)
          expect(r.rolling).toBe(true)
          expect(r.end.getTime()).toBe(now.getTime())
          expect(now.getTime() - r.start.getTime()).toBe(hours * HOUR)
        },
      ),
    )
  })
})

/** The wall clock in a zone, read with Intl rather than luxon. */
function wallClock(instant: Date, zone: string) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    weekday: 'long',
    hourCycle: 'h23',
  }).formatToParts(instant)
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? ''
  return {
    year: Number(get('year')),
    month: Number(get('month')),
    day: Number(get('day')),
    hour: Number(get('hour')),
    minute: Number(get('minute')),
    second: Number(get('second')),
    weekday: get('weekday').toLowerCase(),
  }
}

const zoneArb = fc.constantFrom(newYork, 'Europe/London', 'Australia/Sydney', 'Asia/Kolkata', 'UTC')
const instantArb = fc.date({
  min: at('2000-01-01T00:00:00Z'),
  max: at('2040-01-01T00:00:00Z'),
  noInvalidDate: true,
})

describe('calendar windows (properties)', () => {
  it('contain now, start at a local midnight on a Monday / the 1st, and end where the next one starts', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('day' as const, 'week' as const, 'month' as const),
        instantArb,
        zoneArb,
        (window, now, zone) => {
          const r = resolveWindow({ window }, now, zone)
          expect(r.rolling).toBe(false)
          expect(r.start.getTime()).toBeLessThanOrEqual(now.getTime())
          expect(r.end.getTime()).toBeGreaterThan(now.getTime())
          const start = wallClock(r.start, zone)
          expect([start.hour, start.minute, start.second]).toEqual([0, 0, 0])
          if (window === 'week') expect(start.weekday).toBe('monday')
          if (window === 'month') expect(start.day).toBe(1)
          // one millisecond before the start belongs to the previous window, which ends at our start
          const previous = resolveWindow({ window }, new Date(r.start.getTime() - 1), zone)
          expect(previous.end.getTime()).toBe(r.start.getTime())
          // and the end is the start of the next window
          expect(resolveWindow({ window }, r.end, zone).start.getTime()).toBe(r.end.getTime())
          // the window is the calendar period of now's local date
          const local = wallClock(now, zone)
          if (window === 'day')
            expect([start.year, start.month, start.day]).toEqual([local.year, local.month, local.day])
          if (window === 'month') expect([start.year, start.month]).toEqual([local.year, local.month])
          if (window === 'week')
            expect(r.end.getTime() - r.start.getTime()).toBeLessThanOrEqual(7 * 24 * HOUR + HOUR)
        },
      ),
    )
  })
})

describe('localClock and windowKey', () => {
  it('reads the hour and weekday in the zone', () => {
    // 2024-03-11 03:30 UTC is Sunday 23:30 EDT
    expect(localClock(at('2024-03-11T03:30:00Z'), newYork)).toEqual({ hour: 23, weekday: 'sunday' })
    expect(localClock(at('2024-03-11T03:30:00Z'), 'UTC')).toEqual({ hour: 3, weekday: 'monday' })
  })

  it('keys windows so that different rolling spans do not collide', () => {
    expect(windowKey({ window: 'day' })).toBe('day')
    expect(windowKey({ window: 'hours', hours: 3 })).toBe('hours:3')
    expect(windowKey({ window: 'hours', hours: 3 })).not.toBe(windowKey({ window: 'hours', hours: 4 }))
  })
})

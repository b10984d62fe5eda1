// Usage windows as time ranges: calendar day, week (from Monday) and month in a time zone, or the
// last N hours. Calendar windows reset at their end; rolling windows free up as events age out.
import { DateTime } from 'luxon'
import type { WindowUnit } from './schema.ts'

export interface WindowSpec {
  window: WindowUnit
  hours?: number | undefined
}

export interface TimeRange {
  start: Date
  /** exclusive; for calendar windows the moment the allowance resets */
  end: Date
  rolling: boolean
}

export function windowKey(spec: WindowSpec): string {
  return spec.window === 'hours' ? `hours:${spec.hours}` : spec.window
}

export function resolveWindow(spec: WindowSpec, now: Date, timeZone: string): TimeRange {
  if (spec.window === 'hours') {
    const hours = spec.hours ?? 24
    return { start: new Date(now.getTime() - hours * 3_600_000), end: now, rolling: true }
  }
  const local = DateTime.fromJSDate(now, { zone: timeZone })
  const start = local.startOf(spec.window)
  const end = start.plus({ [`${spec.window}s`]: 1 })
  return { start: start.toJSDate(), end: end.toJSDate(), rolling: false }
}

const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const

export function localClock(now: Date, timeZone: string): { hour: number; weekday: string } {
  const local = DateTime.fromJSDate(now, { zone: timeZone })
  return { hour: local.hour, weekday: weekdays[local.weekday - 1] ?? 'monday' }
}

export function isValidTimeZone(zone: string): boolean {
  return DateTime.local().setZone(zone).isValid
}

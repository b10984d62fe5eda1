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
  // A calendar window is the same for every decision until it ends, and working it out in a time
  // zone is the costliest arithmetic of a decision: keep the current one per zone and unit.
  const key = `${timeZone}\u0000${spec.window}`
  const cached = calendarWindows.get(key)
  if (cached && cached.start.getTime() <= now.getTime() && now.getTime() < cached.end.getTime()) return cached
  const local = DateTime.fromJSDate(now, { zone: timeZone })
  const start = local.startOf(spec.window)
  const end = start.plus({ [`${spec.window}s`]: 1 })
  const range = { start: start.toJSDate(), end: end.toJSDate(), rolling: false }
  if (calendarWindows.size > 1_000) calendarWindows.clear()
  calendarWindows.set(key, range)
  return range
}

const calendarWindows = new Map<string, TimeRange>()

const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const

export function localClock(now: Date, timeZone: string): { hour: number; weekday: string } {
  const local = DateTime.fromJSDate(now, { zone: timeZone })
  return { hour: local.hour, weekday: weekdays[local.weekday - 1] ?? 'monday' }
}

export function isValidTimeZone(zone: string): boolean {
  return DateTime.local().setZone(zone).isValid
}

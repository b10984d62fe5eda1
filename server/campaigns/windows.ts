// Calling windows: when a campaign may reach a customer, on the customer's own clock. A window is a
// set of weekdays and a from–to time of day (to exclusive, within one day: a window past midnight
// is two windows). Pure: the claim asks which of its contacts' time zones are open now.
import { DateTime, IANAZone } from 'luxon'
import { z } from 'zod'

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const
export type Weekday = (typeof weekdays)[number]

export interface CallingWindow {
  days: Weekday[]
  /** HH:MM, 24-hour, the customer's local time */
  from: string
  /** HH:MM, exclusive */
  to: string
}

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM, 00:00 to 23:59')

export const callingWindowSchema = z
  .object({
    days: z.array(z.enum(weekdays)).min(1, 'name at least one day').max(7),
    from: timeOfDay,
    to: timeOfDay.or(z.literal('24:00')),
  })
  .strict()
  .refine((w) => minutesOf(w.from) < minutesOf(w.to), {
    message: 'must end after it starts, on the same day (split a window past midnight in two)',
    path: ['to'],
  })

function minutesOf(hhmm: string): number {
  const [hours, minutes] = hhmm.split(':').map(Number)
  return (hours ?? 0) * 60 + (minutes ?? 0)
}

export function isTimeZone(name: string): boolean {
  return IANAZone.isValidZone(name)
}

/** Whether `now` falls in one of the windows on the clock of `timeZone`; no windows: any time. */
export function isOpen(windows: readonly CallingWindow[], timeZone: string, now: Date): boolean {
  if (windows.length === 0) return true
  const local = DateTime.fromJSDate(now, { zone: timeZone })
  if (!local.isValid) return false
  const day = weekdays[local.weekday - 1] as Weekday
  const minute = local.hour * 60 + local.minute
  return windows.some((w) => w.days.includes(day) && minutesOf(w.from) <= minute && minute < minutesOf(w.to))
}

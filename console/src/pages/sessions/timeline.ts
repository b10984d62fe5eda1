// Where each leg and the billing window sit on a session's timeline, as percentages of the axis that
// runs from the session's start to its end (or to now while it is live). Pure, so it is tested alone.
import type { SessionDetail, SessionLeg } from './api.ts'

export interface TimelineRow {
  leg: SessionLeg
  /** seconds from the session's start to the leg's end (or to the axis' end while it is on) */
  end: number
  left: number
  width: number
}

export interface Timeline {
  /** the axis' length in seconds */
  axisSeconds: number
  legs: TimelineRow[]
  window: { left: number; width: number } | null
  windowSeconds: number | null
}

const at = (iso: string) => new Date(iso).getTime()

export function timelineOf(detail: Pick<SessionDetail, 'session' | 'legs'>, now: number): Timeline {
  const start = at(detail.session.started_at)
  const axisEnd = detail.session.ended_at ? at(detail.session.ended_at) : now
  const legEnds = detail.legs.map((leg) => (leg.disconnected_at ? at(leg.disconnected_at) : axisEnd))
  // a leg recorded past the session's end still fits on the axis
  const axisSeconds = Math.max(1, (Math.max(axisEnd, ...legEnds) - start) / 1000)
  const percent = (seconds: number) => Math.min(100, Math.max(0, (seconds / axisSeconds) * 100))

  const legs = detail.legs.map((leg, index) => {
    const offset = (at(leg.connected_at) - start) / 1000
    const end = ((legEnds[index] ?? axisEnd) - start) / 1000
    return { leg, end, left: percent(offset), width: percent(end - offset) }
  })
  let window: Timeline['window'] = null
  let windowSeconds: number | null = null
  if (detail.session.billing_started_at) {
    const from = (at(detail.session.billing_started_at) - start) / 1000
    const until = detail.session.billing_ended_at
      ? (at(detail.session.billing_ended_at) - start) / 1000
      : (axisEnd - start) / 1000
    window = { left: percent(from), width: percent(until - from) }
    // whole seconds begun, as the server bills them
    windowSeconds = Math.max(0, Math.ceil(until - from))
  }
  return { axisSeconds, legs, window, windowSeconds }
}

// When a session is billed, and for how long: pure, so the service, the sweeper and the tests
// reckon it the same way.
//
// The billing window (the seed's figures 4 and 8): a conference session is billed from the first
// representative's connect to the last representative's disconnect, whichever of its one to three
// legs those are — a gap between two representatives inside the window is billed too, as the
// caller is held on the line for the next one; a chat-room session is billed from the customer's
// connect to the customer's disconnect. A leg still open when the session ends closes at its end.
// A begun second is billed (the window is rounded up to whole seconds), and never more than the
// grant: the caller was promised no more than max_duration_seconds, and the hold covers no more.

export type SessionMode = 'conference' | 'chat_room'

export interface WindowLeg {
  party: 'representative' | 'customer' | string
  connected_at: Date
  disconnected_at: Date | null
}

export interface BillingWindow {
  start: Date
  end: Date
}

/** The legs whose time is billed in this mode. */
export function billedParty(mode: SessionMode | string): 'representative' | 'customer' {
  return mode === 'chat_room' ? 'customer' : 'representative'
}

/** The billing window of a session that ended at `endedAt`; null when nobody billable connected. */
export function billingWindow(
  mode: SessionMode | string,
  legs: WindowLeg[],
  endedAt: Date,
): BillingWindow | null {
  const billed = legs.filter((leg) => leg.party === billedParty(mode) && leg.connected_at <= endedAt)
  if (!billed.length) return null
  const start = new Date(Math.min(...billed.map((leg) => leg.connected_at.getTime())))
  const last = Math.max(
    ...billed.map((leg) => Math.min((leg.disconnected_at ?? endedAt).getTime(), endedAt.getTime())),
  )
  return { start, end: new Date(Math.max(last, start.getTime())) }
}

/** Whole seconds billed for a window (a begun second counts), at most the grant. */
export function billedSecondsOf(window: BillingWindow | null, grantedSeconds: number | null): number {
  if (!window) return 0
  const seconds = Math.ceil((window.end.getTime() - window.start.getTime()) / 1000)
  return grantedSeconds === null ? seconds : Math.min(seconds, grantedSeconds)
}

// What the call flows and the console ask of the ACD (server/acd/): representatives' presence in the solo, dual
// and triple availability queues, and race-free reservation of one to three of them for a call.
// Assignment runs in PostgreSQL row locks (FOR UPDATE SKIP LOCKED; PGlite serialises), so any number
// of bridge processes may share one database.

export type QueueKind = 'solo' | 'dual' | 'triple'
export const queueFor = { 1: 'solo', 2: 'dual', 3: 'triple' } as const satisfies Record<1 | 2 | 3, QueueKind>

export type Strategy = 'longest_idle' | 'fewest_calls' | 'least_talk_time' | 'round_robin' | 'random'

export type PresenceState = 'offline' | 'available' | 'reserved' | 'on_call' | 'wrap_up' | 'break'

/** What a caller asked for; every given field must match each representative offered. */
export interface CallerPreferences {
  gender?: string
  zodiac_sign?: string
  expertise?: string
  /** a known representative's extension: only they will do */
  extension?: string
}

export interface ReservedRepresentative {
  id: string
  name: string
  extension: string
  dialString: string
}

export interface Reservation {
  callId: string
  representatives: ReservedRepresentative[]
  /** a representative who has not joined by then counts a miss and goes back to the queue */
  reservedUntil: Date
}

export interface QueuePosition {
  /** 1 = next; 0 = being connected (reserved since the last announcement) */
  position: number
  /** Erlang C's expected wait for this position (server/acd/erlang-c.ts), null when it cannot say (no one logged in) */
  estimatedWaitSeconds: number | null
}

export interface LoginOptions {
  queues: QueueKind[]
  partnerId?: string | null
  via: 'phone' | 'console'
}

export interface PresenceView {
  representative_id: string
  state: PresenceState
  queues: QueueKind[]
  partner_id: string | null
  logged_in_at: string | null
  state_changed_at: string
}

export interface EnqueueOptions {
  preferences?: CallerPreferences
  representativesNeeded?: 1 | 2 | 3
}

export interface Acd {
  login(tenantId: string, representativeId: string, options: LoginOptions): Promise<PresenceView>
  logout(tenantId: string, representativeId: string, options: { via: 'phone' | 'console' }): Promise<void>
  /** a break (or back from one): not offered calls, still logged in */
  setBreak(tenantId: string, representativeId: string, onBreak: boolean): Promise<PresenceView>

  /**
   * the caller (call row already written by the bridge, stage ivr) joins its line's queue: stage waiting.
   * options (added): the caller's preferences (written on the call) and how many representatives it
   * needs (default: the line's representatives_per_call). Sent back after no answer, a caller keeps their place.
   */
  enqueue(tenantId: string, callId: string, options?: EnqueueOptions): Promise<void>
  /** reserves the call's representatives if enough matching ones are free (stage connecting), else null */
  reserve(tenantId: string, callId: string): Promise<Reservation | null>
  /** a reserved representative's leg joined the conference (add-member): on_call; the call's stage conference */
  joined(
    tenantId: string,
    callId: string,
    representativeId: string,
    leg: { legUuid: string; memberId?: string; at: Date },
  ): Promise<void>
  /** a reserved representative did not answer in time: back to available, or to break after too many misses */
  missed(tenantId: string, callId: string, representativeId: string): Promise<{ onBreak: boolean }>
  /** a representative left the call (del-member): wrap-up, talk time and calls counted */
  left(tenantId: string, callId: string, representativeId: string, at: Date): Promise<void>
  /** the caller left the queue or the call ended: any representative still reserved goes back */
  release(tenantId: string, callId: string, reason: string): Promise<void>
  position(tenantId: string, callId: string): Promise<QueuePosition>
  /** ends wrap-ups and expired reservations whose time has come; the bridge runs it on a timer */
  tick(now?: Date): Promise<void>
}

/** A representative the phone login found (server/acd/directory.ts). */
export interface DirectoryEntry {
  id: string
  name: string
  extension: string
}

/** What Erlang C says about a line now (AcdService.lineEstimate), for the wallboard. */
export interface LineEstimate {
  serviceLineId: string
  queue: QueueKind
  /** representatives logged in to the line's queue, not on a break */
  representativesServing: number
  /** Erlang C's agents: representativesServing in groups of the line's representatives_per_call */
  agents: number
  arrivalsPerHour: number
  /** mean seconds a call holds its representatives, wrap-up included */
  handleSeconds: number
  /** whether each figure came from the line's settings or its own recent calls */
  source: { arrivals: 'settings' | 'history'; handle: 'settings' | 'history' }
  /** the chance a caller arriving now waits at all */
  probabilityOfWaiting: number
  /** a caller arriving now waits this long on average; null when the representatives cannot keep up */
  averageWaitSeconds: number | null
  /** callers waiting now, and how long the first of them has */
  waiting: number
  longestWaitSeconds: number | null
}

/**
 * `services.acd`: the Acd, plus what the representatives' line and the console need beside it.
 * Added for step 7's phone login and console; `Acd` itself is unchanged except enqueue's optional options.
 */
export interface AcdService extends Acd {
  /** Erlang C for a line now: traffic, P(wait), a new caller's average wait, callers waiting */
  lineEstimate(tenantId: string, serviceLineId: string): Promise<LineEstimate>
  /** where a representative is now (offline if they never logged in) */
  presence(tenantId: string, representativeId: string): Promise<PresenceView>
  /** the active representative calling from this number (ANI), if exactly one has it */
  representativeByPhone(tenantId: string, ani: string): Promise<DirectoryEntry | null>
  /** the active representative with this extension if the PIN is theirs, else null */
  representativeByPin(tenantId: string, extension: string, pin: string): Promise<DirectoryEntry | null>
  /** partners whose last name starts with these keypad digits ("533") or letters ("Le") */
  partnersByLastName(
    tenantId: string,
    typed: string,
    options?: { excluding?: string; limit?: number },
  ): Promise<DirectoryEntry[]>
}

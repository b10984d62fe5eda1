// Which representatives a call gets: pure, so the ACD (server/acd/acd.ts) fetches and locks rows and
// this decides. A call needs one to three representatives from the queue of its kind (solo, dual,
// triple), every one matching what the caller asked for, ordered by the line's strategy, with a
// preferred partner (twin) brought along when both are free.
import { type CallerPreferences, type QueueKind, queueFor, type Strategy } from './types.ts'

export interface Candidate {
  id: string
  name: string
  extension: string
  dialString: string | null
  queues: readonly QueueKind[]
  partnerId: string | null
  gender: string | null
  zodiacSign: string | null
  expertise: readonly string[]
  /** when they last became free (login, end of wrap-up, back from a break) */
  idleSince: Date | null
  /** when they were last offered a call: round robin */
  lastOfferedAt: Date | null
  callsTaken: number
  talkSeconds: number
}

export interface CallNeed {
  needed: 1 | 2 | 3
  preferences: CallerPreferences
  strategy: Strategy
  /** uniform in [0, 1): the random strategy's source, seeded in tests */
  random?: () => number
}

const same = (a: string | null | undefined, b: string) =>
  a != null && a.trim().toLowerCase() === b.trim().toLowerCase()

/**
 * Whether a representative may be offered for these preferences. Gender, zodiac sign and expertise
 * must hold for every representative of the call. A known extension names one person: on a dual or
 * triple call they must be among those offered, and the others are chosen as usual (a caller who
 * asks for Ann on a twins line wants Ann, not to be refused because her partner is not Ann).
 */
export function matchesAttributes(candidate: Candidate, preferences: CallerPreferences): boolean {
  if (preferences.gender && !same(candidate.gender, preferences.gender)) return false
  if (preferences.zodiac_sign && !same(candidate.zodiacSign, preferences.zodiac_sign)) return false
  if (preferences.expertise) {
    const wanted = preferences.expertise
    if (!candidate.expertise.some((tag) => same(tag, wanted))) return false
  }
  return true
}

/** Who may serve a call at all: in its queue, reachable, and matching every attribute asked for. */
export function eligible(candidates: readonly Candidate[], need: Pick<CallNeed, 'needed' | 'preferences'>) {
  const queue = queueFor[need.needed]
  return candidates.filter(
    (c) => c.queues.includes(queue) && Boolean(c.dialString) && matchesAttributes(c, need.preferences),
  )
}

const time = (d: Date | null, absent: number) => (d ? d.getTime() : absent)
const byId = (a: Candidate, b: Candidate) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
const longestIdle = (a: Candidate, b: Candidate) =>
  time(a.idleSince, Number.POSITIVE_INFINITY) - time(b.idleSince, Number.POSITIVE_INFINITY) || byId(a, b)

/** The candidates in the order the strategy offers them; ties fall back to longest idle, then id. */
export function orderByStrategy(
  candidates: readonly Candidate[],
  strategy: Strategy,
  random: () => number = Math.random,
): Candidate[] {
  const list = [...candidates].sort(byId)
  switch (strategy) {
    case 'longest_idle':
      return list.sort(longestIdle)
    case 'fewest_calls':
      return list.sort((a, b) => a.callsTaken - b.callsTaken || longestIdle(a, b))
    case 'least_talk_time':
      return list.sort((a, b) => a.talkSeconds - b.talkSeconds || longestIdle(a, b))
    case 'round_robin':
      // never offered comes first; then whoever was offered a call longest ago
      return list.sort(
        (a, b) =>
          time(a.lastOfferedAt, Number.NEGATIVE_INFINITY) - time(b.lastOfferedAt, Number.NEGATIVE_INFINITY) ||
          longestIdle(a, b),
      )
    case 'random':
      for (let i = list.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1))
        const swap = list[i] as Candidate
        list[i] = list[j] as Candidate
        list[j] = swap
      }
      return list
  }
}

/**
 * The representatives a call gets, or null when not enough matching ones are free. The first is the
 * strategy's choice (or the extension the caller asked for); each chosen representative's twin —
 * the partner they named, or one who named them — joins next when free and matching; the rest are
 * filled in the strategy's order.
 */
export function chooseRepresentatives(candidates: readonly Candidate[], need: CallNeed): Candidate[] | null {
  const pool = orderByStrategy(eligible(candidates, need), need.strategy, need.random)
  const chosen: Candidate[] = []
  const taken = new Set<string>()
  const take = (c: Candidate) => {
    if (chosen.length >= need.needed || taken.has(c.id)) return
    chosen.push(c)
    taken.add(c.id)
  }
  const twinsOf = (c: Candidate) =>
    pool.filter((o) => !taken.has(o.id) && (o.id === c.partnerId || o.partnerId === c.id))

  if (need.preferences.extension) {
    const wanted = need.preferences.extension
    const named = pool.find((c) => c.extension === wanted)
    if (!named) return null
    take(named)
  }
  for (const candidate of pool) {
    if (chosen.length >= need.needed) break
    if (chosen.length === 0) take(candidate)
    // twins first: for each one already chosen, bring their partners before anyone else
    for (let i = 0; i < chosen.length && chosen.length < need.needed; i++)
      for (const twin of twinsOf(chosen[i] as Candidate)) take(twin)
    take(candidate)
  }
  return chosen.length === need.needed ? chosen : null
}

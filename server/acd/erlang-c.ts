// Erlang C: how long a caller waits in a queue served by N agents (M/M/N, first come first served),
// from the arrival rate and the mean handle time. Pure; the ACD feeds it a line's settings or history.
// For dual and triple calls an "agent" is a group of two or three representatives: a call takes a
// whole group, so the representatives logged in to that queue serve as ⌊logged in / needed⌋ agents.

export interface Traffic {
  /** calls offered per hour */
  arrivalsPerHour: number
  /** mean seconds a call holds its agent (talk + wrap-up) */
  handleSeconds: number
  /** agents serving the queue (groups, for dual and triple calls) */
  agents: number
}

/** Offered load in Erlangs: A = λ·h. */
export function offeredLoad(traffic: Pick<Traffic, 'arrivalsPerHour' | 'handleSeconds'>): number {
  return (traffic.arrivalsPerHour * traffic.handleSeconds) / 3600
}

/** Agents for a queue whose calls take `needed` representatives each. */
export function agentUnits(representatives: number, needed: 1 | 2 | 3): number {
  return Math.floor(Math.max(0, representatives) / needed)
}

/**
 * Erlang C's probability that a caller waits at all, C(N, A). Computed through Erlang B's recurrence
 * B(k) = A·B(k−1) / (k + A·B(k−1)), which never forms A^N or N! and so stays finite for any N;
 * C = N·B / (N − A·(1 − B)). With no agents, or a load the agents cannot carry (A ≥ N), every caller waits.
 */
export function probabilityOfWaiting(agents: number, load: number): number {
  const n = Math.floor(agents)
  if (n <= 0) return 1
  if (load <= 0) return 0
  if (load >= n) return 1
  let erlangB = 1
  for (let k = 1; k <= n; k++) erlangB = (load * erlangB) / (k + load * erlangB)
  const c = (n * erlangB) / (n - load * (1 - erlangB))
  return Math.min(1, Math.max(0, c))
}

/**
 * The mean wait of a caller who has just arrived (the "average speed of answer"): C·h / (N − A).
 * Infinity when the agents cannot carry the load, or there are none.
 */
export function averageWaitSeconds(traffic: Traffic): number {
  const n = Math.floor(traffic.agents)
  const load = offeredLoad(traffic)
  if (n <= 0 || load >= n) return Number.POSITIVE_INFINITY
  return (probabilityOfWaiting(n, load) * traffic.handleSeconds) / (n - load)
}

/**
 * The expected wait of a caller already in the queue at `position` (1 = next), every agent busy:
 * in Erlang C's model calls end as a Poisson stream at rate N/h while all N agents are busy, so the
 * caller is served at the position-th ending, on average position·h/N seconds from now. Callers who
 * arrive later queue behind and do not change it, which is why the arrival rate enters P(wait) and
 * the average wait of a new caller but not this. Null with no agents: no honest figure exists.
 */
export function expectedWaitAtPosition(
  position: number,
  traffic: Pick<Traffic, 'handleSeconds' | 'agents'>,
): number | null {
  const n = Math.floor(traffic.agents)
  if (n <= 0) return null
  return (Math.max(1, position) * traffic.handleSeconds) / n
}

/** The figure a waiting caller hears: the expected wait at their position in whole seconds, rounded up. */
export function estimateWaitSeconds(
  position: number,
  traffic: Pick<Traffic, 'handleSeconds' | 'agents'>,
): number | null {
  const atPosition = expectedWaitAtPosition(position, traffic)
  return atPosition === null ? null : Math.ceil(atPosition)
}

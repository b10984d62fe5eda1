// The wallboard: a tenant's contact center at one instant — representatives by state, each line's
// queue (callers in the IVR and waiting, the longest wait, Erlang C's wait for a caller arriving now), and the live
// conferences with when billing started. Read from the tables every bridge process writes, so one
// console sees the calls of all of them.
import type { Db } from '../../db/connect.ts'
import type { AcdService, PresenceState, QueueKind } from '../acd/types.ts'
import { listRepresentativeTelephony } from '../representatives/telephony.ts'

export const presenceStates = ['available', 'reserved', 'on_call', 'wrap_up', 'break', 'offline'] as const

export interface WallboardRepresentative {
  id: string
  name: string
  extension: string
  state: PresenceState
  queues: QueueKind[]
  state_changed_at: string
  /** the call they are reserved for or talking on */
  call_id: string | null
}

export interface WallboardQueue {
  service_line_id: string
  name: string
  representatives_per_call: number
  /** callers still in the IVR (screening, paying) */
  in_ivr: number
  /** callers queued for representatives */
  waiting: number
  /** since the oldest waiting caller joined the queue; null with nobody waiting */
  longest_wait_seconds: number | null
  /** Erlang C: how long a caller arriving now waits on average; null when the representatives logged in cannot keep up (or none are) */
  estimated_wait_seconds: number | null
  /** Erlang C: the chance a caller arriving now waits at all */
  probability_of_waiting: number | null
  /** representatives logged in to the line's queue and not on a break */
  representatives_serving: number | null
}

export interface WallboardConference {
  call_id: string
  service_line_id: string | null
  line_name: string | null
  conference_name: string | null
  /** connecting: representatives ringing; conference: billing since connected_at */
  stage: 'connecting' | 'conference'
  started_at: string
  connected_at: string | null
  representatives: { id: string; name: string; status: string; joined_at: string | null }[]
}

export interface Wallboard {
  at: string
  counts: Record<(typeof presenceStates)[number], number>
  representatives: WallboardRepresentative[]
  queues: WallboardQueue[]
  conferences: WallboardConference[]
}

const iso = (value: Date | string | null | undefined) => (value ? new Date(value).toISOString() : null)

export async function wallboardSnapshot(
  db: Db,
  tenantId: string,
  acd: AcdService | undefined,
  now: Date,
): Promise<Wallboard> {
  const [people, lines, liveCalls, members, ringing] = await Promise.all([
    listRepresentativeTelephony(db, tenantId),
    db
      .selectFrom('service_lines')
      .select(['id', 'name', 'representatives_per_call'])
      .where('tenant_id', '=', tenantId)
      .where('active', '=', true)
      .where('mode', '=', 'conference')
      .orderBy('name')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('calls as c')
      .leftJoin('service_lines as l', (join) =>
        join.onRef('l.tenant_id', '=', 'c.tenant_id').onRef('l.id', '=', 'c.service_line_id'),
      )
      .select([
        'c.id',
        'c.stage',
        'c.service_line_id',
        'l.name as line_name',
        'c.conference_name',
        'c.started_at',
        'c.enqueued_at',
        'c.connected_at',
      ])
      .where('c.tenant_id', '=', tenantId)
      .where('c.stage', '<>', 'ended')
      .where('c.ended_at', 'is', null)
      .orderBy('c.started_at')
      .orderBy('c.id')
      .execute(),
    db
      .selectFrom('call_members as m')
      .innerJoin('calls as c', (join) =>
        join.onRef('c.tenant_id', '=', 'm.tenant_id').onRef('c.id', '=', 'm.call_id'),
      )
      .innerJoin('representatives as r', (join) =>
        join.onRef('r.tenant_id', '=', 'm.tenant_id').onRef('r.id', '=', 'm.representative_id'),
      )
      .select(['m.call_id', 'm.representative_id', 'r.name', 'm.status', 'm.joined_at', 'm.reserved_at'])
      .where('m.tenant_id', '=', tenantId)
      .where('c.stage', 'in', ['connecting', 'conference'])
      .where('m.status', 'in', ['reserved', 'ringing', 'joined'])
      .orderBy('m.reserved_at')
      .orderBy('m.id')
      .execute(),
    db
      .selectFrom('representative_presence')
      .select(['representative_id', 'reserved_call_id'])
      .where('tenant_id', '=', tenantId)
      .where('reserved_call_id', 'is not', null)
      .execute(),
  ])

  const callOf = new Map<string, string>()
  for (const row of ringing) if (row.reserved_call_id) callOf.set(row.representative_id, row.reserved_call_id)
  for (const member of members)
    if (member.status === 'joined') callOf.set(member.representative_id, member.call_id)

  const counts = Object.fromEntries(presenceStates.map((s) => [s, 0])) as Wallboard['counts']
  const representatives = people.map((p): WallboardRepresentative => {
    counts[p.presence.state] += 1
    return {
      id: p.id,
      name: p.name,
      extension: p.extension,
      state: p.presence.state,
      queues: p.presence.queues,
      state_changed_at: p.presence.state_changed_at,
      call_id: p.presence.state === 'offline' ? null : (callOf.get(p.id) ?? null),
    }
  })

  const queues: WallboardQueue[] = []
  for (const line of lines) {
    const onLine = liveCalls.filter((call) => call.service_line_id === line.id)
    const waiting = onLine.filter((call) => call.stage === 'waiting')
    const oldest = waiting.reduce<Date | null>((min, call) => {
      const at = new Date(call.enqueued_at ?? call.started_at)
      return min === null || at < min ? at : min
    }, null)
    const estimate = acd ? await acd.lineEstimate(tenantId, line.id).catch(() => null) : null
    queues.push({
      service_line_id: line.id,
      name: line.name,
      representatives_per_call: line.representatives_per_call,
      in_ivr: onLine.filter((call) => call.stage === 'ivr').length,
      waiting: waiting.length,
      longest_wait_seconds: oldest
        ? Math.max(0, Math.floor((now.getTime() - oldest.getTime()) / 1000))
        : null,
      estimated_wait_seconds: estimate?.averageWaitSeconds ?? null,
      probability_of_waiting: estimate?.probabilityOfWaiting ?? null,
      representatives_serving: estimate?.representativesServing ?? null,
    })
  }

  const conferences = liveCalls
    .filter((call) => call.stage === 'connecting' || call.stage === 'conference')
    .map(
      (call): WallboardConference => ({
        call_id: call.id,
        service_line_id: call.service_line_id,
        line_name: call.line_name ?? null,
        conference_name: call.conference_name,
        stage: call.stage as 'connecting' | 'conference',
        started_at: iso(call.started_at) as string,
        connected_at: iso(call.connected_at),
        representatives: members
          .filter((member) => member.call_id === call.id)
          .map((member) => ({
            id: member.representative_id,
            name: member.name,
            status: member.status,
            joined_at: iso(member.joined_at),
          })),
      }),
    )

  return { at: now.toISOString(), counts, representatives, queues, conferences }
}

type Listener = (board: Wallboard) => void

/**
 * Live wallboards: one poll per tenant that someone is watching, shared by every viewer in this
 * process, pushing a snapshot when anything on it changed. Polling the tables (rather than events
 * from this process's bridge) sees what every bridge process wrote, on PostgreSQL and PGlite alike.
 */
export class WallboardFeed {
  private readonly tenants = new Map<
    string,
    {
      listeners: Set<Listener>
      timer: NodeJS.Timeout
      last: string | null
      board: Wallboard | null
      busy: boolean
    }
  >()

  constructor(
    private readonly options: {
      db: Db
      acd?: AcdService | undefined
      /** how often a watched tenant's tables are read */
      intervalMs?: number
      clock?: () => Date
      onError?: (error: unknown) => void
    },
  ) {}

  snapshot(tenantId: string): Promise<Wallboard> {
    return wallboardSnapshot(
      this.options.db,
      tenantId,
      this.options.acd,
      (this.options.clock ?? (() => new Date()))(),
    )
  }

  /** Calls listener with the current board at once, then on every change; returns the unsubscribe. */
  subscribe(tenantId: string, listener: Listener): () => void {
    let entry = this.tenants.get(tenantId)
    if (!entry) {
      const created = {
        listeners: new Set<Listener>(),
        timer: setInterval(() => void this.poll(tenantId), this.options.intervalMs ?? 1000),
        last: null,
        board: null,
        busy: false,
      }
      created.timer.unref()
      this.tenants.set(tenantId, created)
      entry = created
    }
    entry.listeners.add(listener)
    if (entry.board) listener(entry.board)
    else void this.poll(tenantId)
    return () => {
      const current = this.tenants.get(tenantId)
      if (!current) return
      current.listeners.delete(listener)
      if (current.listeners.size === 0) {
        clearInterval(current.timer)
        this.tenants.delete(tenantId)
      }
    }
  }

  /** Stops every poll (server shutdown). */
  close(): void {
    for (const entry of this.tenants.values()) clearInterval(entry.timer)
    this.tenants.clear()
  }

  private async poll(tenantId: string): Promise<void> {
    const entry = this.tenants.get(tenantId)
    if (!entry || entry.busy) return
    entry.busy = true
    try {
      const board = await this.snapshot(tenantId)
      // the instant changes every poll; only a change on the board itself is news
      const fingerprint = JSON.stringify({ ...board, at: undefined })
      if (this.tenants.get(tenantId) !== entry) return
      const first = entry.board === null
      entry.board = board
      if (fingerprint === entry.last && !first) return
      entry.last = fingerprint
      for (const listener of entry.listeners) listener(board)
    } catch (error) {
      this.options.onError?.(error)
    } finally {
      entry.busy = false
    }
  }
}

// The ACD on the telephony tables: representatives' presence in the solo, dual and triple queues
// (representative_presence, with each login in representative_logins), callers waiting on a line
// (calls.stage = waiting) and the representatives reserved for a call (call_members). Which
// representatives a call gets is decided by matching.ts; the wait a caller hears by erlang-c.ts.
//
// Race-free across processes: a reservation reads the free representatives without locks, chooses,
// then locks exactly the chosen presence rows FOR UPDATE SKIP LOCKED and re-checks they are still
// available; a row another transaction holds is skipped and the choice is made again without it,
// so nobody waits on a representative someone else is taking and nobody is booked twice. A call
// takes all its representatives or none. Every method locks in one order — the call row, then
// presence rows, then the login row — so transactions never wait on each other in a cycle.
import { type Selectable, sql, type Transaction, type Updateable } from 'kysely'
import type { Db } from '../../db/connect.ts'
import { jsonb } from '../../db/json.ts'
import type { CallsTable, Database, RepresentativePresenceTable } from '../../db/schema.ts'
import { type LineTelephony, lineTelephony } from '../billing/line-telephony.ts'
import { ProblemError } from '../http/problem.ts'
import { newId } from '../ids.ts'
import type { Logger } from '../logging.ts'
import { partnersByLastName, representativeByPhone, representativeByPin } from './directory.ts'
import {
  agentUnits,
  averageWaitSeconds,
  estimateWaitSeconds,
  offeredLoad,
  probabilityOfWaiting,
  type Traffic,
} from './erlang-c.ts'
import { type Candidate, chooseRepresentatives } from './matching.ts'
import type {
  AcdService,
  CallerPreferences,
  DirectoryEntry,
  EnqueueOptions,
  LineEstimate,
  LoginOptions,
  PresenceState,
  PresenceView,
  QueueKind,
  QueuePosition,
  Reservation,
} from './types.ts'
import { queueFor } from './types.ts'

type Trx = Transaction<Database>
type CallRow = Selectable<CallsTable>
type PresenceRow = Selectable<RepresentativePresenceTable>
type LineTraffic = Traffic & {
  representativesServing: number
  source: { arrivals: 'settings' | 'history'; handle: 'settings' | 'history' }
}

/** Originating a leg takes a moment before it rings: a reservation lasts the ring time plus this. */
export const RESERVATION_GRACE_SECONDS = 10
/** How many older waiting calls of a line are served first in one reservation (FIFO per line). */
const OLDER_CALLS_CONSIDERED = 50
/**
 * A waiting call whose bridge has not asked for it this long is presumed orphaned (its bridge
 * process died): it is no longer served first nor counted ahead of others. A live caller's flow asks
 * every few seconds; each ask marks the call (at most every CALL_TOUCH_SECONDS, to spare writes).
 */
export const STALE_WAITING_SECONDS = 120
const CALL_TOUCH_SECONDS = 15
/** Choices made again when a chosen representative was being taken by another transaction. */
const RESERVE_ATTEMPTS = 5
/** A line's history replaces its starting figures once it has this many answered calls. */
export const HISTORY_MIN_CALLS = 5
const HISTORY_DAYS = 7

const QUEUES: readonly QueueKind[] = ['solo', 'dual', 'triple']

export interface AcdOptions {
  db: Db
  logger?: Logger
  /** the bridge's clock; tests pass one they move by hand */
  clock?: () => Date
  /** the random strategy's source; tests seed it */
  random?: () => number
}

export class PostgresAcd implements AcdService {
  private readonly db: Db
  private readonly clock: () => Date
  private readonly random: () => number
  private readonly logger: Logger | undefined

  constructor(options: AcdOptions) {
    this.db = options.db
    this.clock = options.clock ?? (() => new Date())
    this.random = options.random ?? Math.random
    this.logger = options.logger
  }

  // ── presence ────────────────────────────────────────────────────────────────────────────────────

  async login(tenantId: string, representativeId: string, options: LoginOptions): Promise<PresenceView> {
    const queues = [...new Set(options.queues)]
    if (!queues.length)
      throw new ProblemError('validation_failed', 'Choose at least one queue: solo, dual or triple.')
    for (const queue of queues)
      if (!QUEUES.includes(queue)) throw new ProblemError('validation_failed', `No queue ${String(queue)}.`)
    const partnerId = options.partnerId ?? null
    if (partnerId === representativeId)
      throw new ProblemError('validation_failed', 'A representative cannot be their own partner.')
    const now = this.clock()
    return this.db.transaction().execute(async (trx) => {
      await activeRepresentative(trx, tenantId, representativeId)
      if (partnerId) await activeRepresentative(trx, tenantId, partnerId, 'partner')
      const presence = await lockPresence(trx, tenantId, representativeId)
      if (presence && presence.state !== 'offline' && presence.login_id) {
        // logged in already (the console and the phone both may): the new choice of queues stands,
        // and one on a break (theirs, or after missed calls) who logs in again means to take calls
        const backFromBreak =
          presence.state === 'break'
            ? { state: 'available', state_changed_at: now, idle_since: now, missed_in_row: 0 }
            : {}
        const row = await trx
          .updateTable('representative_presence')
          .set({ queues: jsonb(queues), partner_id: partnerId, ...backFromBreak })
          .where('tenant_id', '=', tenantId)
          .where('representative_id', '=', representativeId)
          .returningAll()
          .executeTakeFirstOrThrow()
        await trx
          .updateTable('representative_logins')
          .set({ queues: jsonb(queues), partner_id: partnerId })
          .where('tenant_id', '=', tenantId)
          .where('id', '=', presence.login_id)
          .execute()
        return viewPresence(row)
      }
      const loginId = newId('rlg')
      // one who logged out mid-call and logs in before it ends is still on that call
      const stillOnCall = presence?.state === 'on_call' && presence.reserved_call_id !== null
      const fresh = {
        state: stillOnCall ? 'on_call' : 'available',
        queues: jsonb(queues),
        partner_id: partnerId,
        login_id: loginId,
        logged_in_at: now,
        state_changed_at: now,
        idle_since: stillOnCall ? null : now,
        last_offered_at: null,
        calls_taken: 0,
        talk_seconds: 0,
        missed_in_row: 0,
        reserved_call_id: stillOnCall ? (presence?.reserved_call_id ?? null) : null,
        reserved_until: null,
        wrap_up_until: null,
      }
      const row = presence
        ? await trx
            .updateTable('representative_presence')
            .set(fresh)
            .where('tenant_id', '=', tenantId)
            .where('representative_id', '=', representativeId)
            .returningAll()
            .executeTakeFirstOrThrow()
        : await trx
            .insertInto('representative_presence')
            .values({ tenant_id: tenantId, representative_id: representativeId, ...fresh })
            .returningAll()
            .executeTakeFirstOrThrow()
      await trx
        .insertInto('representative_logins')
        .values({
          tenant_id: tenantId,
          id: loginId,
          representative_id: representativeId,
          via: options.via,
          queues: jsonb(queues),
          partner_id: partnerId,
          logged_in_at: now,
        })
        .execute()
      return viewPresence(row)
    })
  }

  async logout(
    tenantId: string,
    representativeId: string,
    _options: { via: 'phone' | 'console' },
  ): Promise<void> {
    const now = this.clock()
    await this.db.transaction().execute(async (trx) => {
      const presence = await lockPresence(trx, tenantId, representativeId)
      if (!presence || presence.state === 'offline' || !presence.login_id) return
      // a representative reserved for a call who logs out is not offered it: their member row is
      // cancelled (a leg that answers anyway is refused by joined()). One on a call finishes it: they
      // stay on_call without a login, left() counts the call on the login it began in and then
      // takes them offline instead of to wrap-up.
      if (presence.state === 'reserved' && presence.reserved_call_id)
        await trx
          .updateTable('call_members')
          .set({ status: 'cancelled' })
          .where('tenant_id', '=', tenantId)
          .where('call_id', '=', presence.reserved_call_id)
          .where('representative_id', '=', representativeId)
          .where('status', 'in', ['reserved', 'ringing'])
          .execute()
      await trx
        .updateTable('representative_presence')
        .set(
          presence.state === 'on_call'
            ? { login_id: null }
            : {
                state: 'offline',
                state_changed_at: now,
                login_id: null,
                idle_since: null,
                reserved_call_id: null,
                reserved_until: null,
                wrap_up_until: null,
              },
        )
        .where('tenant_id', '=', tenantId)
        .where('representative_id', '=', representativeId)
        .execute()
      if (presence.login_id)
        await trx
          .updateTable('representative_logins')
          .set({ logged_out_at: now })
          .where('tenant_id', '=', tenantId)
          .where('id', '=', presence.login_id)
          .where('logged_out_at', 'is', null)
          .execute()
    })
  }

  async setBreak(tenantId: string, representativeId: string, onBreak: boolean): Promise<PresenceView> {
    const now = this.clock()
    return this.db.transaction().execute(async (trx) => {
      const presence = await lockPresence(trx, tenantId, representativeId)
      if (!presence || presence.state === 'offline')
        throw new ProblemError('conflict', `Representative ${representativeId} is not logged in.`)
      let next: Updateable<RepresentativePresenceTable> | null = null
      if (onBreak) {
        if (presence.state === 'reserved' || presence.state === 'on_call')
          throw new ProblemError(
            'conflict',
            `Representative ${representativeId} is on a call; a break can start after it.`,
          )
        if (presence.state !== 'break')
          next = { state: 'break', state_changed_at: now, idle_since: null, wrap_up_until: null }
      } else if (presence.state === 'break') {
        next = { state: 'available', state_changed_at: now, idle_since: now, missed_in_row: 0 }
      }
      if (!next) return viewPresence(presence)
      const row = await trx
        .updateTable('representative_presence')
        .set(next)
        .where('tenant_id', '=', tenantId)
        .where('representative_id', '=', representativeId)
        .returningAll()
        .executeTakeFirstOrThrow()
      return viewPresence(row)
    })
  }

  /** Where a representative is now; offline for one who never logged in. */
  async presence(tenantId: string, representativeId: string): Promise<PresenceView> {
    const row = await this.db
      .selectFrom('representative_presence')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('representative_id', '=', representativeId)
      .executeTakeFirst()
    if (row) return viewPresence(row)
    return {
      representative_id: representativeId,
      state: 'offline',
      queues: [],
      partner_id: null,
      logged_in_at: null,
      state_changed_at: new Date(0).toISOString(),
    }
  }

  representativeByPhone(tenantId: string, ani: string): Promise<DirectoryEntry | null> {
    return representativeByPhone(this.db, tenantId, ani)
  }

  representativeByPin(tenantId: string, extension: string, pin: string): Promise<DirectoryEntry | null> {
    return representativeByPin(this.db, tenantId, extension, pin, this.clock())
  }

  partnersByLastName(
    tenantId: string,
    typed: string,
    options?: { excluding?: string; limit?: number },
  ): Promise<DirectoryEntry[]> {
    return partnersByLastName(this.db, tenantId, typed, options)
  }

  // ── calls ───────────────────────────────────────────────────────────────────────────────────────

  async enqueue(tenantId: string, callId: string, options: EnqueueOptions = {}): Promise<void> {
    const now = this.clock()
    await this.db.transaction().execute(async (trx) => {
      const call = await lockCall(trx, tenantId, callId)
      if (call.stage === 'ended') throw new ProblemError('conflict', `Call ${callId} has ended.`)
      if (call.stage === 'conference')
        throw new ProblemError('conflict', `Call ${callId} is in its conference already.`)
      // back from connecting (the representatives did not answer): whoever is still reserved goes back
      if (call.stage === 'connecting') await releaseMembers(trx, tenantId, callId, now)
      const needed = options.representativesNeeded ?? (await lineNeeds(trx, tenantId, call))
      if (![1, 2, 3].includes(needed))
        throw new ProblemError('validation_failed', `A call needs 1, 2 or 3 representatives, not ${needed}.`)
      await trx
        .updateTable('calls')
        .set({
          stage: 'waiting',
          // a caller sent back to the queue keeps their place: FIFO counts from the first time
          enqueued_at: call.enqueued_at ?? now,
          representatives_needed: needed,
          ...(options.preferences ? { preferences: jsonb(cleanPreferences(options.preferences)) } : {}),
          updated_at: now,
        })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', callId)
        .execute()
    })
  }

  async reserve(tenantId: string, callId: string): Promise<Reservation | null> {
    const now = this.clock()
    return this.db.transaction().execute(async (trx) => {
      // the call row lock: two bridges asking for the same call take turns
      const call = await lockCall(trx, tenantId, callId)
      if (call.stage !== 'waiting') return null
      if (now.getTime() - new Date(call.updated_at).getTime() >= CALL_TOUCH_SECONDS * 1000)
        await trx
          .updateTable('calls')
          .set({ updated_at: now })
          .where('tenant_id', '=', tenantId)
          .where('id', '=', callId)
          .execute()
      const line = await lineSettings(trx, tenantId, call.service_line_id)
      const free = await freeCandidates(trx, tenantId)
      if (!free.length) return null

      // FIFO per line: older waiting calls of this line are served first from the same free
      // representatives; this call chooses from what they leave. An older call no one matches
      // (a busy extension asked for, say) leaves everyone and does not hold the line up.
      const older = await trx
        .selectFrom('calls')
        .select(['id', 'representatives_needed', 'preferences'])
        .where('tenant_id', '=', tenantId)
        .where('stage', '=', 'waiting')
        .where((eb) =>
          call.service_line_id === null
            ? eb('service_line_id', 'is', null)
            : eb('service_line_id', '=', call.service_line_id),
        )
        .where((eb) =>
          eb.or([
            eb('enqueued_at', '<', call.enqueued_at ?? now),
            eb.and([eb('enqueued_at', '=', call.enqueued_at ?? now), eb('id', '<', call.id)]),
          ]),
        )
        .where('updated_at', '>', staleBefore(now))
        .orderBy('enqueued_at')
        .orderBy('id')
        .limit(OLDER_CALLS_CONSIDERED)
        .execute()

      const excluded = new Set<string>()
      for (let attempt = 0; attempt < RESERVE_ATTEMPTS; attempt++) {
        let pool = free.filter((c) => !excluded.has(c.id))
        for (const other of older) {
          const theirs = chooseRepresentatives(pool, {
            needed: neededOf(other.representatives_needed),
            preferences: preferencesOf(other.preferences),
            strategy: line.strategy,
            random: this.random,
          })
          if (theirs) {
            const claimed = new Set(theirs.map((c) => c.id))
            pool = pool.filter((c) => !claimed.has(c.id))
          }
        }
        const chosen = chooseRepresentatives(pool, {
          needed: neededOf(call.representatives_needed),
          preferences: preferencesOf(call.preferences),
          strategy: line.strategy,
          random: this.random,
        })
        if (!chosen) return null
        const ids = chosen.map((c) => c.id)
        const locked = await trx
          .selectFrom('representative_presence')
          .select('representative_id')
          .where('tenant_id', '=', tenantId)
          .where('representative_id', 'in', ids)
          .where('state', '=', 'available')
          .forUpdate()
          .skipLocked()
          .execute()
        const lockedIds = new Set(locked.map((r) => r.representative_id))
        if (lockedIds.size < ids.length) {
          // someone else is taking (or took) these: choose again without them. The ones locked
          // here stay locked until this transaction ends, which only keeps others off them longer.
          for (const id of ids) if (!lockedIds.has(id)) excluded.add(id)
          continue
        }
        return this.book(trx, tenantId, call, chosen, line, now)
      }
      return null
    })
  }

  private async book(
    trx: Trx,
    tenantId: string,
    call: CallRow,
    chosen: Candidate[],
    line: LineTelephony,
    now: Date,
  ): Promise<Reservation> {
    const reservedUntil = new Date(now.getTime() + (line.ring_seconds + RESERVATION_GRACE_SECONDS) * 1000)
    await trx
      .updateTable('representative_presence')
      .set({
        state: 'reserved',
        state_changed_at: now,
        reserved_call_id: call.id,
        reserved_until: reservedUntil,
        last_offered_at: now,
      })
      .where('tenant_id', '=', tenantId)
      .where(
        'representative_id',
        'in',
        chosen.map((c) => c.id),
      )
      .execute()
    await trx
      .insertInto('call_members')
      .values(
        chosen.map((c) => ({
          tenant_id: tenantId,
          id: newId('cmb'),
          call_id: call.id,
          representative_id: c.id,
          status: 'reserved',
          reserved_at: now,
        })),
      )
      .execute()
    await trx
      .updateTable('calls')
      .set({ stage: 'connecting', updated_at: now })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', call.id)
      .execute()
    return {
      callId: call.id,
      representatives: chosen.map((c) => ({
        id: c.id,
        name: c.name,
        extension: c.extension,
        dialString: c.dialString ?? '',
      })),
      reservedUntil,
    }
  }

  async joined(
    tenantId: string,
    callId: string,
    representativeId: string,
    leg: { legUuid: string; memberId?: string; at: Date },
  ): Promise<void> {
    const now = this.clock()
    await this.db.transaction().execute(async (trx) => {
      const call = await lockCall(trx, tenantId, callId)
      const member = await openMember(trx, tenantId, callId, representativeId)
      if (!member)
        throw new ProblemError(
          'not_found',
          `Representative ${representativeId} is not reserved for call ${callId}.`,
        )
      if (member.status === 'joined') return
      if (member.status !== 'reserved' && member.status !== 'ringing')
        throw new ProblemError(
          'conflict',
          `Representative ${representativeId} is ${member.status} on call ${callId}.`,
        )
      await lockPresence(trx, tenantId, representativeId)
      await trx
        .updateTable('call_members')
        .set({ status: 'joined', leg_uuid: leg.legUuid, member_id: leg.memberId ?? null, joined_at: leg.at })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', member.id)
        .execute()
      await trx
        .updateTable('representative_presence')
        .set({
          state: 'on_call',
          state_changed_at: leg.at,
          reserved_call_id: callId,
          reserved_until: null,
          missed_in_row: 0,
          idle_since: null,
        })
        .where('tenant_id', '=', tenantId)
        .where('representative_id', '=', representativeId)
        .where('state', '!=', 'offline')
        .execute()
      await trx
        .updateTable('calls')
        .set({
          stage: call.stage === 'ended' ? 'ended' : 'conference',
          connected_at: call.connected_at ?? leg.at,
          updated_at: now,
        })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', callId)
        .execute()
    })
  }

  async missed(tenantId: string, callId: string, representativeId: string): Promise<{ onBreak: boolean }> {
    const now = this.clock()
    return this.db.transaction().execute(async (trx) => {
      const call = await lockCall(trx, tenantId, callId)
      const line = await lineSettings(trx, tenantId, call.service_line_id)
      return missOne(trx, tenantId, callId, representativeId, line.max_missed, now)
    })
  }

  async left(tenantId: string, callId: string, representativeId: string, at: Date): Promise<void> {
    const now = this.clock()
    await this.db.transaction().execute(async (trx) => {
      const call = await lockCall(trx, tenantId, callId)
      const member = await openMember(trx, tenantId, callId, representativeId)
      if (!member)
        throw new ProblemError('not_found', `Representative ${representativeId} was not on call ${callId}.`)
      if (member.status === 'left') return
      if (member.status !== 'joined')
        throw new ProblemError(
          'conflict',
          `Representative ${representativeId} is ${member.status} on call ${callId}.`,
        )
      const line = await lineSettings(trx, tenantId, call.service_line_id)
      const talkSeconds = Math.max(
        0,
        Math.round((at.getTime() - new Date(member.joined_at ?? at).getTime()) / 1000),
      )
      const presence = await lockPresence(trx, tenantId, representativeId)
      await trx
        .updateTable('call_members')
        .set({ status: 'left', left_at: at })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', member.id)
        .execute()
      if (!presence) return
      const onThisCall = presence.state === 'on_call' && presence.reserved_call_id === callId
      const wrapUpUntil = new Date(at.getTime() + line.wrap_up_seconds * 1000)
      const next = !onThisCall
        ? {}
        : !presence.login_id
          ? // logged out during the call: gone once it ends
            { state: 'offline', state_changed_at: at, reserved_call_id: null, idle_since: null }
          : line.wrap_up_seconds > 0 && wrapUpUntil > now
            ? { state: 'wrap_up', state_changed_at: at, wrap_up_until: wrapUpUntil, reserved_call_id: null }
            : { state: 'available', state_changed_at: at, idle_since: wrapUpUntil, reserved_call_id: null }
      await trx
        .updateTable('representative_presence')
        .set((eb) => ({
          ...next,
          calls_taken: eb('calls_taken', '+', 1),
          talk_seconds: eb('talk_seconds', '+', talkSeconds),
        }))
        .where('tenant_id', '=', tenantId)
        .where('representative_id', '=', representativeId)
        .execute()
      // the login the call began in (a representative who logged out mid-call still gets it counted)
      const login = await trx
        .selectFrom('representative_logins')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('representative_id', '=', representativeId)
        .where('logged_in_at', '<=', member.joined_at ?? at)
        .orderBy('logged_in_at', 'desc')
        .limit(1)
        .executeTakeFirst()
      if (login)
        await trx
          .updateTable('representative_logins')
          .set((eb) => ({
            calls_taken: eb('calls_taken', '+', 1),
            service_seconds: eb('service_seconds', '+', talkSeconds),
          }))
          .where('tenant_id', '=', tenantId)
          .where('id', '=', login.id)
          .execute()
    })
  }

  async release(tenantId: string, callId: string, reason: string): Promise<void> {
    const now = this.clock()
    await this.db.transaction().execute(async (trx) => {
      const call = await lockCall(trx, tenantId, callId)
      await releaseMembers(trx, tenantId, callId, now)
      // out of the queue: a caller who hung up or went to the partner network no longer waits
      if (call.stage === 'waiting' || call.stage === 'connecting' || call.stage === 'ivr')
        await trx
          .updateTable('calls')
          .set({ stage: 'ended', ended_at: now, end_reason: reason, updated_at: now })
          .where('tenant_id', '=', tenantId)
          .where('id', '=', callId)
          .execute()
    })
  }

  async position(tenantId: string, callId: string): Promise<QueuePosition> {
    const call = await this.db
      .selectFrom('calls')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', callId)
      .executeTakeFirst()
    if (!call) throw new ProblemError('not_found', `No call ${callId}`)
    // reserved between two announcements: being connected, nobody ahead
    if (call.stage === 'connecting' || call.stage === 'conference')
      return { position: 0, estimatedWaitSeconds: 0 }
    if (call.stage !== 'waiting')
      throw new ProblemError('conflict', `Call ${callId} is ${call.stage}, not waiting.`)
    const enqueuedAt = call.enqueued_at ?? call.started_at
    const ahead = await this.db
      .selectFrom('calls')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('stage', '=', 'waiting')
      .where((eb) =>
        call.service_line_id === null
          ? eb('service_line_id', 'is', null)
          : eb('service_line_id', '=', call.service_line_id),
      )
      .where((eb) =>
        eb.or([
          eb('enqueued_at', '<', enqueuedAt),
          eb.and([eb('enqueued_at', '=', enqueuedAt), eb('id', '<', call.id)]),
        ]),
      )
      .where('updated_at', '>', staleBefore(this.clock()))
      .executeTakeFirstOrThrow()
    const position = Number(ahead.n) + 1
    const traffic = await this.traffic(tenantId, call.service_line_id, neededOf(call.representatives_needed))
    return { position, estimatedWaitSeconds: estimateWaitSeconds(position, traffic) }
  }

  /**
   * What Erlang C says about a line now: its traffic (from its settings, or its history once it has
   * some), the representatives serving it, the chance a new caller waits and their average wait,
   * and the callers waiting. For the wallboard.
   */
  async lineEstimate(tenantId: string, serviceLineId: string): Promise<LineEstimate> {
    const line = await this.db
      .selectFrom('service_lines')
      .select('representatives_per_call')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', serviceLineId)
      .executeTakeFirst()
    if (!line) throw new ProblemError('not_found', `No service line ${serviceLineId}`)
    const needed = neededOf(line.representatives_per_call)
    const traffic = await this.traffic(tenantId, serviceLineId, needed)
    const queue = await this.db
      .selectFrom('calls')
      .select([(eb) => eb.fn.countAll<string>().as('n'), (eb) => eb.fn.min('enqueued_at').as('oldest')])
      .where('tenant_id', '=', tenantId)
      .where('service_line_id', '=', serviceLineId)
      .where('stage', '=', 'waiting')
      .where('updated_at', '>', staleBefore(this.clock()))
      .executeTakeFirstOrThrow()
    const load = offeredLoad(traffic)
    const average = averageWaitSeconds(traffic)
    return {
      serviceLineId,
      queue: queueFor[needed],
      ...traffic,
      probabilityOfWaiting: probabilityOfWaiting(traffic.agents, load),
      averageWaitSeconds: Number.isFinite(average) ? Math.ceil(average) : null,
      waiting: Number(queue.n),
      longestWaitSeconds: queue.oldest
        ? Math.max(0, Math.floor((this.clock().getTime() - new Date(queue.oldest).getTime()) / 1000))
        : null,
    }
  }

  /**
   * A line's traffic for Erlang C. Handle time: the mean of its answered calls of the last
   * HISTORY_DAYS (first answer to end) plus the wrap-up, once there are HISTORY_MIN_CALLS of them;
   * arrivals: callers queued in the last hour, once HISTORY_MIN_CALLS queued in the last day — a quiet
   * hour on a line with history is a quiet hour, not a reason to fall back to the starting figure.
   * Agents: the representatives logged in to the line's queue and not on a break, in groups of `needed`.
   */
  private async traffic(
    tenantId: string,
    serviceLineId: string | null,
    needed: 1 | 2 | 3,
  ): Promise<LineTraffic> {
    const line = await lineSettings(this.db, tenantId, serviceLineId)
    const serving = await this.serving(tenantId, queueFor[needed])
    const settled = {
      arrivalsPerHour: line.arrivals_per_hour,
      handleSeconds: line.handle_seconds + line.wrap_up_seconds,
    }
    const base = { ...settled, agents: agentUnits(serving, needed), representativesServing: serving }
    if (!serviceLineId) return { ...base, source: { arrivals: 'settings', handle: 'settings' } }
    const now = this.clock().getTime()
    const [handled, arrived] = await Promise.all([
      this.db
        .selectFrom('calls')
        .select([
          (eb) => eb.fn.countAll<string>().as('n'),
          sql<string | null>`avg(extract(epoch from (ended_at - connected_at)))`.as('mean'),
        ])
        .where('tenant_id', '=', tenantId)
        .where('service_line_id', '=', serviceLineId)
        .where('connected_at', 'is not', null)
        .where('ended_at', 'is not', null)
        .where('ended_at', '>=', new Date(now - HISTORY_DAYS * 86_400_000))
        .executeTakeFirstOrThrow(),
      this.db
        .selectFrom('calls')
        .select([
          (eb) => eb.fn.countAll<string>().as('day'),
          sql<string>`count(*) filter (where enqueued_at >= ${new Date(now - 3_600_000)})`.as('hour'),
        ])
        .where('tenant_id', '=', tenantId)
        .where('service_line_id', '=', serviceLineId)
        .where('enqueued_at', '>=', new Date(now - 86_400_000))
        .executeTakeFirstOrThrow(),
    ])
    const handleFromHistory = Number(handled.n) >= HISTORY_MIN_CALLS && handled.mean !== null
    const arrivalsFromHistory = Number(arrived.day) >= HISTORY_MIN_CALLS
    return {
      ...base,
      handleSeconds: handleFromHistory ? Number(handled.mean) + line.wrap_up_seconds : base.handleSeconds,
      arrivalsPerHour: arrivalsFromHistory ? Number(arrived.hour) : base.arrivalsPerHour,
      source: {
        arrivals: arrivalsFromHistory ? 'history' : 'settings',
        handle: handleFromHistory ? 'history' : 'settings',
      },
    }
  }

  /** Representatives logged in to a queue and not on a break: they serve it. */
  private async serving(tenantId: string, queue: QueueKind): Promise<number> {
    const row = await this.db
      .selectFrom('representative_presence')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('state', 'in', ['available', 'reserved', 'on_call', 'wrap_up'])
      .where(sql<boolean>`queues @> ${jsonb([queue])}`)
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  async tick(now: Date = this.clock()): Promise<void> {
    // wrap-ups over: available again, idle from the moment the wrap-up ended
    await this.db
      .updateTable('representative_presence')
      .set({
        state: 'available',
        state_changed_at: sql<Date>`wrap_up_until`,
        idle_since: sql<Date>`wrap_up_until`,
        wrap_up_until: null,
      })
      .where('state', '=', 'wrap_up')
      .where('wrap_up_until', '<=', now)
      .execute()
    // reservations nobody answered in time: each a miss, as if the bridge had said so
    const expired = await this.db
      .selectFrom('representative_presence')
      .select(['tenant_id', 'representative_id', 'reserved_call_id'])
      .where('state', '=', 'reserved')
      .where('reserved_until', '<=', now)
      .execute()
    for (const row of expired) {
      if (!row.reserved_call_id) continue
      const callId = row.reserved_call_id
      try {
        await this.db.transaction().execute(async (trx) => {
          const call = await lockCall(trx, row.tenant_id, callId)
          const line = await lineSettings(trx, row.tenant_id, call.service_line_id)
          await missOne(trx, row.tenant_id, callId, row.representative_id, line.max_missed, now)
        })
      } catch (error) {
        this.logger?.warn(
          { err: error, callId, representativeId: row.representative_id },
          'acd: expiring a reservation failed',
        )
      }
    }
  }
}

const staleBefore = (now: Date) => new Date(now.getTime() - STALE_WAITING_SECONDS * 1000)

// ── queries (each takes the transaction it runs in) ─────────────────────────────────────────────────

async function activeRepresentative(trx: Trx, tenantId: string, id: string, role = 'representative') {
  const row = await trx
    .selectFrom('representatives')
    .select(['id', 'active'])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst()
  if (!row) throw new ProblemError('not_found', `No ${role} ${id}`)
  if (!row.active) throw new ProblemError('conflict', `The ${role} ${id} is deactivated.`)
}

async function lockCall(trx: Trx, tenantId: string, callId: string): Promise<CallRow> {
  const call = await trx
    .selectFrom('calls')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', callId)
    .forUpdate()
    .executeTakeFirst()
  if (!call) throw new ProblemError('not_found', `No call ${callId}`)
  return call
}

async function lockPresence(
  trx: Trx,
  tenantId: string,
  representativeId: string,
): Promise<PresenceRow | undefined> {
  return trx
    .selectFrom('representative_presence')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('representative_id', '=', representativeId)
    .forUpdate()
    .executeTakeFirst()
}

/** The representative's latest member row on the call. */
async function openMember(trx: Trx, tenantId: string, callId: string, representativeId: string) {
  return trx
    .selectFrom('call_members')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('call_id', '=', callId)
    .where('representative_id', '=', representativeId)
    .orderBy('reserved_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst()
}

type Queryable = Db | Trx

async function lineSettings(
  db: Queryable,
  tenantId: string,
  serviceLineId: string | null,
): Promise<LineTelephony> {
  if (!serviceLineId) return lineTelephony({})
  const row = await db
    .selectFrom('service_lines')
    .select('telephony')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', serviceLineId)
    .executeTakeFirst()
  return lineTelephony(row?.telephony ?? {})
}

async function lineNeeds(trx: Trx, tenantId: string, call: CallRow): Promise<number> {
  if (!call.service_line_id) return call.representatives_needed
  const row = await trx
    .selectFrom('service_lines')
    .select('representatives_per_call')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', call.service_line_id)
    .executeTakeFirst()
  return row?.representatives_per_call ?? call.representatives_needed
}

/** Every available, active representative of the tenant, as matching.ts sees them. */
async function freeCandidates(trx: Trx, tenantId: string): Promise<Candidate[]> {
  const rows = await trx
    .selectFrom('representative_presence as p')
    .innerJoin('representatives as r', (join) =>
      join.onRef('r.tenant_id', '=', 'p.tenant_id').onRef('r.id', '=', 'p.representative_id'),
    )
    .select([
      'r.id',
      'r.name',
      'r.extension',
      'r.dial_string',
      'r.gender',
      'r.zodiac_sign',
      'r.expertise',
      'p.queues',
      'p.partner_id',
      'p.idle_since',
      'p.last_offered_at',
      'p.calls_taken',
      'p.talk_seconds',
    ])
    .where('p.tenant_id', '=', tenantId)
    .where('p.state', '=', 'available')
    .where('r.active', '=', true)
    .execute()
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    extension: r.extension,
    dialString: r.dial_string,
    queues: (r.queues ?? []) as QueueKind[],
    partnerId: r.partner_id,
    gender: r.gender,
    zodiacSign: r.zodiac_sign,
    expertise: Array.isArray(r.expertise) ? r.expertise : [],
    idleSince: r.idle_since ? new Date(r.idle_since) : null,
    lastOfferedAt: r.last_offered_at ? new Date(r.last_offered_at) : null,
    callsTaken: r.calls_taken,
    talkSeconds: r.talk_seconds,
  }))
}

/** Representatives still reserved for the call (not yet in) go back to available, their idle time kept. */
async function releaseMembers(trx: Trx, tenantId: string, callId: string, now: Date): Promise<void> {
  const members = await trx
    .updateTable('call_members')
    .set({ status: 'cancelled' })
    .where('tenant_id', '=', tenantId)
    .where('call_id', '=', callId)
    .where('status', 'in', ['reserved', 'ringing'])
    .returning('representative_id')
    .execute()
  if (!members.length) return
  await trx
    .updateTable('representative_presence')
    .set({ state: 'available', state_changed_at: now, reserved_call_id: null, reserved_until: null })
    .where('tenant_id', '=', tenantId)
    .where(
      'representative_id',
      'in',
      members.map((m) => m.representative_id),
    )
    .where('state', '=', 'reserved')
    .where('reserved_call_id', '=', callId)
    .execute()
}

/** A reserved representative who did not answer: back in the queue (last in line), or on break after too many. */
async function missOne(
  trx: Trx,
  tenantId: string,
  callId: string,
  representativeId: string,
  maxMissed: number,
  now: Date,
): Promise<{ onBreak: boolean }> {
  const member = await openMember(trx, tenantId, callId, representativeId)
  if (!member)
    throw new ProblemError(
      'not_found',
      `Representative ${representativeId} is not reserved for call ${callId}.`,
    )
  const presence = await lockPresence(trx, tenantId, representativeId)
  if (member.status === 'reserved' || member.status === 'ringing')
    await trx
      .updateTable('call_members')
      .set({ status: 'no_answer' })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', member.id)
      .execute()
  else if (member.status !== 'no_answer')
    throw new ProblemError(
      'conflict',
      `Representative ${representativeId} is ${member.status} on call ${callId}.`,
    )
  if (presence?.state !== 'reserved' || presence.reserved_call_id !== callId)
    return { onBreak: presence?.state === 'break' }
  const misses = presence.missed_in_row + 1
  const onBreak = misses >= maxMissed
  await trx
    .updateTable('representative_presence')
    .set({
      state: onBreak ? 'break' : 'available',
      state_changed_at: now,
      missed_in_row: misses,
      reserved_call_id: null,
      reserved_until: null,
      idle_since: onBreak ? null : now,
    })
    .where('tenant_id', '=', tenantId)
    .where('representative_id', '=', representativeId)
    .execute()
  return { onBreak }
}

// ── views ───────────────────────────────────────────────────────────────────────────────────────────

function viewPresence(row: PresenceRow): PresenceView {
  return {
    representative_id: row.representative_id,
    state: row.state as PresenceState,
    queues: (row.queues ?? []) as QueueKind[],
    partner_id: row.partner_id,
    logged_in_at: row.logged_in_at ? new Date(row.logged_in_at).toISOString() : null,
    state_changed_at: new Date(row.state_changed_at).toISOString(),
  }
}

function neededOf(n: number): 1 | 2 | 3 {
  return n === 2 || n === 3 ? n : 1
}

const PREFERENCE_KEYS = ['gender', 'zodiac_sign', 'expertise', 'extension'] as const

function cleanPreferences(preferences: CallerPreferences): CallerPreferences {
  const out: CallerPreferences = {}
  for (const key of PREFERENCE_KEYS) {
    const value = preferences[key]
    if (typeof value === 'string' && value.trim()) out[key] = value.trim()
  }
  return out
}

function preferencesOf(stored: unknown): CallerPreferences {
  return stored && typeof stored === 'object' ? cleanPreferences(stored as CallerPreferences) : {}
}

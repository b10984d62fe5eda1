// From the ACD's reservation to goodbye (figures 3–4): the caller joins a conference of their own,
// the reserved representatives' legs are originated into it, and the step-6 session is metered from
// each representative's add-member to their del-member, at FreeSWITCH's Event-Date-Timestamp, so the
// bill runs from the first representative in to the last one out. The grant's maximum duration is
// enforced by FreeSWITCH itself (sched_broadcast a minute before, sched_hangup at the limit), so a
// bridge that dies mid-call cannot let a call outrun its hold.
//
// Every conference event and every transition of one call runs through one serial queue: a
// representative's del-member is never handled before their add-member, and the decisions
// (requeue, end) are taken once, on a consistent state.
import { randomUUID } from 'node:crypto'
import type { ReservedRepresentative } from '../server/acd/types.ts'
import { promptOf } from '../server/billing/line-telephony.ts'
import { watchConference } from './conference-events.ts'
import type { ConferenceContext, ConferenceOutcome, FlowDeps } from './deps.ts'
import { type CallChannel, EslCommandError, type EslEvent, type Hangup } from './esl/types.ts'

/** The conference profile the shipped conference.conf.xml defines (telephony/freeswitch/). */
export const CONFERENCE_PROFILE = 'tollgate'
/** The conference's waits, in real milliseconds; tests shorten them. */
export const conferenceTimings = {
  /** how often a live call tells the sessions it is alive (the sweeper ends silent ones after 90 s) */
  heartbeatMs: 30_000,
  /** how long a leg FreeSWITCH says answered may take to show up in the conference */
  joinGraceMs: 5_000,
  /** how long the end waits for the kicked legs' del-member before closing them itself */
  leaveGraceMs: 3_000,
  /** a control command that does not answer in this long is given up (FreeSWITCH may be gone) */
  commandTimeoutMs: 5_000,
}

export function conferenceNameOf(callId: string): string {
  return `call-${callId}`
}

type LegState = 'ringing' | 'joined' | 'left' | 'no_answer'

interface Leg {
  representative: ReservedRepresentative
  /** origination_uuid: the leg's Unique-ID, known before FreeSWITCH answers */
  uuid: string
  state: LegState
  memberId?: string
  sessionLegId?: string
  joinedAt?: Date
}

type Decision = { kind: 'requeue' } | { kind: 'end'; reason: string; tellCaller: boolean; at: Date }

export async function runConference(
  deps: FlowDeps,
  call: CallChannel,
  context: ConferenceContext,
): Promise<ConferenceOutcome> {
  return new ConferenceCall(deps, call, context).run()
}

class ConferenceCall {
  private readonly name: string
  private readonly legs: Leg[]
  private callerMemberId: string | undefined
  private callerGone: Hangup | undefined
  private firstJoinAt: Date | undefined
  private scheduled = false
  private decision: Decision | undefined
  private decide!: (decision: Decision) => void
  private readonly decided = new Promise<Decision>((resolve) => {
    this.decide = resolve
  })
  private work: Promise<void> = Promise.resolve()
  private legsChanged: (() => void) | undefined
  private lastEventAt: Date | undefined

  constructor(
    private readonly deps: FlowDeps,
    private readonly call: CallChannel,
    private readonly context: ConferenceContext,
  ) {
    this.name = conferenceNameOf(context.callId)
    this.legs = context.reservation.representatives.map((representative) => ({
      representative,
      uuid: randomUUID(),
      state: 'ringing',
    }))
  }

  private get log() {
    return this.deps.logger.child({ call_id: this.context.callId, conference: this.name })
  }

  /** Runs `step` after every step queued before it; a failing step is logged, the queue goes on. */
  private serial(step: () => Promise<void> | void): Promise<void> {
    this.work = this.work.then(step).catch((error: unknown) => {
      this.log.error({ err: error }, 'conference step failed')
    })
    return this.work
  }

  async run(): Promise<ConferenceOutcome> {
    const { deps, context, call } = this
    const unwatch = watchConference(deps.control, this.name, (event) => {
      this.serial(() => this.onConferenceEvent(event))
    })
    const heartbeat = setInterval(() => {
      deps.services.sessions
        .heartbeat(context.tenantId, context.sessionId)
        .catch((error: unknown) => this.log.warn({ err: error }, 'session heartbeat failed'))
    }, conferenceTimings.heartbeatMs)
    heartbeat.unref()
    try {
      await deps.services.db
        .updateTable('calls')
        .set({ conference_name: this.name, updated_at: deps.clock() })
        .where('tenant_id', '=', context.tenantId)
        .where('id', '=', context.callId)
        .execute()
      void call.hungUp.then((hangup) => this.serial(() => this.onCallerHangup(hangup)))
      if (!call.isHungUp)
        await call.executeAndForget('conference', `${this.name}@${CONFERENCE_PROFILE}`).catch((error) => {
          this.log.info({ err: error }, 'the caller could not join the conference')
        })
      for (const leg of this.legs) void this.originate(leg)
      const decision = await this.decided
      if (decision.kind === 'requeue') {
        await this.takeCallerOut()
        return { kind: 'requeue' }
      }
      return await this.end(decision)
    } finally {
      clearInterval(heartbeat)
      unwatch()
    }
  }

  // ---------------------------------------------------------------------------------------------
  // representatives' legs

  private async originate(leg: Leg): Promise<void> {
    const { deps, context, call } = this
    const variables = [
      `origination_uuid=${leg.uuid}`,
      `origination_caller_id_number=${call.dnis}`,
      `originate_timeout=${context.line.ring_seconds}`,
      `tollgate_call_id=${context.callId}`,
      `tollgate_representative_id=${leg.representative.id}`,
    ]
    await deps.services.db
      .updateTable('call_members')
      .set({ status: 'ringing', leg_uuid: leg.uuid })
      .where('tenant_id', '=', context.tenantId)
      .where('call_id', '=', context.callId)
      .where('representative_id', '=', leg.representative.id)
      .where('status', '=', 'reserved')
      .execute()
      .catch((error: unknown) => this.log.warn({ err: error }, 'call member not marked ringing'))
    try {
      await deps.control.bgapi(
        `originate {${variables.join(',')}}${leg.representative.dialString} &conference(${this.name}@${CONFERENCE_PROFILE})`,
        { timeoutMs: (context.line.ring_seconds + 15) * 1000 },
      )
      // answered: the add-member follows; a leg that never shows up counts as not answered
      setTimeout(() => {
        void this.serial(() => (leg.state === 'ringing' ? this.notAnswered(leg, 'never joined') : undefined))
      }, conferenceTimings.joinGraceMs).unref()
    } catch (error) {
      const cause = error instanceof EslCommandError ? error.reply : String(error)
      await this.serial(() => this.notAnswered(leg, cause))
    }
  }

  private async notAnswered(leg: Leg, cause: string): Promise<void> {
    if (leg.state !== 'ringing') return
    leg.state = 'no_answer'
    // a leg cancelled because the call was already ending is not the representative's miss
    if (!this.decision) {
      this.log.info({ representative_id: leg.representative.id, cause }, 'representative did not answer')
      await this.deps.acd.missed(this.context.tenantId, this.context.callId, leg.representative.id)
    }
    this.progress()
  }

  private async onConferenceEvent(event: EslEvent): Promise<void> {
    const action = event.get('Action')
    const uuid = event.get('Unique-ID')
    this.lastEventAt = event.at
    if (uuid === this.call.uuid) {
      if (action === 'add-member') this.callerMemberId = event.get('Member-ID')
      return
    }
    const leg = this.legs.find((l) => l.uuid === uuid)
    if (!leg) return
    if (action === 'add-member') await this.joined(leg, event)
    else if (action === 'del-member') await this.left(leg, event.at)
  }

  private async joined(leg: Leg, event: EslEvent): Promise<void> {
    if (leg.state !== 'ringing') return
    const { deps, context } = this
    const at = event.at
    leg.memberId = event.get('Member-ID')
    if (this.decision || this.callerGone) {
      // the call ended while this leg rang: it goes at once, unbilled (the release returns them)
      leg.state = 'no_answer'
      await this.kill(leg)
      this.progress()
      return
    }
    // the ACD first: a representative it already counted as a miss (or released) is not let in
    try {
      await deps.acd.joined(context.tenantId, context.callId, leg.representative.id, {
        legUuid: leg.uuid,
        ...(leg.memberId ? { memberId: leg.memberId } : {}),
        at,
      })
    } catch (error) {
      this.log.warn({ err: error, representative_id: leg.representative.id }, 'a late leg sent away')
      leg.state = 'no_answer'
      await this.kill(leg)
      this.progress()
      return
    }
    leg.state = 'joined'
    leg.joinedAt = at
    const { leg: sessionLeg } = await deps.services.sessions.connectLeg(context.tenantId, context.sessionId, {
      party: 'representative',
      representative_id: leg.representative.id,
      idempotencyKey: `${context.callId}:${leg.uuid}`,
      at,
    })
    leg.sessionLegId = sessionLeg.id
    await deps.services.db
      .updateTable('call_members')
      .set({ session_leg_id: sessionLeg.id })
      .where('tenant_id', '=', context.tenantId)
      .where('call_id', '=', context.callId)
      .where('representative_id', '=', leg.representative.id)
      .execute()
    if (!this.firstJoinAt) {
      this.firstJoinAt = at
      await this.scheduleLimit(at)
    }
    this.progress()
  }

  private async left(leg: Leg, at: Date): Promise<void> {
    if (leg.state !== 'joined') return
    leg.state = 'left'
    await this.closeLeg(leg, at)
    this.progress()
  }

  /** The representative's leg ends in the session and they go to wrap-up. */
  private async closeLeg(leg: Leg, at: Date): Promise<void> {
    const { deps, context } = this
    if (leg.sessionLegId)
      await deps.services.sessions
        .endLeg(context.tenantId, context.sessionId, leg.sessionLegId, { at })
        .catch((error: unknown) => this.log.warn({ err: error }, 'session leg not ended'))
    await deps.acd.left(context.tenantId, context.callId, leg.representative.id, at)
  }

  private onCallerHangup(hangup: Hangup): void {
    this.callerGone = hangup
    // DISCONNECTED: the socket closed with no hangup event (FreeSWITCH went away): what was seen
    // lasts until the bridge learnt it, on the bridge's clock
    const lost = hangup.cause === 'DISCONNECTED'
    const reason = lost
      ? 'connection_lost'
      : hangup.cause === 'ALLOTTED_TIMEOUT'
        ? 'max_duration'
        : 'caller_hung_up'
    this.settle({ kind: 'end', reason, tellCaller: false, at: lost ? this.deps.clock() : hangup.at })
  }

  /** Takes the decision the state now calls for, once. */
  private progress(): void {
    this.legsChanged?.()
    if (this.decision) return
    const ringing = this.legs.some((l) => l.state === 'ringing')
    const inCall = this.legs.some((l) => l.state === 'joined')
    const everJoined = this.firstJoinAt !== undefined
    if (ringing || inCall) return
    if (!everJoined) this.settle({ kind: 'requeue' })
    else
      this.settle({
        kind: 'end',
        reason: 'representatives_left',
        tellCaller: true,
        at: this.lastEventAt ?? this.deps.clock(),
      })
  }

  private settle(decision: Decision): void {
    if (this.decision) return
    this.decision = decision
    this.decide(decision)
  }

  // ---------------------------------------------------------------------------------------------
  // the maximum duration, enforced by FreeSWITCH

  private async scheduleLimit(firstJoinAt: Date): Promise<void> {
    const limit = this.context.maxDurationSeconds
    if (limit === null) return
    // counted from the first representative's add-member, which opened the billing window
    const elapsed = Math.floor((this.deps.clock().getTime() - firstJoinAt.getTime()) / 1000)
    const remaining = Math.max(1, limit - Math.max(0, elapsed))
    const uuid = this.call.uuid
    this.scheduled = true
    if (remaining > 60) {
      const warning = promptOf(this.context.line, 'time_warning')
      await this.api(`sched_broadcast +${remaining - 60} ${uuid} playback::${warning} aleg`)
    }
    await this.api(`sched_hangup +${remaining} ${uuid} ALLOTTED_TIMEOUT`)
  }

  // ---------------------------------------------------------------------------------------------
  // the end

  /** No representative came in: the caller leaves the conference and waits again. */
  private async takeCallerOut(): Promise<void> {
    if (this.call.isHungUp) return
    await this.serial(() => undefined)
    await this.api(`conference ${this.name} hup ${this.callerMemberId ?? 'all'}`)
  }

  private async end(decision: Extract<Decision, { kind: 'end' }>): Promise<ConferenceOutcome> {
    const { deps, context, call } = this
    if (this.scheduled) await this.api(`sched_del ${call.uuid}`)
    if (decision.tellCaller && !call.isHungUp) {
      await this.api(`conference ${this.name} hup ${this.callerMemberId ?? 'all'}`)
      await call
        .execute('playback', promptOf(context.line, 'representatives_left'), { timeoutMs: 60_000 })
        .catch(() => undefined)
    }
    // the representatives still in (or still ringing) go; their del-member closes their legs
    const staying = this.legs.filter((l) => l.state === 'joined' || l.state === 'ringing')
    await Promise.all(staying.map((leg) => this.kill(leg)))
    await this.legsSettled(conferenceTimings.leaveGraceMs)
    const endAt = this.latest(decision.at)
    await this.serial(async () => {
      for (const leg of this.legs) {
        if (leg.state === 'joined') {
          leg.state = 'left'
          await this.attempt('closing a leg', () => this.closeLeg(leg, endAt))
        } else if (leg.state === 'ringing') leg.state = 'no_answer'
      }
    })
    // the money first: each step below is tried whatever became of the one before
    await this.attempt('ending the session', () =>
      deps.services.sessions.end(context.tenantId, context.sessionId, { reason: decision.reason, at: endAt }),
    )
    await this.attempt('releasing the call', () =>
      deps.acd.release(context.tenantId, context.callId, decision.reason),
    )
    if (!call.isHungUp) await call.hangup('NORMAL_CLEARING').catch(() => undefined)
    await this.attempt('ending the call', () =>
      deps.services.db
        .updateTable('calls')
        .set({ stage: 'ended', ended_at: endAt, end_reason: decision.reason, updated_at: deps.clock() })
        .where('tenant_id', '=', context.tenantId)
        .where('id', '=', context.callId)
        .where('ended_at', 'is', null)
        .execute(),
    )
    this.log.info({ reason: decision.reason }, 'conference ended')
    return { kind: 'ended', reason: decision.reason }
  }

  /** The later of the decision's time and the last conference event seen: no leg closes before it left. */
  private latest(at: Date): Date {
    const seen = this.lastEventAt
    return seen && seen > at ? seen : at
  }

  private legsSettled(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!this.legs.some((l) => l.state === 'joined' || l.state === 'ringing')) finish()
      }
      const timer = setTimeout(() => finish(), timeoutMs)
      const finish = () => {
        clearTimeout(timer)
        this.legsChanged = undefined
        resolve()
      }
      this.legsChanged = check
      check()
    })
  }

  private async kill(leg: Leg): Promise<void> {
    await this.api(`uuid_kill ${leg.uuid} NORMAL_CLEARING`)
  }

  private async attempt(step: string, action: () => Promise<unknown>): Promise<void> {
    try {
      await action()
    } catch (error) {
      this.log.error({ err: error, step }, 'conference cleanup step failed')
    }
  }

  /** A control command whose failure the call survives (the channel may already be gone). */
  private async api(command: string): Promise<string | undefined> {
    try {
      return await this.deps.control.api(command, { timeoutMs: conferenceTimings.commandTimeoutMs })
    } catch (error) {
      this.log.info({ err: error, command: command.split(' ')[0] }, 'control command failed')
      return undefined
    }
  }
}

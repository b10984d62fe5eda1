// The caller's IVR (figures 3 and 4 of the seed): answer, the preamble with the rate, the caller's
// number checked against the ANI, the form of payment (a stored card offered, else typed on the
// keypad), the step-6 session started in-process (the decision, then the hold), what its verdict
// means for the caller, their preference, the queue with its position and Erlang C estimate and the
// waiting content, the partner network, and the hand-off to the conference. Whatever way the call
// ends — the caller hanging up at any step included — no hold is left and no session left live: the
// queue is released, a live session ended (a session that never connected reverses its hold in
// full), and the calls row ended.
//
// Card digits live only in this function's memory: the channel variables they arrive in are secret
// prompts (unset at once, redacted from logs by telephony/esl/), and nothing here logs a payment.
import { sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { CallerPreferences, Reservation } from '../../server/acd/types.ts'
import {
  type LineTelephony,
  lineTelephony,
  type PromptName,
  promptOf,
  waitingMusic,
} from '../../server/billing/line-telephony.ts'
import { newId } from '../../server/ids.ts'
import { findStoredMethods } from '../../server/payments/stored-methods.ts'
import type { SessionRequestInput, SessionView } from '../../server/sessions/schema.ts'
import type { CallFlows, FlowDeps, NumberEntry } from '../deps.ts'
import type { CallChannel, DigitsPrompt, EslEvent } from '../esl/types.ts'
import { endCall, insertCall, recordSession } from './calls.ts'
import {
  birthDateOf,
  expiryOf,
  type PreferenceKind,
  phoneNumberOf,
  preferenceMenu,
  preferenceOf,
  sameNumber,
  zodiacSignOf,
} from './keypad.ts'
import { type CallOffer, offerForCall, offerKeys } from './offer.ts'
import {
  lastFourSaying,
  positionSaying,
  rateSaying,
  resetSaying,
  type Saying,
  sayArgument,
  waitSaying,
} from './say.ts'
import { type Correction, verdictOf } from './verdict.ts'

export interface CallerFlowOptions {
  /**
   * The longest stretch of waiting content (or review hold music) between two looks at the queue,
   * in seconds: FreeSWITCH's playback_timeout_sec, which needs at least 2.
   */
  checkEverySeconds?: number
  /** real time at least between two looks, so a playback that returns at once cannot spin */
  minCheckIntervalMs?: number
  /** how long a caller is kept on hold while a person reviews the decision */
  reviewHoldSeconds?: number
  /** how many times a caller may start (corrections after temporary blocks included) */
  maxStarts?: number
  /** a live session's heartbeat while the caller waits (the sweeper ends silent ones) */
  heartbeatEverySeconds?: number
  /** the `say` module for figures */
  language?: string
  /** while the offer plays whole, how often the queue is looked at (real ms): a representative cuts it short */
  offerCheckMs?: number
}

type ServiceLineEntry = Extract<NumberEntry, { purpose: 'service_line' }>

interface Line {
  id: string
  currency: string
  ratePerMinute: number
  representativesPerCall: number
  telephony: LineTelephony
}

/** What cleanup needs to know, whichever step the call ended at. */
interface CallState {
  sessionId: string | null
  sessionLive: boolean
  /** in the ACD's queue (enqueued and not handed to the conference) */
  queued: boolean
  /** the conference ran to its end: it ended the session and the calls row itself */
  handedOff: boolean
  /** transferred away: the channel is FreeSWITCH's again, not to be hung up */
  transferred: boolean
  endReason: string
}

/** Thrown to leave the flow with a reason once the caller has heard why. */
class Goodbye extends Error {
  constructor(readonly reason: string) {
    super(reason)
  }
}

export function callerFlow(options: CallerFlowOptions = {}): CallFlows['caller'] {
  const settings = {
    checkEverySeconds: Math.max(2, options.checkEverySeconds ?? 5),
    minCheckIntervalMs: options.minCheckIntervalMs ?? 200,
    reviewHoldSeconds: options.reviewHoldSeconds ?? 180,
    maxStarts: options.maxStarts ?? 3,
    heartbeatEverySeconds: options.heartbeatEverySeconds ?? 30,
    language: options.language ?? 'en',
    offerCheckMs: options.offerCheckMs ?? 1000,
  }
  return (deps, call, entry) => runCall(deps, call, entry, settings)
}

/** The caller flow with its defaults: CallFlows.caller. */
export const runCallerFlow: CallFlows['caller'] = callerFlow()

type Settings = Required<CallerFlowOptions>

async function runCall(
  deps: FlowDeps,
  call: CallChannel,
  entry: ServiceLineEntry,
  settings: Settings,
): Promise<void> {
  const { db } = deps.services
  const log = deps.logger.child({ channel_uuid: call.uuid, tenant_id: entry.tenantId })
  const line = await readLine(db, entry.tenantId, entry.serviceLineId, log)
  if (!line) {
    // a number whose line was deactivated: as good as a number no line claims
    log.warn({ service_line_id: entry.serviceLineId }, 'a call for an inactive service line')
    await call.execute('answer').catch(() => undefined)
    await call.execute('playback', promptOf(lineTelephony({}), 'not_in_service')).catch(() => undefined)
    await call.hangup().catch(() => undefined)
    return
  }
  const callId = newId('call')
  const ani = phoneNumberOf(call.ani)
  await insertCall(db, {
    tenantId: entry.tenantId,
    id: callId,
    channelUuid: call.uuid,
    bridgeId: deps.bridgeId,
    dnis: call.dnis,
    ani,
    advertisingSource: entry.advertisingSource,
    serviceLineId: line.id,
    representativesNeeded: line.representativesPerCall,
    at: deps.clock(),
  })
  const state: CallState = {
    sessionId: null,
    sessionLive: false,
    queued: false,
    handedOff: false,
    transferred: false,
    endReason: 'completed',
  }
  const ivr = new Ivr(deps, call, entry, line, callId, ani, state, settings, log.child({ call_id: callId }))
  try {
    await ivr.run()
  } catch (error) {
    if (error instanceof Goodbye) state.endReason = error.reason
    else if (call.isHungUp) state.endReason = 'caller_hung_up'
    else {
      log.error({ err: error, call_id: callId }, 'the caller flow failed')
      state.endReason = 'bridge_error'
    }
  } finally {
    await ivr.cleanUp()
  }
}

async function readLine(
  db: Db,
  tenantId: string,
  lineId: string,
  log: FlowDeps['logger'],
): Promise<Line | null> {
  const row = await db
    .selectFrom('service_lines')
    .select(['id', 'currency', 'rate_per_minute', 'representatives_per_call', 'telephony'])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', lineId)
    .where('active', '=', true)
    .executeTakeFirst()
  if (!row) return null
  return {
    id: row.id,
    currency: row.currency,
    ratePerMinute: Number(row.rate_per_minute),
    representativesPerCall: Math.min(3, Math.max(1, row.representatives_per_call)),
    telephony: settingsOf(row.telephony, log),
  }
}

/** A line's settings; settings the admin API would refuse (written by hand) fall back to the defaults. */
function settingsOf(stored: unknown, log: FlowDeps['logger']): LineTelephony {
  try {
    return lineTelephony(stored)
  } catch (error) {
    log.error({ err: error }, 'the line’s telephony settings are invalid: the defaults answer')
    return lineTelephony({})
  }
}

/** The keypad form of payment: kept in memory for the call's starts, never logged or stored. */
type Payment = NonNullable<SessionRequestInput['payment_method']>

class Ivr {
  private readonly tenantId: string
  private readonly t: LineTelephony
  private lastHeartbeat = 0
  private lastLook = 0
  /** the offer played while waiting (waiting content `offer`), and the key the caller answered it with */
  private offer: CallOffer | null = null
  private offerAnswer: 'accept' | 'decline' | null = null

  constructor(
    private readonly deps: FlowDeps,
    private readonly call: CallChannel,
    entry: ServiceLineEntry,
    private readonly line: Line,
    private readonly callId: string,
    private readonly ani: string | null,
    private readonly state: CallState,
    private readonly settings: Settings,
    private readonly log: FlowDeps['logger'],
  ) {
    this.tenantId = entry.tenantId
    this.t = line.telephony
  }

  async run(): Promise<void> {
    await this.call.execute('answer')
    await this.play('preamble')
    await this.say(rateSaying(this.line.ratePerMinute, this.line.currency))
    // figure 4, block 401: a number that was not forwarded cannot be checked
    if (!this.ani) {
      await this.play('no_caller_number')
      throw new Goodbye('no_ani')
    }
    let entered = await this.askNumber(true)
    let payment = await this.choosePayment()
    const session = await this.startSession(entered, payment, async (correct) => {
      if (correct === 'number') entered = await this.askNumber(false)
      if (correct === 'card') payment = await this.typedCard()
      return { entered, payment }
    })
    const preferences = await this.askPreferences()
    const birthDate = this.t.waiting_content === 'birth_date_message' ? await this.askBirthDate() : null
    await this.wait(session, preferences, birthDate)
  }

  // -------------------------------------------------------------------------------------------
  // the caller's number

  /** The number the caller keys, compared with the ANI; one correction here, more if the rule set allows. */
  private async askNumber(allowCorrection: boolean): Promise<string> {
    const ani = this.ani as string
    for (let attempt = 1; ; attempt++) {
      const { digits } = await this.digits({
        file: promptOf(this.t, 'enter_phone'),
        variable: 'tollgate_entered_phone',
        min: 7,
        max: 15,
        regexp: '^\\d{7,15}$',
      })
      const number = phoneNumberOf(digits)
      if (number && (sameNumber(number, ani) || attempt >= 2 || !allowCorrection)) return number
      if (!number && (attempt >= 2 || !allowCorrection)) {
        // nothing the decision could compare: no number, no service
        await this.play('phone_mismatch')
        throw new Goodbye('number_not_entered')
      }
      await this.play('phone_mismatch')
    }
  }

  // -------------------------------------------------------------------------------------------
  // the form of payment (figure 4, block 402)

  private async choosePayment(): Promise<Payment> {
    const stored = (
      await findStoredMethods(this.deps.services.db, this.tenantId, { ani: this.ani as string })
    ).find((m) => m.last4)
    if (stored?.last4) {
      // "press 1 for the card ending 4242"
      await this.play('stored_method_offer')
      await this.say(lastFourSaying(stored.last4))
      const { digits } = await this.digits({
        file: 'silence_stream://250',
        variable: 'tollgate_choice',
        min: 1,
        max: 1,
        tries: 1,
      })
      if (digits === '1') return { type: 'stored', id: stored.id }
    }
    return this.typedCard()
  }

  /** Card number, expiry, security code and postal code by keypad, each a secret prompt. */
  private async typedCard(): Promise<Payment> {
    const number = await this.secret('enter_card', 'tollgate_card_number', 12, 19)
    let expiry = expiryOf(await this.secret('enter_expiry', 'tollgate_card_expiry', 4, 4))
    if (!expiry) expiry = expiryOf(await this.secret('enter_expiry', 'tollgate_card_expiry', 4, 4))
    if (!expiry) {
      await this.play('invalid')
      throw new Goodbye('payment_not_entered')
    }
    // the issuer checks the security code and the postal code (AVS); both keep a typed card honest
    const cvc = await this.secret('enter_card', 'tollgate_card_cvc', 3, 4)
    const postalCode = await this.secret('enter_postal_code', 'tollgate_postal_code', 3, 10)
    return {
      type: 'card',
      card: { number, ...expiry, cvc },
      billing_address: { postal_code: postalCode },
    }
  }

  private async secret(prompt: PromptName, variable: string, min: number, max: number): Promise<string> {
    const regexp = `^\\d{${min},${max}}$`
    const { digits } = await this.digits({
      file: promptOf(this.t, prompt),
      variable,
      min,
      max,
      regexp,
      secret: true,
    })
    if (new RegExp(regexp).test(digits)) return digits
    await this.play('invalid')
    throw new Goodbye('payment_not_entered')
  }

  // -------------------------------------------------------------------------------------------
  // the decision and the hold (step 6's session, in-process)

  private async startSession(
    firstEntered: string,
    firstPayment: Payment,
    correct: (what: Correction) => Promise<{ entered: string; payment: Payment }>,
  ): Promise<SessionView> {
    let entered = firstEntered
    let payment = firstPayment
    const declines = await this.declineOutcomes()
    for (let start = 1; start <= this.settings.maxStarts; start++) {
      const request: SessionRequestInput = {
        service_line_id: this.line.id,
        channel: 'phone',
        customer: {},
        network: {
          ani: this.ani,
          ...(phoneNumberOf(this.call.dnis) ? { dnis: phoneNumberOf(this.call.dnis) as string } : {}),
        },
        entered: { phone: entered },
        payment_method: payment,
      }
      const { session } = await this.deps.services.sessions.start(request, {
        tenantId: this.tenantId,
        channel: 'phone',
        // one key per start: a retried start (a bridge restart) finds its own session, never a second hold
        idempotencyKey: `${this.callId}:${start}`,
      })
      this.state.sessionId = session.id
      this.state.sessionLive = session.status === 'live'
      await recordSession(
        this.deps.services.db,
        this.tenantId,
        this.callId,
        { decisionId: session.decision.id, sessionId: session.id },
        this.deps.clock(),
      )
      const verdict = verdictOf(session, declines)
      this.log.info(
        {
          session_id: session.id,
          decision_id: session.decision.id,
          status: session.status,
          verdict: verdict.kind,
        },
        'session started',
      )
      switch (verdict.kind) {
        case 'go':
          return session
        case 'block':
          await this.play('blocked')
          throw new Goodbye('blocked')
        case 'limit':
          // "thanks for your calls": the allowance lifts then
          await this.play('limited')
          if (verdict.resetsAt) await this.say(resetSaying(verdict.resetsAt))
          throw new Goodbye('limited')
        case 'temporary_block':
          await this.play('temporarily_blocked')
          throw new Goodbye('temporarily_blocked')
        case 'review': {
          const resolution = await this.holdForReview(verdict.decisionId)
          if (resolution === 'block') {
            await this.play('blocked')
            throw new Goodbye('blocked_on_review')
          }
          if (resolution === 'timeout') {
            await this.play('goodbye')
            throw new Goodbye('review_timeout')
          }
          // approved: the reviewer's approval is on the positive list, so the next start passes
          break
        }
        case 'retry': {
          await this.play(verdict.declined ? 'payment_declined' : 'temporarily_blocked')
          ;({ entered, payment } = await correct(verdict.correct))
          break
        }
      }
    }
    await this.play('temporarily_blocked')
    throw new Goodbye('too_many_attempts')
  }

  private async declineOutcomes() {
    const active = await this.deps.services.ruleSets.active(this.deps.services.db, this.tenantId)
    return active?.ruleSet?.compiled.definition.settings.payment_declines ?? {}
  }

  /** Hold music while a person decides on the review desk, within a time limit. */
  private async holdForReview(decisionId: string): Promise<'approve' | 'block' | 'timeout'> {
    const until = this.deps.clock().getTime() + this.settings.reviewHoldSeconds * 1000
    await this.setPlaybackLimits(null)
    try {
      while (this.deps.clock().getTime() < until) {
        const decision = await this.deps.services.authorizations.get(this.tenantId, decisionId)
        const resolution = decision?.resolution as { outcome?: string } | null | undefined
        if (resolution?.outcome === 'approve') return 'approve'
        if (resolution?.outcome === 'block') return 'block'
        await this.pace()
        await this.slice(promptOf(this.t, 'review_hold'))
      }
      return 'timeout'
    } finally {
      if (!this.call.isHungUp) await this.clearPlaybackLimits()
    }
  }

  // -------------------------------------------------------------------------------------------
  // the caller's preference (any, a gender, a sign, an expertise, a known representative)

  private async askPreferences(): Promise<CallerPreferences> {
    const offered = this.t.preferences as PreferenceKind[]
    if (!offered.length) return {}
    const menu = preferenceMenu(offered)
    const { digits } = await this.digits({
      file: promptOf(this.t, 'preference_menu'),
      variable: 'tollgate_choice',
      min: 1,
      max: 1,
      tries: 1,
    })
    const kind = menu.get(digits) ?? 'any'
    let preferences: CallerPreferences = {}
    if (kind !== 'any') {
      const expertise = kind === 'expertise' ? await this.expertiseTags() : []
      const { digits: choice } = await this.digits({
        file: promptOf(this.t, 'preference_menu'),
        variable: 'tollgate_choice',
        min: 1,
        max: kind === 'extension' ? 8 : 2,
        tries: 1,
      })
      preferences = preferenceOf(kind, choice, expertise) ?? {}
    }
    return preferences
  }

  /** The tenant's expertise tags, sorted: the line's menu recording names them in this order. */
  private async expertiseTags(): Promise<string[]> {
    const rows = await sql<{ tag: string }>`
      select distinct jsonb_array_elements_text(expertise) as tag from representatives
      where tenant_id = ${this.tenantId} order by tag`.execute(this.deps.services.db)
    return rows.rows.map((r) => r.tag)
  }

  /** MMDDYYYY for the personalised waiting message; no entry, or no date, is music. */
  private async askBirthDate(): Promise<string | null> {
    const { digits } = await this.digits({
      file: promptOf(this.t, 'preference_menu'),
      variable: 'tollgate_birth_date',
      min: 8,
      max: 8,
      tries: 1,
      regexp: '^\\d{8}$',
      secret: true,
    })
    return birthDateOf(digits, this.deps.clock())
  }

  // -------------------------------------------------------------------------------------------
  // the queue

  private async wait(session: SessionView, preferences: CallerPreferences, birthDate: string | null) {
    const { acd } = this.deps
    const clock = () => this.deps.clock().getTime()
    let partnerAsked = false
    const stopListening = this.call.onEvent((event: EslEvent) => {
      if (event.name !== 'DTMF') return
      const digit = event.get('DTMF-Digit')
      if (digit === this.t.partner_key) partnerAsked = true
      else if (this.offer?.status === 'open' && digit === offerKeys.accept) this.offerAnswer = 'accept'
      else if (this.offer?.status === 'open' && digit === offerKeys.decline) this.offerAnswer = 'decline'
    })
    try {
      await acd.enqueue(this.tenantId, this.callId, { preferences })
      this.state.queued = true
      const enqueuedAt = clock()
      let lastAnnounced: number | null = null
      let offerDue = false
      // a representative reserved while the offer played
      let reservedDuringOffer: Reservation | null = null
      if (this.t.waiting_content === 'offer') this.offer = await this.findOffer(session)
      await this.setPlaybackLimits(this.waitingKeys())
      for (;;) {
        const reservation = reservedDuringOffer ?? (await acd.reserve(this.tenantId, this.callId))
        reservedDuringOffer = null
        if (reservation) {
          this.state.queued = false
          // the caller leaves the queue: an offer not taken yet releases its stock and hold now
          await this.declineOffer()
          // the conference's prompts play whole
          await this.clearPlaybackLimits()
          const outcome = await this.deps.flows.conference(this.deps, this.call, {
            tenantId: this.tenantId,
            callId: this.callId,
            sessionId: session.id,
            serviceLineId: this.line.id,
            line: this.t,
            reservation,
            maxDurationSeconds: session.max_duration_seconds,
          })
          if (outcome.kind === 'ended') {
            this.state.handedOff = true
            throw new Goodbye(outcome.reason)
          }
          // no reserved representative came in: back in the queue, announced again
          await acd.enqueue(this.tenantId, this.callId, { preferences })
          this.state.queued = true
          lastAnnounced = null
          await this.setPlaybackLimits(this.waitingKeys())
          continue
        }
        if (partnerAsked && this.t.partner_network) await this.transfer('partner_key')
        if (clock() - enqueuedAt >= this.t.max_wait_seconds * 1000) {
          if (this.t.partner_network) await this.transfer('max_wait')
          await this.play('goodbye')
          throw new Goodbye('max_wait')
        }
        if (lastAnnounced === null || clock() - lastAnnounced >= this.t.announce_every_seconds * 1000) {
          await this.announcePosition()
          lastAnnounced = clock()
          if (birthDate) await this.play(null, this.personalMessage(birthDate))
          offerDue = this.offer?.status === 'open'
        }
        await this.heartbeat(session.id)
        await this.pace()
        if (partnerAsked && this.t.partner_network) continue
        if (offerDue && this.offer) reservedDuringOffer = await this.playOffer(this.offer)
        else await this.slice(this.waitingContent())
        offerDue = false
        await this.answerOffer()
      }
    } finally {
      stopListening()
    }
  }

  // -------------------------------------------------------------------------------------------
  // the offer while waiting (step 8)

  /** The offer for this caller; a failure to find or make one is music, never the end of the call. */
  private async findOffer(session: SessionView): Promise<CallOffer | null> {
    if (session.status !== 'live') return null
    try {
      return await offerForCall(this.deps, this.tenantId, session)
    } catch (error) {
      this.log.error({ err: error }, 'making the waiting caller’s offer failed')
      return null
    }
  }

  /**
   * The offer plays whole (not cut into the music's slices), and the queue is looked at meanwhile: a
   * representative reserved while it plays stops it at once (uuid_break, without `all`, which would
   * also flush the messages queued for this socket) and is returned, so the offer never delays the
   * call. FreeSWITCH keeps a break that comes just as the file ends for the next one, so the break is
   * sent only while the playback has not completed.
   */
  private async playOffer(offer: CallOffer): Promise<Reservation | null> {
    await this.call.unsetVariable('playback_timeout_sec')
    let finished = false
    const playing = this.call
      .execute('playback', offer.prompt ?? promptOf(this.t, 'offer'), { timeoutMs: 15 * 60_000 })
      .finally(() => {
        finished = true
      })
    playing.catch(() => undefined)
    let reservation: Reservation | null = null
    try {
      while (!finished && !reservation) {
        await new Promise((resolve) => setTimeout(resolve, this.settings.offerCheckMs))
        if (finished) break
        reservation = await this.deps.acd.reserve(this.tenantId, this.callId)
        if (reservation && !finished) await this.call.api(`uuid_break ${this.call.uuid}`)
      }
      await playing
    } finally {
      if (!this.call.isHungUp)
        await this.call.setVariable('playback_timeout_sec', String(this.settings.checkEverySeconds))
    }
    return reservation
  }

  /** The keys that end a slice of waiting content at once: the partner key, and the offer's while it is open. */
  private waitingKeys(): string {
    const keys = new Set([this.t.partner_key])
    if (this.offer?.status === 'open') for (const key of Object.values(offerKeys)) keys.add(key)
    return [...keys].join('')
  }

  /** 1 orders the offer, charged to the session's method; 2 declines it. */
  private async answerOffer(): Promise<void> {
    const offer = this.offer
    const answer = this.offerAnswer
    if (offer?.status !== 'open' || !answer) return
    this.offerAnswer = null
    if (answer === 'decline') {
      await this.declineOffer()
      await this.setPlaybackLimits(this.waitingKeys())
      return
    }
    try {
      const order = await this.deps.offers.accept(this.tenantId, offer.presentationId, {
        channel: 'phone',
        now: this.deps.clock(),
      })
      offer.status = 'accepted'
      this.log.info(
        { order_id: order.id, presentation_id: offer.presentationId },
        'the waiting caller ordered the offer',
      )
      await this.play('offer_accepted')
    } catch (error) {
      // expired, or the capture refused: the offer is gone either way
      offer.status = 'declined'
      this.log.warn(
        { err: error, presentation_id: offer.presentationId },
        'the waiting caller’s order failed',
      )
      await this.play('invalid')
    }
    await this.setPlaybackLimits(this.waitingKeys())
  }

  private async declineOffer(): Promise<void> {
    const offer = this.offer
    if (offer?.status !== 'open') return
    offer.status = 'declined'
    await this.deps.offers
      .decline(this.tenantId, offer.presentationId, { channel: 'phone', now: this.deps.clock() })
      .catch((error: unknown) =>
        this.log.error({ err: error }, 'declining the waiting caller’s offer failed'),
      )
  }

  private async announcePosition(): Promise<void> {
    const { position, estimatedWaitSeconds } = await this.deps.acd.position(this.tenantId, this.callId)
    await this.play('queue_position')
    await this.say(positionSaying(position))
    if (estimatedWaitSeconds !== null) await this.say(waitSaying(estimatedWaitSeconds))
  }

  /** Music between the offer's plays; the birth-date message is played on announcing. */
  private waitingContent(): string {
    const waiting = promptOf(this.t, 'waiting')
    return waiting.includes('{zodiac_sign}') ? waitingMusic : waiting
  }

  /**
   * The personalised message: the line's waiting prompt with {zodiac_sign} in its path (one recording
   * per sign, a horoscope say), else the waiting content itself.
   */
  private personalMessage(birthDate: string): string {
    return promptOf(this.t, 'waiting').replaceAll('{zodiac_sign}', zodiacSignOf(birthDate))
  }

  private async transfer(reason: 'partner_key' | 'max_wait'): Promise<never> {
    const target = this.t.partner_network as string
    const endReason = reason === 'partner_key' ? 'partner_transfer' : 'max_wait_transfer'
    await this.play('transfer_notice')
    // release() ends the call row with this reason: the queue and the row agree
    await this.deps.acd.release(this.tenantId, this.callId, endReason)
    this.state.queued = false
    // an extension of the dialplan, or a dial string bridged inline
    const destination = target.includes('/') ? `'bridge:${target}' inline` : target
    await this.call.api(`uuid_transfer ${this.call.uuid} ${destination}`)
    this.state.transferred = true
    throw new Goodbye(endReason)
  }

  /** A playback that returned at once (no sound files, a fake) must not turn a wait into a busy loop. */
  private async pace(): Promise<void> {
    const since = Date.now() - this.lastLook
    if (since < this.settings.minCheckIntervalMs)
      await new Promise((resolve) => setTimeout(resolve, this.settings.minCheckIntervalMs - since))
    this.lastLook = Date.now()
  }

  private async heartbeat(sessionId: string): Promise<void> {
    const now = this.deps.clock().getTime()
    if (now - this.lastHeartbeat < this.settings.heartbeatEverySeconds * 1000) return
    this.lastHeartbeat = now
    await this.deps.services.sessions.heartbeat(this.tenantId, sessionId)
  }

  // -------------------------------------------------------------------------------------------
  // the end, however it came

  async cleanUp(): Promise<void> {
    const { state, tenantId, callId } = this
    const reason = state.endReason
    const attempt = async (what: string, work: () => Promise<unknown>) => {
      try {
        await work()
      } catch (error) {
        this.log.error({ err: error }, `cleaning up the call: ${what} failed`)
      }
    }
    if (state.queued) await attempt('release', () => this.deps.acd.release(tenantId, callId, reason))
    await attempt('declining the offer', () => this.declineOffer())
    if (!state.transferred && !this.call.isHungUp)
      await attempt('hangup', () =>
        this.call.hangup(reason === 'bridge_error' ? 'TEMPORARY_FAILURE' : undefined),
      )
    if (state.transferred) this.call.close()
    // a session that never connected a representative reverses its hold in full (settlement)
    if (state.sessionId && state.sessionLive && !state.handedOff)
      await attempt('ending the session', () =>
        this.deps.services.sessions.end(tenantId, state.sessionId as string, { reason }),
      )
    await attempt('ending the call row', () =>
      endCall(this.deps.services.db, tenantId, callId, reason, this.deps.clock()),
    )
    this.log.info({ reason }, 'call ended')
  }

  // -------------------------------------------------------------------------------------------
  // FreeSWITCH applications

  private async play(name: PromptName | null, file?: string): Promise<void> {
    await this.call.execute('playback', file ?? promptOf(this.t, name as PromptName))
  }

  private async say(saying: Saying): Promise<void> {
    await this.call.execute('say', sayArgument(saying, this.settings.language))
  }

  /** Bounded playback (review hold, waiting content); a terminator key ends it at once. */
  private async setPlaybackLimits(terminator: string | null): Promise<void> {
    await this.call.setVariable('playback_timeout_sec', String(this.settings.checkEverySeconds))
    await this.call.setVariable('playback_timeout_as_success', 'true')
    await this.call.setVariable('playback_terminators', terminator ?? 'none')
  }

  /** The limits are channel variables: every later prompt (play_and_get_digits too) would be cut short. */
  private async clearPlaybackLimits(): Promise<void> {
    await this.call.unsetVariable('playback_timeout_sec')
    await this.call.unsetVariable('playback_timeout_as_success')
    await this.call.unsetVariable('playback_terminators')
  }

  private async slice(file: string): Promise<void> {
    await this.call.execute('playback', file, { timeoutMs: (this.settings.checkEverySeconds + 30) * 1000 })
  }

  private async digits(
    prompt: Pick<DigitsPrompt, 'file' | 'variable' | 'min' | 'max'> & Partial<DigitsPrompt>,
  ): Promise<{ digits: string }> {
    const result = await this.call.playAndGetDigits({
      tries: 3,
      timeoutMs: 7000,
      terminators: '#',
      invalidFile: promptOf(this.t, 'invalid'),
      digitTimeoutMs: 3000,
      ...prompt,
    })
    return { digits: result.result === 'success' ? result.digits : '' }
  }
}

// The caller's side of a call, short, for the conference journeys, the 200-call test, the two-bridge
// processes and the bench: not the real IVR (telephony/caller/), which has suites of its own. Imports
// nothing of vitest, so a bridge child process can run it.
import { randomBytes } from 'node:crypto'
import { lineTelephony } from '../../server/billing/line-telephony.ts'
import { newId } from '../../server/ids.ts'
import type { SessionRequestInput } from '../../server/sessions/schema.ts'
import type { CallFlows, ConferenceOutcome, FlowDeps, NumberEntry } from '../../telephony/deps.ts'
import type { CallChannel } from '../../telephony/esl/types.ts'

export interface CallerRecord {
  callId?: string
  sessionId?: string
  outcomes: ConferenceOutcome[]
  done: Promise<void>
}

let serial = 0

/** Completes a partial number with its Luhn check digit. */
function withLuhnDigit(partial: string): string {
  let sum = 0
  for (let i = 0; i < partial.length; i++) {
    let d = Number(partial[partial.length - 1 - i])
    if (i % 2 === 0) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return `${partial}${(10 - (sum % 10)) % 10}`
}

/** A phone session by a person nobody has seen (so no allowance of another call applies), paid by card. */
export function sessionBodyFor(lineId: string): SessionRequestInput {
  serial += 1
  const unique =
    `${randomBytes(3).readUIntBE(0, 3) % 100_000}`.padStart(5, '0') + String(serial % 10_000).padStart(4, '0')
  return {
    service_line_id: lineId,
    channel: 'phone',
    customer: { id: `c-${unique}`, phone: `+1303${unique.slice(-7)}`, name: 'Test Caller' },
    network: { ani: `+1303${unique.slice(-7)}` },
    entered: { phone: `+1303${unique.slice(-7)}` },
    payment_method: {
      type: 'card',
      card: { number: withLuhnDigit(`400000${unique}`), exp_month: 12, exp_year: 2030, cvc: '123' },
      billing_address: { line1: '12 Main St', postal_code: '94107', country: 'US' },
    },
  }
}

/**
 * The caller's side, short: write the call, answer, start the session, queue, hand each reservation
 * to the real conference flow, queue again on `requeue`; give up (unbilled) after maxReserveTries polls.
 */
export function standInCallerFlow(
  callers: Map<string, CallerRecord>,
  maxReserveTries: number,
  /** how long between two reserve() polls (real time) */
  pollMs = 10,
): CallFlows['caller'] {
  return async function standInCaller(
    deps: FlowDeps,
    call: CallChannel,
    entry: Extract<NumberEntry, { purpose: 'service_line' }>,
  ): Promise<void> {
    const record = callers.get(call.uuid) ?? { outcomes: [], done: Promise.resolve() }
    callers.set(call.uuid, record)
    const { services, acd } = deps
    const line = await services.db
      .selectFrom('service_lines')
      .select(['representatives_per_call', 'telephony'])
      .where('tenant_id', '=', entry.tenantId)
      .where('id', '=', entry.serviceLineId)
      .executeTakeFirstOrThrow()
    const callId = newId('call')
    record.callId = callId
    await services.db
      .insertInto('calls')
      .values({
        tenant_id: entry.tenantId,
        id: callId,
        channel_uuid: call.uuid,
        bridge_id: deps.bridgeId,
        dnis: call.dnis,
        ani: call.ani ?? null,
        service_line_id: entry.serviceLineId,
        stage: 'ivr',
        representatives_needed: line.representatives_per_call,
        started_at: deps.clock(),
      })
      .execute()
    await call.execute('answer')
    const { session } = await services.sessions.start(sessionBodyFor(entry.serviceLineId), {
      tenantId: entry.tenantId,
      channel: 'phone',
    })
    if (session.status !== 'live')
      throw new Error(`session ${session.status}: ${JSON.stringify(session.failure)}`)
    record.sessionId = session.id
    await services.db
      .updateTable('calls')
      .set({ session_id: session.id, decision_id: session.decision.id })
      .where('tenant_id', '=', entry.tenantId)
      .where('id', '=', callId)
      .execute()
    await acd.enqueue(entry.tenantId, callId)
    for (let tries = 0; tries < maxReserveTries && !call.isHungUp; ) {
      const reservation = await acd.reserve(entry.tenantId, callId)
      if (!reservation) {
        tries++
        await new Promise((resolve) => setTimeout(resolve, pollMs * (0.5 + Math.random())))
        continue
      }
      const outcome = await deps.flows.conference(deps, call, {
        tenantId: entry.tenantId,
        callId,
        sessionId: session.id,
        serviceLineId: entry.serviceLineId,
        line: lineTelephony(line.telephony),
        reservation,
        maxDurationSeconds: session.max_duration_seconds,
      })
      record.outcomes.push(outcome)
      if (outcome.kind === 'ended') return
      await acd.enqueue(entry.tenantId, callId)
    }
    // nobody came: the call ends unbilled
    await acd.release(entry.tenantId, callId, 'no_representative')
    await services.sessions.end(entry.tenantId, session.id, { reason: 'no_representative' })
    if (!call.isHungUp) await call.hangup()
  }
}

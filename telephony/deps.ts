// What every call flow of the bridge is given: the application's services (in-process, never over
// HTTP), the ACD, the inbound Event Socket connection and the bridge's own identity and clock.
import type { Acd, Reservation } from '../server/acd/types.ts'
import type { LineTelephony } from '../server/billing/line-telephony.ts'
import type { Logger } from '../server/logging.ts'
import type { OfferLedger } from '../server/offers/types.ts'
import type { Services } from '../server/services.ts'
import type { CallChannel, EslControl } from './esl/types.ts'

export interface BridgeDeps {
  services: Services
  acd: Acd
  /** the inbound connection: originate representatives' legs, conference control, sched_* */
  control: EslControl
  /** this bridge process's id, written on the calls it owns (calls.bridge_id) */
  bridgeId: string
  logger: Logger
  /** the bridge's clock; the sessions' clock in tests that move time by hand */
  clock: () => Date
  /** the offers' ledger (services.offers): offers made, accepted and declined in calls */
  offers: OfferLedger
}

/** How a number FreeSWITCH hands over is answered (service_numbers). */
export type NumberEntry =
  | {
      purpose: 'service_line'
      tenantId: string
      number: string
      serviceLineId: string
      advertisingSource: string | null
    }
  | { purpose: 'representatives'; tenantId: string; number: string }

/** What the caller's flow hands to the conference once the ACD reserved its representatives. */
export interface ConferenceContext {
  tenantId: string
  callId: string
  sessionId: string
  serviceLineId: string
  line: LineTelephony
  reservation: Reservation
  /** the session's max_duration_seconds: the warning a minute before, the hang-up at the limit */
  maxDurationSeconds: number | null
}

/** requeue: no reserved representative came in (each counted a miss); the caller waits again. */
export type ConferenceOutcome = { kind: 'requeue' } | { kind: 'ended'; reason: string }

/**
 * The bridge's flows, passed in rather than imported so that each reads alone and tests may run one
 * flow with the others real: telephony/caller/ (caller), telephony/conference.ts (conference),
 * telephony/representative-line.ts (representativeLine).
 */
export interface CallFlows {
  caller(
    deps: FlowDeps,
    call: CallChannel,
    entry: Extract<NumberEntry, { purpose: 'service_line' }>,
  ): Promise<void>
  conference(deps: FlowDeps, call: CallChannel, context: ConferenceContext): Promise<ConferenceOutcome>
  representativeLine(
    deps: FlowDeps,
    call: CallChannel,
    entry: Extract<NumberEntry, { purpose: 'representatives' }>,
  ): Promise<void>
}

export interface FlowDeps extends BridgeDeps {
  flows: CallFlows
}

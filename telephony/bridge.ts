// The bridge process: the outbound-socket listener FreeSWITCH hands each call to (ESL_LISTEN), the
// flow each dialled number selects (service_numbers), the inbound control connection (FREESWITCH_ESL)
// with its reconnects, and the ACD's clock. Several bridges may share one database: each call's row
// names the bridge that owns its channel, and the ACD assigns representatives under row locks.
//
// A FreeSWITCH restart drops every channel without hangup events. Each flow sees its socket close and
// ends its own call; once the control connection is back, the bridge also ends any call of its own
// whose channel FreeSWITCH no longer knows (a flow that died, a row left behind), at the moment the
// connection was lost: its session settles from the legs seen until then.
import { randomBytes } from 'node:crypto'
import type { Acd } from '../server/acd/types.ts'
import { lineTelephony, promptOf } from '../server/billing/line-telephony.ts'
import type { Logger } from '../server/logging.ts'
import type { OfferLedger } from '../server/offers/types.ts'
import type { Services } from '../server/services.ts'
import { type CallOutDialer, type CallOutSettings, createCallOutDialer } from './callout.ts'
import { runConference } from './conference.ts'
import type { CallFlows, FlowDeps, NumberEntry } from './deps.ts'
import { connectEslControl } from './esl/control.ts'
import { createEslListener } from './esl/listener.ts'
import type { CallChannel, EslControl, EslListener } from './esl/types.ts'
import { runRepresentativeLine } from './representative-line.ts'

export interface BridgeOptions {
  services: Services
  logger: Logger
  /** ESL_LISTEN; port 0 picks a free one */
  listen: { host: string; port: number }
  /** FREESWITCH_ESL and its password; null: no control connection (no representatives can be called) */
  freeswitch: { host: string; port: number; password: string } | null
  /** the caller's flow (telephony/caller/); the others default to this module's */
  flows: Pick<CallFlows, 'caller'> & Partial<CallFlows>
  acd?: Acd
  bridgeId?: string
  clock?: () => Date
  /** how often acd.tick runs (ends wrap-ups and expired reservations) */
  tickMs?: number
  /** the control's reconnect backoff; tests shorten it */
  backoff?: { initialMs: number; maxMs: number }
  /** the offers' ledger for in-call offers and call-outs; services.offers unless given */
  offers?: OfferLedger
  /** call-out campaigns (telephony/callout.ts): dialled only with a control connection and a ledger */
  callOut?: CallOutSettings
}

export interface Bridge {
  readonly bridgeId: string
  readonly address: { host: string; port: number }
  readonly control: EslControl
  /** the call-out dialer, when call-outs are configured */
  readonly callOut: CallOutDialer | null
  /** ends this bridge's calls whose channels FreeSWITCH no longer has; returns how many */
  sweepLostCalls(lostAt?: Date): Promise<number>
  close(): Promise<void>
}

/** The events the flows wait on: representatives' legs, conferences, and the jobs that originate them. */
export const CONTROL_EVENTS = [
  'CHANNEL_ANSWER',
  'CHANNEL_HANGUP_COMPLETE',
  'BACKGROUND_JOB',
  'DTMF',
  'CUSTOM',
  'conference::maintenance',
]

export async function createBridge(options: BridgeOptions): Promise<Bridge> {
  const { services, logger } = options
  const bridgeId = options.bridgeId ?? `brg_${randomBytes(6).toString('hex')}`
  const clock = options.clock ?? services.sessions.clock
  const acd = options.acd ?? services.acd
  const log = logger.child({ bridge_id: bridgeId })
  const control = options.freeswitch
    ? connectEslControl({
        ...options.freeswitch,
        logger: log,
        events: CONTROL_EVENTS,
        ...(options.backoff ? { backoff: options.backoff } : {}),
      })
    : offlineControl()
  const flows: CallFlows = {
    conference: runConference,
    representativeLine: runRepresentativeLine,
    ...options.flows,
  }
  const offers = options.offers ?? services.offers
  const deps: FlowDeps = { services, acd, control, bridgeId, logger: log, clock, flows, offers }

  // channels whose flow is still running here: the sweep leaves them to their flow
  const active = new Set<string>()
  const listener: EslListener = createEslListener({ logger: log })
  let callOut: CallOutDialer | null = null
  listener.onCall(async (call) => {
    active.add(call.uuid)
    try {
      // a customer a campaign called: known by the variable the originate set, not by the number
      const contactId = call.data.variable('tollgate_contact')
      if (contactId !== undefined) {
        const flow = callOut?.take(call)
        if (flow) return await flow()
        log.warn({ contact_id: contactId }, 'a call-out leg this bridge did not dial')
        if (!call.isHungUp) await call.hangup().catch(() => undefined)
        return
      }
      await route(deps, call)
    } finally {
      active.delete(call.uuid)
    }
  })
  const address = await listener.listen(options.listen.host, options.listen.port)
  if (options.callOut && options.freeswitch && offers) {
    callOut = createCallOutDialer(deps, offers, {
      ...options.callOut,
      socket: options.callOut.socket ?? address,
    })
    callOut.start()
  }

  let lostAt: Date | undefined
  let connectedOnce = false
  control.onDisconnect(() => {
    lostAt ??= clock()
  })
  control.onConnect(() => {
    if (connectedOnce) {
      const since = lostAt
      lostAt = undefined
      void sweepLostCalls(since).catch((error: unknown) =>
        log.error({ err: error }, 'sweep of lost calls failed'),
      )
    }
    connectedOnce = true
  })

  async function sweepLostCalls(since?: Date): Promise<number> {
    const rows = await services.db
      .selectFrom('calls')
      .select(['tenant_id', 'id', 'channel_uuid', 'session_id'])
      .where('bridge_id', '=', bridgeId)
      .where('ended_at', 'is', null)
      .execute()
    let ended = 0
    for (const row of rows) {
      if (active.has(row.channel_uuid)) continue
      const exists = await control
        .api(`uuid_exists ${row.channel_uuid}`)
        .then((reply) => reply.trim() === 'true')
        .catch(() => true)
      if (exists) continue
      await endLostCall(deps, row, since ?? clock())
      ended++
    }
    if (ended) log.warn({ ended }, 'calls whose channels FreeSWITCH lost were ended')
    return ended
  }

  // One tick at a time, and close() waits for the one running: a tick still querying when the
  // database closes held the pool's close open (seen as a teardown that never ended).
  let ticking: Promise<void> | null = null
  const tick = setInterval(() => {
    if (ticking) return
    ticking = acd
      .tick(clock())
      .catch((error: unknown) => log.warn({ err: error }, 'acd tick failed'))
      .finally(() => {
        ticking = null
      })
  }, options.tickMs ?? 1000)
  tick.unref()

  log.info({ listen: address, freeswitch: options.freeswitch !== null }, 'telephony bridge listening')
  return {
    bridgeId,
    address,
    control,
    callOut,
    sweepLostCalls,
    async close() {
      clearInterval(tick)
      await ticking
      await callOut?.stop()
      await listener.close()
      await control.close()
      // a dial waiting on its originate ends with the control connection; its result is reported
      await callOut?.drain(5000)
    },
  }
}

/** The flow the dialled number selects; a number no line claims hears that it is not in service. */
async function route(deps: FlowDeps, call: CallChannel): Promise<void> {
  const entry = await numberEntry(deps, call.dnis)
  if (entry?.purpose === 'service_line') return deps.flows.caller(deps, call, entry)
  if (entry?.purpose === 'representatives') return deps.flows.representativeLine(deps, call, entry)
  deps.logger.info({ dnis: call.dnis }, 'a call to a number no line claims')
  await call.execute('answer')
  await call.execute('playback', promptOf(lineTelephony({}), 'not_in_service')).catch(() => undefined)
  if (!call.isHungUp) await call.hangup('UNALLOCATED_NUMBER').catch(() => undefined)
}

export async function numberEntry(
  deps: Pick<FlowDeps, 'services'>,
  dnis: string,
): Promise<NumberEntry | undefined> {
  if (!dnis) return undefined
  const row = await deps.services.db
    .selectFrom('service_numbers')
    .selectAll()
    .where('number', 'in', [...new Set([dnis, dnis.replace(/^\+/, ''), `+${dnis.replace(/^\+/, '')}`])])
    .executeTakeFirst()
  if (!row) return undefined
  if (row.purpose === 'representatives')
    return { purpose: 'representatives', tenantId: row.tenant_id, number: row.number }
  if (row.purpose === 'service_line' && row.service_line_id)
    return {
      purpose: 'service_line',
      tenantId: row.tenant_id,
      number: row.number,
      serviceLineId: row.service_line_id,
      advertisingSource: row.advertising_source,
    }
  return undefined
}

/** A call of this bridge whose channel is gone: released, its session ended at `at` and settled. */
async function endLostCall(
  deps: FlowDeps,
  row: { tenant_id: string; id: string; session_id: string | null },
  at: Date,
): Promise<void> {
  const { services, acd } = deps
  const reason = 'freeswitch_lost'
  const joined = await services.db
    .selectFrom('call_members')
    .select(['representative_id', 'session_leg_id'])
    .where('tenant_id', '=', row.tenant_id)
    .where('call_id', '=', row.id)
    .where('status', '=', 'joined')
    .execute()
  for (const member of joined) {
    if (member.session_leg_id && row.session_id)
      await services.sessions
        .endLeg(row.tenant_id, row.session_id, member.session_leg_id, { at })
        .catch(() => undefined)
    await acd.left(row.tenant_id, row.id, member.representative_id, at).catch(() => undefined)
  }
  await acd.release(row.tenant_id, row.id, reason).catch(() => undefined)
  if (row.session_id) {
    const session = await services.sessions.get(row.tenant_id, row.session_id)
    if (session?.status === 'live') await services.sessions.end(row.tenant_id, row.session_id, { reason, at })
  }
  await services.db
    .updateTable('calls')
    .set({ stage: 'ended', ended_at: at, end_reason: reason, updated_at: deps.clock() })
    .where('tenant_id', '=', row.tenant_id)
    .where('id', '=', row.id)
    .where('ended_at', 'is', null)
    .execute()
}

/** The control when FREESWITCH_ESL is unset: callers are answered, but no representative can be called. */
export function offlineControl(): EslControl {
  const refuse = () => Promise.reject(new Error('FREESWITCH_ESL is not set: no control connection'))
  return {
    api: refuse,
    bgapi: refuse,
    onEvent: () => () => undefined,
    onConnect: () => () => undefined,
    onDisconnect: () => () => undefined,
    connected: false,
    close: async () => undefined,
  }
}

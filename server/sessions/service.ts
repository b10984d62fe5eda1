// Billable sessions (step 6), as the service graph hands them to the merchant API and, in-process,
// to the telephony bridge. A session reads as its stages:
//   start     the decision (kind session) with the session's grant reserved against the allowances
//             in the decision's own transaction, then the hold (checking / EFT: none);
//   legs      representatives (one to three at once) and the customer connect and disconnect;
//   heartbeat keeps a live session alive (the sweeper ends a silent one at its last heartbeat);
//   end       closes the legs, takes the billing window and rates it; then settlement moves the
//             money (settlement.ts) and replaces the reservation with what was billed.
// Nothing here holds a database lock across a gateway call: a session's row is locked only for the
// short transactions that change it, and every gateway call carries a key derived from the session
// id, so a retry (or the sweeper after a crash) repeats a call rather than making a second one.
import { createHmac } from 'node:crypto'
import stableStringify from 'safe-stable-stringify'
import type { Db } from '../../db/connect.ts'
import { jsonb } from '../../db/json.ts'
import type { AuthorizationRequest, DecisionResponse } from '../authorizations/schema.ts'
import type { Authorizations, CallerContext, Reservation } from '../authorizations/service.ts'
import { holdAmountFor, type RatedLine, rateSession, secondsCoveredBy } from '../billing/rating.ts'
import { ProblemError, validationProblem, zodToProblem } from '../http/problem.ts'
import { newId } from '../ids.ts'
import type { Logger } from '../logging.ts'
import type { PaymentSource } from '../payments/port.ts'
import { findStoredMethod, storedMethodSource } from '../payments/stored-methods.ts'
import { billedParty, billedSecondsOf, billingWindow } from './billing-window.ts'
import {
  type LegRequest,
  type LegView,
  type SessionRequest,
  type SessionRequestInput,
  type SessionView,
  sessionRequestSchema,
} from './schema.ts'
import { sealBankSource } from './sealed-source.ts'
import { type SessionPayments, settleSession } from './settlement.ts'
import {
  findSession,
  type LegRow,
  legView,
  type SessionRow,
  type SessionTerms,
  view,
  viewOf,
} from './views.ts'

export type { LegRow, SessionRow, SessionTerms } from './views.ts'

/** More representatives than this on one session at once are refused (the seed's triple queue). */
export const MAX_REPRESENTATIVES = 3

/** How long the sweeper leaves an ended session to the call that ended it before settling it itself. */
const SETTLE_GRACE_MS = 30_000

/** A start that never got past its hold (a crash between the two) is cleaned up after this long. */
export const OPENING_TIMEOUT_MS = 120_000

export interface SessionsDeps {
  db: Db
  secret: string
  logger: Logger
  authorizations: Authorizations
  payments: SessionPayments
  /** the sessions' clock; tests pass one they move by hand */
  clock?: () => Date
}

export interface StartContext {
  tenantId: string
  channel: CallerContext['channel']
  idempotencyKey?: string | undefined
  ruleSetPointer?: CallerContext['ruleSetPointer']
  keyCheck?: CallerContext['keyCheck']
}

export interface Sessions {
  start(
    request: SessionRequestInput,
    context: StartContext,
  ): Promise<{ session: SessionView; replayed: boolean }>
  connectLeg(
    tenantId: string,
    sessionId: string,
    leg: LegRequest & { idempotencyKey?: string | undefined; at?: Date | undefined },
  ): Promise<{ leg: LegView; session: SessionView }>
  endLeg(tenantId: string, sessionId: string, legId: string, options?: { at?: Date }): Promise<SessionView>
  heartbeat(tenantId: string, sessionId: string): Promise<SessionView>
  /** ends a live session (a no-op on an ended one) and settles it; the sweeper passes its last heartbeat */
  end(
    tenantId: string,
    sessionId: string,
    options?: { reason?: string | undefined; at?: Date | undefined },
  ): Promise<SessionView>
  get(tenantId: string, sessionId: string): Promise<SessionView | undefined>
  /** settles an ended session; safe to call again, from any process (settlement.ts) */
  settle(tenantId: string, sessionId: string): Promise<void>
  readonly clock: () => Date
}

const cardTypes = new Set(['card', 'debit'])
const directTypes = new Set(['checking', 'eft'])

export function sessions(deps: SessionsDeps): Sessions {
  const clock = deps.clock ?? (() => new Date())
  const { db } = deps
  const service: Sessions = {
    clock,
    start: (request, context) => start(deps, clock, request, context),
    async connectLeg(tenantId, sessionId, leg) {
      const at = leg.at ?? clock()
      const row = await connectLeg(deps, tenantId, sessionId, leg, at)
      const session = await viewOf(db, tenantId, sessionId)
      return { leg: legView(row), session }
    },
    async endLeg(tenantId, sessionId, legId, options = {}) {
      await endLeg(db, tenantId, sessionId, legId, options.at ?? clock())
      return viewOf(db, tenantId, sessionId)
    },
    async heartbeat(tenantId, sessionId) {
      const updated = await db
        .updateTable('sessions')
        .set({ last_heartbeat_at: clock() })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', sessionId)
        .where('status', '=', 'live')
        .executeTakeFirst()
      if (!updated.numUpdatedRows) await mustBeLive(db, tenantId, sessionId)
      return viewOf(db, tenantId, sessionId)
    },
    async end(tenantId, sessionId, options = {}) {
      await endSession(deps, tenantId, sessionId, {
        at: options.at ?? clock(),
        reason: options.reason ?? 'ended_by_merchant',
        now: clock(),
      })
      await service.settle(tenantId, sessionId).catch((error: unknown) => {
        // the money calls are keyed: the sweeper repeats them later, and nothing moves twice
        deps.logger.warn({ err: error, session_id: sessionId }, 'settlement deferred to the sweeper')
      })
      return viewOf(db, tenantId, sessionId)
    },
    async get(tenantId, sessionId) {
      const row = await findSession(db, tenantId, sessionId)
      return row ? view(db, row) : undefined
    },
    settle: (tenantId, sessionId) => settleSession(deps, clock, tenantId, sessionId),
  }
  return service
}

// ---------------------------------------------------------------------------------------------
// start

/** The id of the session a decision started: derived, so a retried start finds its own session. */
export function sessionIdOf(decisionId: string): string {
  return `ses_${decisionId.replace(/^dec_/, '')}`
}

/**
 * What an approved session may use, from the approval's limits: the seconds are the smaller of
 * what the minute allowances leave and what the hold covers (within what the money allowances
 * leave); the amount is what those seconds cost, which never exceeds the hold.
 */
export function grantOf(terms: SessionTerms, limits: DecisionResponse['limits']): Reservation {
  const spendable = limits.max_amount === null ? terms.hold : Math.min(terms.hold, limits.max_amount)
  // a line that charges nothing for time is bounded by the allowances alone
  const covered = secondsCoveredBy(terms, spendable)
  const bounds = [covered, limits.max_duration_seconds].filter((s): s is number => s !== null)
  const seconds = bounds.length ? Math.min(...bounds) : 24 * 3600
  return {
    seconds,
    amount: rateSession({ line: terms, billedSeconds: seconds }).total,
    currency: terms.currency,
  }
}

function hashOf(body: SessionRequest, secret: string): string {
  return createHmac('sha256', secret)
    .update(stableStringify(body) ?? '')
    .digest('base64url')
}

async function termsOf(db: Db, tenantId: string, lineId: string): Promise<Omit<SessionTerms, 'discounts'>> {
  const line = await db
    .selectFrom('service_lines')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', lineId)
    .where('active', '=', true)
    .executeTakeFirst()
  if (!line) throw validationProblem(['service_line_id'], 'is not an active service line of yours')
  const rated: RatedLine = {
    currency: line.currency,
    rate_per_minute: Number(line.rate_per_minute),
    connect_fee: Number(line.connect_fee),
    first_period_seconds: line.first_period_seconds,
    increment_seconds: line.increment_seconds,
    hold_policy: line.hold_policy === 'fixed' ? 'fixed' : 'minutes',
    hold_amount: line.hold_amount === null ? null : Number(line.hold_amount),
    hold_minutes: line.hold_minutes,
  }
  return {
    ...rated,
    service_line_id: line.id,
    mode: line.mode === 'chat_room' ? 'chat_room' : 'conference',
    hold: holdAmountFor(rated),
  }
}

function cardSource(request: SessionRequest): PaymentSource {
  const method = request.payment_method
  const card = method?.card
  if (!method || !card) throw validationProblem(['payment_method', 'card'], 'is required to pay by card')
  const address = method.billing_address
  return {
    type: 'card',
    card: {
      number: card.number.replace(/[ -]/g, ''),
      exp_month: card.exp_month,
      exp_year: card.exp_year,
      cvc: card.cvc ?? null,
      holder_name: card.holder_name ?? null,
    },
    billing_address: address
      ? {
          line1: address.line1 ?? null,
          postal_code: address.postal_code ?? null,
          country: address.country ?? null,
        }
      : null,
  }
}

async function start(
  deps: SessionsDeps,
  clock: () => Date,
  input: SessionRequestInput,
  context: StartContext,
): Promise<{ session: SessionView; replayed: boolean }> {
  const { db, secret } = deps
  // the HTTP route has validated already; an in-process caller is validated here, the same way
  const parsed = sessionRequestSchema.safeParse(input)
  if (!parsed.success) throw zodToProblem(parsed.error)
  const request = parsed.data
  const { tenantId, idempotencyKey } = context
  const requestHash = idempotencyKey ? hashOf(request, secret) : null
  if (idempotencyKey) {
    const prior = await db
      .selectFrom('sessions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('idempotency_key', '=', idempotencyKey)
      .executeTakeFirst()
    if (prior && prior.request_hash !== requestHash)
      throw new ProblemError(
        'idempotency_key_reused',
        'This Idempotency-Key was first used with a different body. Use a new key for a new session.',
      )
    // a start interrupted before its hold came back goes on where it stopped
    if (prior && prior.status !== 'opening') return { session: await view(db, prior), replayed: true }
  }

  const method = request.payment_method
  if (!method)
    throw validationProblem(['payment_method'], 'is required: a session is paid by card, checking or EFT')
  if (!cardTypes.has(method.type) && !directTypes.has(method.type) && method.type !== 'stored')
    throw validationProblem(
      ['payment_method', 'type'],
      'a session is paid by card, debit card, a stored method, checking or eft',
    )
  if (directTypes.has(method.type) && !method.bank_account)
    throw validationProblem(['payment_method', 'bank_account'], 'is required to pay by checking or EFT')
  // a stored method is held through its gateway token, like the card it was
  const stored =
    method.type === 'stored' && method.id ? await findStoredMethod(db, tenantId, method.id) : undefined
  const storedSource = stored ? storedMethodSource(stored) : null
  if (method.type === 'stored' && !storedSource)
    throw validationProblem(['payment_method', 'id'], 'is not one of your stored payment methods')
  const source = cardTypes.has(method.type) ? cardSource(request) : (storedSource?.source ?? null)

  const line = await termsOf(db, tenantId, request.service_line_id)
  const { service_line_id: _line, ...asked } = request
  const authorization: AuthorizationRequest = {
    ...asked,
    kind: 'session',
    // the rules see the hold as the session's amount
    amount: { value: line.hold, currency: line.currency },
    items: [],
  }
  // the grant is reckoned without discounts: they only lower what the granted time costs
  const withoutDiscounts: SessionTerms = { ...line, discounts: [] }
  const { decision } = await deps.authorizations.authorize(authorization, {
    tenantId,
    channel: context.channel,
    // the decision replays under the session's key, so a retried start never counts twice
    idempotencyKey: idempotencyKey ? `session:${idempotencyKey}` : undefined,
    ruleSetPointer: context.ruleSetPointer,
    keyCheck: context.keyCheck,
    reserve: (limits) => grantOf(withoutDiscounts, limits),
  })

  const id = sessionIdOf(decision.id)
  const now = clock()
  const approved = decision.outcome === 'approve'
  const grant = approved ? grantOf(withoutDiscounts, decision.limits) : null
  const terms: SessionTerms = {
    ...line,
    // the discounts' terms, which the bill applies to what was used (amount_off is a purchase's)
    discounts: decision.discounts.map((d) => ({
      code: d.code,
      message: d.message,
      percent_off: d.percent_off,
      amount_off: d.fixed_off,
      currency: line.currency,
    })),
  }
  const fingerprint = decision.payment_method?.fingerprint ?? null
  const paymentMethod =
    fingerprint && decision.customer
      ? await db
          .selectFrom('payment_methods')
          .select('id')
          .where('tenant_id', '=', tenantId)
          .where('fingerprint', '=', fingerprint)
          .executeTakeFirst()
      : undefined
  const bank = method.bank_account
  await db
    .insertInto('sessions')
    .values({
      tenant_id: tenantId,
      id,
      decision_id: decision.id,
      customer_id: decision.customer?.id ?? null,
      payment_method_id: paymentMethod?.id ?? null,
      service_line_id: line.service_line_id,
      channel: request.channel,
      mode: line.mode,
      status: approved ? 'opening' : 'refused',
      currency: line.currency,
      granted_seconds: grant?.seconds ?? null,
      reserved_amount: grant?.amount ?? 0,
      started_at: now,
      last_heartbeat_at: now,
      idempotency_key: idempotencyKey ?? null,
      request_hash: requestHash,
      terms: jsonb(terms),
      next_settle_at: approved ? new Date(now.getTime() + OPENING_TIMEOUT_MS) : null,
      payment_source_sealed:
        approved && bank
          ? sealBankSource(secret, {
              type: 'bank_account',
              routing_number: bank.routing_number,
              account_number: bank.account_number.replace(/[ -]/g, ''),
              holder_name: request.customer.name ?? null,
            })
          : null,
    })
    .onConflict((oc) => oc.columns(['tenant_id', 'id']).doNothing())
    .execute()

  if (!approved || !grant) return { session: await viewOf(db, tenantId, id), replayed: false }
  if (grant.seconds === 0) {
    await fail(db, tenantId, id, decision.id, clock(), {
      code: 'nothing_granted',
      message: 'What the allowances leave does not cover the first billing period of this line.',
    })
    return { session: await viewOf(db, tenantId, id), replayed: false }
  }

  if (!source) {
    // checking / EFT: no hold; charged directly at the end
    await goLive(db, tenantId, id, null)
    return { session: await viewOf(db, tenantId, id), replayed: false }
  }

  const held = await deps.payments
    .hold({
      tenantId,
      amount: line.hold,
      currency: line.currency,
      source,
      decisionId: decision.id,
      sessionId: id,
      customerId: decision.customer?.id ?? undefined,
      paymentMethodId: paymentMethod?.id ?? undefined,
      key: `${id}:hold`,
    })
    .catch((error: unknown) => {
      deps.logger.warn({ err: error, session_id: id }, 'the hold did not come back')
      return null
    })
  if (held && held.operation.status === 'succeeded' && held.payment.status === 'authorized')
    await goLive(db, tenantId, id, held.payment.id)
  else if (held && (held.operation.status === 'declined' || held.operation.status === 'failed'))
    await fail(db, tenantId, id, decision.id, clock(), {
      code: held.operation.decline_code ?? held.payment.failure_code ?? 'declined',
      message: held.operation.message ?? held.payment.failure_message ?? 'The card issuer declined the hold.',
      paymentId: held.payment.id,
    })
  else
    await fail(db, tenantId, id, decision.id, clock(), {
      code: 'gateway_unavailable',
      message:
        'The payment gateway did not answer in time. Nothing will be charged; the hold is released if it was placed.',
      paymentId: held?.payment.id,
    })
  return { session: await viewOf(db, tenantId, id), replayed: false }
}

async function goLive(db: Db, tenantId: string, id: string, holdPaymentId: string | null): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ status: 'live', hold_payment_id: holdPaymentId, next_settle_at: null })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('status', '=', 'opening')
    .execute()
}

/**
 * A session that will not go live: its reservation is lifted (the usage row voided) in the same
 * transaction. A hold that comes back authorized later (an answer that arrived after all) is voided
 * by the sweeper.
 */
export async function fail(
  db: Db,
  tenantId: string,
  id: string,
  decisionId: string,
  at: Date,
  failure: { code: string; message: string; paymentId?: string | undefined },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('sessions')
      .set({
        status: 'failed',
        failure_code: failure.code,
        failure_message: failure.message,
        hold_payment_id: failure.paymentId ?? null,
        ended_at: at,
        end_reason: 'not_started',
        next_settle_at: null,
        payment_source_sealed: null,
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('status', '=', 'opening')
      .executeTakeFirst()
    if (!updated.numUpdatedRows) return
    await trx
      .updateTable('usage_events')
      .set({ voided_at: at })
      .where('tenant_id', '=', tenantId)
      .where('decision_id', '=', decisionId)
      .where('voided_at', 'is', null)
      .execute()
  })
}

// ---------------------------------------------------------------------------------------------
// legs

async function lockSession(db: Db, tenantId: string, sessionId: string): Promise<SessionRow> {
  const row = await db
    .selectFrom('sessions')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', sessionId)
    .forUpdate()
    .executeTakeFirst()
  if (!row) throw new ProblemError('not_found', `No session ${sessionId}`)
  return row
}

async function mustBeLive(db: Db, tenantId: string, sessionId: string): Promise<SessionRow> {
  const row = await findSession(db, tenantId, sessionId)
  if (!row) throw new ProblemError('not_found', `No session ${sessionId}`)
  if (row.status !== 'live')
    throw new ProblemError('conflict', `Session ${sessionId} is ${row.status}, not live.`)
  return row
}

function legIdOf(secret: string, sessionId: string, key: string | undefined): string {
  if (!key) return newId('leg')
  const digest = createHmac('sha256', secret).update(`${sessionId}/${key}`).digest('hex').slice(0, 24)
  return `leg_${digest}`
}

async function connectLeg(
  deps: SessionsDeps,
  tenantId: string,
  sessionId: string,
  leg: LegRequest & { idempotencyKey?: string | undefined },
  at: Date,
): Promise<LegRow> {
  if (leg.party === 'customer' && leg.representative_id)
    throw validationProblem(['representative_id'], 'is only for representative legs')
  const legId = legIdOf(deps.secret, sessionId, leg.idempotencyKey)
  return deps.db.transaction().execute(async (trx) => {
    const session = await lockSession(trx, tenantId, sessionId)
    const existing = await trx
      .selectFrom('session_legs')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('session_id', '=', sessionId)
      .where('id', '=', legId)
      .executeTakeFirst()
    // the same Idempotency-Key again: the leg it made, whatever became of the session since
    if (existing) return existing
    if (session.status !== 'live')
      throw new ProblemError('conflict', `Session ${sessionId} is ${session.status}, not live.`)
    if (leg.representative_id) {
      const representative = await trx
        .selectFrom('representatives')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', leg.representative_id)
        .executeTakeFirst()
      if (!representative)
        throw validationProblem(['representative_id'], 'is not one of your representatives')
    }
    if (leg.party === 'representative') {
      const open = await trx
        .selectFrom('session_legs')
        .select((eb) => eb.fn.countAll<string>().as('count'))
        .where('tenant_id', '=', tenantId)
        .where('session_id', '=', sessionId)
        .where('party', '=', 'representative')
        .where('disconnected_at', 'is', null)
        .executeTakeFirstOrThrow()
      if (Number(open.count) >= MAX_REPRESENTATIVES)
        throw new ProblemError(
          'conflict',
          `Session ${sessionId} already has ${MAX_REPRESENTATIVES} representatives connected; end a leg first.`,
        )
    }
    const row = await trx
      .insertInto('session_legs')
      .values({
        tenant_id: tenantId,
        session_id: sessionId,
        id: legId,
        party: leg.party,
        representative_id: leg.representative_id ?? null,
        connected_at: at,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    if (session.billing_started_at === null && leg.party === billedParty(session.mode))
      await trx
        .updateTable('sessions')
        .set({ billing_started_at: at })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', sessionId)
        .execute()
    return row
  })
}

async function endLeg(db: Db, tenantId: string, sessionId: string, legId: string, at: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await lockSession(trx, tenantId, sessionId)
    const leg = await trx
      .selectFrom('session_legs')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('session_id', '=', sessionId)
      .where('id', '=', legId)
      .executeTakeFirst()
    if (!leg) throw new ProblemError('not_found', `No leg ${legId} on session ${sessionId}`)
    // ending a leg twice is a retry; a leg the session's end already closed stays as it was closed
    if (leg.disconnected_at) return
    await trx
      .updateTable('session_legs')
      .set({ disconnected_at: at < leg.connected_at ? leg.connected_at : at })
      .where('tenant_id', '=', tenantId)
      .where('session_id', '=', sessionId)
      .where('id', '=', legId)
      .execute()
  })
}

// ---------------------------------------------------------------------------------------------
// end

/**
 * Ends a live session at `at`: its open legs close, the billing window is taken from its legs and
 * rated on its terms, and it waits for settlement. An ended or settled session is left as it is.
 */
export async function endSession(
  deps: Pick<SessionsDeps, 'db'>,
  tenantId: string,
  sessionId: string,
  { at, reason, now }: { at: Date; reason: string; now: Date },
): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const session = await lockSession(trx, tenantId, sessionId)
    if (session.status === 'ended' || session.status === 'settled') return
    if (session.status !== 'live')
      throw new ProblemError(
        'conflict',
        `Session ${sessionId} is ${session.status}; only a live session ends.`,
      )
    const endedAt = at < session.started_at ? session.started_at : at
    await trx
      .updateTable('session_legs')
      .set({ disconnected_at: endedAt })
      .where('tenant_id', '=', tenantId)
      .where('session_id', '=', sessionId)
      .where('disconnected_at', 'is', null)
      .execute()
    const legs = await trx
      .selectFrom('session_legs')
      .select(['party', 'connected_at', 'disconnected_at'])
      .where('tenant_id', '=', tenantId)
      .where('session_id', '=', sessionId)
      .execute()
    const window = billingWindow(session.mode, legs, endedAt)
    const billedSeconds = billedSecondsOf(window, session.granted_seconds)
    const terms = session.terms as SessionTerms
    const rating = rateSession({ line: terms, billedSeconds, discounts: terms.discounts })
    await trx
      .updateTable('sessions')
      .set({
        status: 'ended',
        ended_at: endedAt,
        end_reason: reason,
        billing_started_at: window?.start ?? null,
        billing_ended_at: window?.end ?? null,
        billed_seconds: billedSeconds,
        charge_amount: rating.total,
        rating: jsonb(rating),
        // the caller settles at once; the sweeper steps in only if that did not finish
        next_settle_at: new Date(now.getTime() + SETTLE_GRACE_MS),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', sessionId)
      .execute()
  })
}

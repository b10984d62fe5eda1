// The decision pipeline for one authorization, in the order of ARCHITECTURE.md: capture what
// arrived, identify the customer, gather the facts the rules ask for, evaluate the rules and
// resolve the outcome, record it atomically with the usage it reserves, and respond. It is written
// against a DecisionStore (server/decision-store/store.ts): a transaction that holds the
// decision's subject locks, the reads its facts need, and one record of what it writes.
import { createHmac } from 'node:crypto'
import stableStringify from 'safe-stable-stringify'
import type { Db } from '../../db/connect.ts'
import type { DecisionRow } from '../../db/schema.ts'
import type { CompiledRuleSet, Evaluation } from '../../rules/engine.ts'
import type { ProviderKind } from '../../rules/facts/providers.ts'
import type { CapturedRequest } from '../../rules/request.ts'
import { mismatchOf } from '../checks/record.ts'
import {
  type IdentifiedCustomer,
  identifyCustomer,
  identityKeys,
  type LinkedCustomer,
  paymentMethodOf,
} from '../customers/identify.ts'
import { establishedLimitOf } from '../customers/purchase-limit.ts'
import type { DecisionStore, FirstRead, RecordRow } from '../decision-store/store.ts'
import { ProblemError } from '../http/problem.ts'
import { newId } from '../ids.ts'
import { lockKey } from '../locks.ts'
import type { Logger } from '../logging.ts'
import type { Metrics } from '../metrics.ts'
import { offerInDecision } from '../offers/in-decision.ts'
import type { OfferLedger } from '../offers/types.ts'
import { type PaymentGateway, sandboxGateway } from '../payments/gateway.ts'
import type { Payments } from '../payments/payments.ts'
import { holdForRecord, mayHoldInRecord, payForPurchase } from '../payments/purchases.ts'
import { findStoredMethod } from '../payments/stored-methods.ts'
import { liveVerification, verificationOf } from '../payments/verification.ts'
import type { ProviderCall, ProviderRegistry } from '../providers/client.ts'
import { liveProviderSources, providerCallRows } from '../providers/sources.ts'
import { reviewOf } from '../reviews/reviews.ts'
import type { RuleSetCache, RuleSetPointer } from '../rule-sets/active.ts'
import type { ShadowEvaluator } from '../shadow/evaluator.ts'
import { capture } from './capture.ts'
import type { AuthorizationRequest, DecisionResponse } from './schema.ts'
import { sqlFactSources } from './sources.ts'

export interface AuthorizationDeps {
  db: Db
  secret: string
  ruleSets: RuleSetCache
  metrics: Metrics
  /** verifies cards (AVS, CVC, name) when a rule asks; the sandbox when not given */
  gateway?: PaymentGateway
  /** evaluates the rule set's shadow version after commit; never affects the answer */
  shadow?: ShadowEvaluator
  /** outside data providers (figure 10, step 1015), called only when a rule reads their facts */
  providers?: ProviderRegistry
  /** where decisions are recorded: server/decision-store/batcher.ts shares transactions between them */
  store: DecisionStore
  /** places an approved purchase's hold (or charge) once its decision has committed */
  payments?: Payments
  /** reserves the stock and credit of the offers an approval makes, once its decision has committed */
  offers?: OfferLedger
  logger?: Logger
}

/**
 * How long a decision may wait for an outside provider inside its transaction — holding a database
 * connection, its locks and the others of its batch — before it leaves to wait outside.
 */
const waitInsideMs = 20

/** Who asks for a decision, and how: everything about the call that is not the request itself. */
export interface CallerContext {
  tenantId: string
  /** how the request arrived: the merchant API, or in-process from the telephony bridge */
  channel: 'api' | 'phone'
  /** the same key with the same request returns the stored decision; with another it is refused */
  idempotencyKey?: string | undefined
  /** where the tenant's deciding version is, when the caller has read it already */
  ruleSetPointer?: RuleSetPointer | undefined
  /** a credential the caller has not confirmed yet: the decision confirms it in its own transaction */
  keyCheck?: KeyCheck | undefined
  /**
   * A session's grant (server/sessions/service.ts): what an approved session reserves against the
   * allowances, reckoned from the approval's limits and written with the decision, under its locks
   */
  reserve?: ((limits: DecisionResponse['limits']) => Reservation) | undefined
  /**
   * The caller places the money itself (the bridge's call-out: the offers' ledger holds the offer's
   * price): an approved purchase is decided and recorded, and no hold or charge is placed for it, nor
   * offers selected
   */
  decisionOnly?: boolean | undefined
}

/** The seconds and money a live session holds against the allowances until it is settled. */
export interface Reservation {
  seconds: number
  amount: number
  currency: string
}

/**
 * An API key taken from a cache (server/api-keys/keys.ts), read again inside the decision's
 * transaction in the statement that reads its other rows: a revoked key is refused, and a newly
 * activated rule set decides at once, without a round trip of its own.
 */
export interface KeyCheck {
  keyId: string
  /** the key turned out unknown or revoked: the decision fails as unauthenticated */
  revoked(): void
  /** the tenant's deciding version moved since the caller read it: the decision runs on the new one */
  moved(pointer: RuleSetPointer): void
}

export interface AuthorizationResult {
  decision: DecisionResponse
  /** true when an Idempotency-Key replay returned the stored decision */
  replayed: boolean
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505'
}

async function findByIdempotencyKey(db: Db, tenantId: string, key: string) {
  return db
    .selectFrom('decisions')
    .select(['response', 'request_hash'])
    .where('tenant_id', '=', tenantId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst()
}

/** The caller's pointer to the deciding version was old: the decision runs again on this one. */
interface PointerMoved {
  movedTo: RuleSetPointer
}

function samePointer(a: RuleSetPointer, b: RuleSetPointer): boolean {
  return (
    a.time_zone === b.time_zone &&
    a.rule_set_id === b.rule_set_id &&
    a.active_version === b.active_version &&
    a.shadow_version === b.shadow_version
  )
}

function replay(
  prior: { response: unknown; request_hash: string | null },
  requestHash: string | null,
): AuthorizationResult {
  if (prior.request_hash !== requestHash)
    throw new ProblemError(
      'idempotency_key_reused',
      'This Idempotency-Key was first used with a different body. Use a new key for a new request.',
    )
  return { decision: prior.response as DecisionResponse, replayed: true }
}

function buildResponse(
  id: string,
  now: Date,
  request: CapturedRequest,
  customer: LinkedCustomer | null,
  ruleSet: { id: string; version: number },
  evaluation: Evaluation,
): DecisionResponse {
  const { resolution } = evaluation
  const card = request.payment_method?.card
  const bankAccount = request.payment_method?.bank_account
  return {
    id,
    outcome: resolution.outcome,
    reasons: resolution.reasons,
    limits: resolution.limits,
    retry_after_seconds: resolution.retry_after_seconds,
    discounts: resolution.discounts,
    amount:
      resolution.amount && request.amount
        ? { ...resolution.amount, currency: request.amount.currency }
        : null,
    // made after the decision commits (step 8): eligible offers become offers made or skipped ones
    offers: [],
    offers_skipped: [],
    customer: customer && {
      id: customer.id,
      external_id: customer.externalId,
      returning: customer.returning,
      linked_by: customer.linkedBy,
    },
    payment_method: request.payment_method
      ? {
          type: request.payment_method.type,
          brand: card?.brand ?? null,
          last4: card?.last4 ?? bankAccount?.last4 ?? null,
          fingerprint: card?.fingerprint ?? bankAccount?.fingerprint ?? null,
        }
      : null,
    rule_set: ruleSet,
    resolution: null,
    created_at: now.toISOString(),
  }
}

/** The decision pipeline, as the service graph hands it to its consumers (server/services.ts). */
export interface Authorizations {
  authorize(request: AuthorizationRequest, context: CallerContext): Promise<AuthorizationResult>
  get(tenantId: string, id: string): Promise<DecisionRow | undefined>
}

export function authorizations(deps: AuthorizationDeps): Authorizations {
  return {
    authorize: (request, context) => authorize(deps, request, context),
    get: (tenantId, id) => getDecision(deps.db, tenantId, id),
  }
}

export async function authorize(
  deps: AuthorizationDeps,
  body: AuthorizationRequest,
  context: CallerContext,
): Promise<AuthorizationResult> {
  for (let caller = context; ; ) {
    const decided = await decide(deps, body, caller)
    if (!('movedTo' in decided)) return decided
    // the key was good (it is confirmed first); the pointer it came with was old
    caller = { ...caller, ruleSetPointer: decided.movedTo, keyCheck: undefined }
  }
}

async function decide(
  deps: AuthorizationDeps,
  body: AuthorizationRequest,
  context: CallerContext,
): Promise<AuthorizationResult | PointerMoved> {
  const { tenantId, idempotencyKey } = context
  const started = performance.now()
  const gateway = deps.gateway ?? sandboxGateway

  // 1. Capture: the request normalized, the card reduced to what may be kept
  const stored =
    body.payment_method?.type === 'stored' && body.payment_method.id
      ? await findStoredMethod(deps.db, tenantId, body.payment_method.id)
      : undefined
  const request = capture(body, deps.secret, stored)
  const requestHash = idempotencyKey ? hashOf(body, deps.secret) : null

  // The Idempotency-Key is looked up once, after the locks: a replay is rare, so every first
  // request is spared a round trip, and a replay just waits its turn like any other request.
  const active = await deps.ruleSets.active(deps.db, tenantId, context.ruleSetPointer)
  const ruleSet = active?.ruleSet
  if (!active || !ruleSet) {
    // a decision already made still replays when no rule set decides any more
    const prior = idempotencyKey ? await findByIdempotencyKey(deps.db, tenantId, idempotencyKey) : undefined
    if (prior) return replay(prior, requestHash)
    throw new ProblemError('no_active_rule_set', 'Activate a rule set in the console before authorizing.')
  }
  const compiled = ruleSet.compiled
  const keys = identityKeys(request)
  // how an approved purchase's hold can be written with its decision: when the tenant's gateway keeps
  // its books in this database (server/payments/hold-in-record.ts); otherwise it is placed after
  const holds =
    deps.payments && !context.decisionOnly && mayHoldInRecord(body)
      ? await deps.payments.holdsInRecord(tenantId)
      : null

  // the provider calls this decision starts, kept should it leave its transaction and run again
  const providerCalls = new Map<ProviderKind, Promise<ProviderCall>>()

  try {
    const decided = await deps.store.run(
      lockKeysOf(tenantId, request, compiled, context),
      async (transaction) => {
        // 2. Identify: the rows the request's keys point at, read once its subjects are locked
        const first = await transaction.firstRead({
          tenantId,
          keys,
          idempotencyKey,
          keyId: context.keyCheck?.keyId,
        })
        const movedTo = confirmKey(context, first.key)
        if (movedTo) return { movedTo }
        if (first.prior) return replay(first.prior, requestHash)
        // taken after the locks, so it follows every decision this one waited for
        const now = new Date()
        const identified = identifyCustomer(tenantId, request, now, first.found)
        const customer = identified?.customer ?? null

        // 3. Facts: computed when a rule asks — usage, lists, reference data, the gateway, providers
        const verification = liveVerification(gateway, body, request)
        const providers =
          deps.providers &&
          liveProviderSources(transaction.db, tenantId, deps.providers, deps.secret, {
            gather: transaction.gather,
            // a provider lately slow, or one answer late, holds up only this decision: not the others
            // of its transaction, not a database connection
            leaveAfterMs: transaction.mayLeave ? waitInsideMs : undefined,
            started: providerCalls,
            readInTransaction: transaction.enabledProviders,
          })
        if (providers && compiled.readsProviders) providers.preload()

        // 4–5. Rules and outcome: the active version evaluated, the outcome resolved by precedence
        const evaluation = await compiled.evaluate({
          request,
          now,
          prefetch: true,
          timeZone: compiled.definition.settings.time_zone ?? active.tenantTimeZone,
          customer: { id: customer?.id ?? null, returning: customer?.returning ?? false },
          // the gateway facts ask the gateway itself, with the card number this request holds in memory
          sources: {
            ...sqlFactSources(transaction.db, tenantId, null, transaction.gather),
            ...verification.sources,
            ...providers?.sources,
          },
        })
        const id = newId('dec')
        const decision = buildResponse(
          id,
          now,
          request,
          customer,
          { id: ruleSet.id, version: ruleSet.version },
          evaluation,
        )

        // 6. Record: the decision with everything it leaves behind — an approved purchase's hold too,
        // when its gateway's books are in this database — written with COMMIT or not at all
        const hold = holdForRecord(holds, tenantId, decision, body, now)
        if (hold) decision.payment = hold.view
        const decided = { tenantId, id, now, request, customer, evaluation }
        transaction.record({
          decision: {
            tenant_id: tenantId,
            id,
            created_at: now,
            kind: request.kind,
            channel: request.channel,
            outcome: decision.outcome,
            customer_id: customer?.id ?? null,
            amount_value: request.amount?.value ?? null,
            currency: request.amount?.currency ?? null,
            rule_set_id: ruleSet.id,
            rule_set_version: ruleSet.version,
            request,
            facts: evaluation.facts,
            fired_rules: evaluation.fired,
            response: decision,
            idempotency_key: idempotencyKey ?? null,
            request_hash: requestHash,
            evaluation_micros: Math.round((performance.now() - started) * 1000),
          },
          customer: identified?.record ?? null,
          paymentMethod:
            customer && paymentMethodOf(tenantId, customer.id, request, now, hold?.token ?? null),
          review: decision.outcome === 'review' ? reviewOf(tenantId, id, now) : null,
          providerCalls: providers ? providerCallRows(tenantId, id, now, providers.calls()) : [],
          mismatch: mismatchOf(tenantId, id, now, customer?.id ?? null, request, evaluation.fired),
          verification: verificationOf(tenantId, id, now, gateway.name, request, verification.answer()),
          purchaseLimit: purchaseLimitOf(decided),
          usage:
            decision.outcome === 'approve'
              ? usageOf(decided, request.kind === 'session' ? context.reserve?.(decision.limits) : undefined)
              : null,
          hold: hold?.record ?? null,
        })

        // 7. Respond
        const offering = {
          eligible: evaluation.resolution.offers,
          presentation: evaluation.resolution.presentation,
          settings: compiled.definition.settings,
        }
        return { decision, replayed: false, offering }
      },
    )
    if ('movedTo' in decided) return decided
    // 8. Pay, when the hold was not written with the decision: outside the decision's transaction,
    // so no subject lock waits on the gateway. A replay
    // that read the decision before its payment was recorded asks again with the same payment key,
    // so it answers what the first request answered and holds nothing twice.
    if (
      deps.payments &&
      !context.decisionOnly &&
      request.kind === 'purchase' &&
      awaitsPayment(decided.decision)
    )
      decided.decision = await payForPurchase(
        { db: deps.db, payments: deps.payments },
        tenantId,
        decided.decision,
        body,
        compiled.definition.settings.payment_declines,
      )
    if (decided.replayed) return decided
    // 9. Offer: the eligible offers selected, their stock and credit reserved, written on the decision.
    // After payment, so a declined purchase makes none and the card just held is the one offers use.
    // A decision that made no offer eligible costs nothing here.
    if (deps.offers && !context.decisionOnly && 'offering' in decided && decided.offering.eligible.length > 0)
      decided.decision = await offerInDecision(
        { db: deps.db, ledger: deps.offers, logger: deps.logger },
        tenantId,
        decided.decision,
        body,
        decided.offering,
      )
    deps.metrics.recordDecision(
      decided.decision.outcome,
      context.channel,
      (performance.now() - started) / 1000,
    )
    deps.shadow?.afterDecision(tenantId, active, request, decided.decision)
    // the offering (eligibility, the rule set's settings) stays here
    return { decision: decided.decision, replayed: false }
  } catch (error) {
    // Two requests with one key raced past the first check: the loser returns the winner's answer.
    if (idempotencyKey && isUniqueViolation(error)) {
      const prior = await findByIdempotencyKey(deps.db, tenantId, idempotencyKey)
      if (prior) return replay(prior, requestHash)
    }
    throw error
  }
}

/** An approval recorded without its payment yet: just decided, or replayed while the first request pays. */
function awaitsPayment(decision: DecisionResponse & { payment?: unknown }): boolean {
  if (decision.outcome !== 'approve' || decision.payment) return false
  // a decision from before purchases held money is not paid for on a late replay
  return Date.now() - Date.parse(decision.created_at) < 10 * 60_000
}

/** keyed, so the hash of a body that held a card number reveals nothing about it */
function hashOf(body: AuthorizationRequest, secret: string): string {
  return createHmac('sha256', secret)
    .update(stableStringify(body) ?? '')
    .digest('base64url')
}

/**
 * The subjects this decision must hold alone, in this process and any other: its identity keys, the
 * ANI, the IP when a rule counts usage by IP, and its Idempotency-Key.
 */
function lockKeysOf(
  tenantId: string,
  request: CapturedRequest,
  compiled: CompiledRuleSet,
  context: CallerContext,
): bigint[] {
  const names = identityKeys(request).map(([kind, value]) => `${kind}:${value}`)
  if (request.network.ani) names.push(`phone:${request.network.ani}`)
  if (request.network.ip && compiled.usageSubjects.has('ip')) names.push(`ip:${request.network.ip}`)
  if (context.idempotencyKey) names.push(`idempotency:${context.idempotencyKey}`)
  return names.map((name) => lockKey(tenantId, name))
}

/**
 * Confirms the caller's unconfirmed key against its row as read in the decision's transaction:
 * refused when revoked; the deciding version's pointer when the caller's was old.
 */
function confirmKey(context: CallerContext, key: FirstRead['key']): RuleSetPointer | null {
  const { keyCheck, ruleSetPointer } = context
  if (!keyCheck) return null
  if (!key || key.revoked_at) {
    keyCheck.revoked()
    throw new ProblemError('unauthenticated', 'This API key is unknown or has been revoked.')
  }
  const { id: _id, revoked_at: _revoked, ...pointer } = key
  if (!ruleSetPointer || samePointer(pointer, ruleSetPointer)) return null
  keyCheck.moved(pointer)
  return pointer
}

/** What the record's rows are made of: the decision as it was decided. */
interface Decided {
  tenantId: string
  id: string
  now: Date
  request: CapturedRequest
  customer: IdentifiedCustomer | null
  evaluation: Evaluation
}

/** a purchase value limit the approval established for its customer, when the rule set keeps them */
function purchaseLimitOf({
  tenantId,
  id,
  now,
  customer,
  evaluation,
}: Decided): RecordRow<'customerLimit'> | null {
  const limit = evaluation.establishPurchaseValueLimit
  return customer && limit ? establishedLimitOf(tenantId, customer.id, limit, id, now) : null
}

/** What an approval counts against the allowances of its customer, phone, card and IP. */
function usageOf(
  { tenantId, id, now, request, customer, evaluation }: Decided,
  reserved: Reservation | undefined,
): RecordRow<'usage'> {
  const payable = evaluation.resolution.amount?.payable ?? request.amount?.value ?? 0
  return {
    tenant_id: tenantId,
    decision_id: id,
    occurred_at: now,
    customer_id: customer?.id ?? null,
    phone: request.network.ani ?? request.customer.phone,
    card_fingerprint: request.payment_method?.card?.fingerprint ?? null,
    ip: request.network.ip,
    sessions: request.kind === 'session' ? 1 : 0,
    purchases: request.kind === 'purchase' ? 1 : 0,
    // a session started through Sessions reserves its grant until settlement replaces it with the bill
    seconds: reserved?.seconds ?? 0,
    // a purchase counts what it pays: its amount less its discounts
    amount: reserved ? reserved.amount : request.kind === 'purchase' ? payable : 0,
    currency: reserved?.currency ?? request.amount?.currency ?? null,
  }
}

export async function getDecision(db: Db, tenantId: string, id: string): Promise<DecisionRow | undefined> {
  return db
    .selectFrom('decisions')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst()
}

// The decision pipeline for one authorization: capture, identify, evaluate, resolve, record —
// atomically with the usage it reserves, serialized per subject so allowances hold under load.
import { createHmac } from 'node:crypto'
import stableStringify from 'safe-stable-stringify'
import type { Db } from '../../db/connect.ts'
import type { DecisionRow } from '../../db/schema.ts'
import type { Evaluation } from '../../rules/engine.ts'
import type { ProviderKind } from '../../rules/facts/providers.ts'
import type { CapturedRequest } from '../../rules/request.ts'
import type { ApiKeyCache } from '../api-keys/keys.ts'
import { type Batcher, Conflict, runAlone, type Work } from '../batches.ts'
import { recordMismatches } from '../checks/record.ts'
import {
  identifyCustomer,
  identityKeys,
  type LinkedCustomer,
  rememberPaymentMethod,
  strongestCustomerId,
} from '../customers/identify.ts'
import { storeEstablishedLimit } from '../customers/purchase-limit.ts'
import { ProblemError } from '../http/problem.ts'
import { newId } from '../ids.ts'
import { lockKey } from '../locks.ts'
import type { Metrics } from '../metrics.ts'
import { type PaymentGateway, sandboxGateway } from '../payments/gateway.ts'
import { liveVerification, recordVerification } from '../payments/verification.ts'
import type { ProviderCall, ProviderRegistry } from '../providers/client.ts'
import { type EnabledProvidersRead, liveProviderSources, recordProviderCalls } from '../providers/sources.ts'
import { enqueueReview } from '../reviews/reviews.ts'
import type { RuleSetCache, RuleSetPointer } from '../rule-sets/active.ts'
import type { ShadowEvaluator } from '../shadow/evaluator.ts'
import { capture } from './capture.ts'
import { FirstReads } from './first-read.ts'
import type { AuthorizationRequest, DecisionResponse } from './schema.ts'
import { sqlFactSources } from './sources.ts'

export interface AuthorizationDeps {
  db: Db
  secret: string
  ruleSets: RuleSetCache
  /** keys this process has seen; told when one turns out revoked or its tenant's pointer moved */
  apiKeys?: ApiKeyCache
  metrics: Metrics
  /** verifies cards (AVS, CVC, name) when a rule asks; the sandbox when not given */
  gateway?: PaymentGateway
  /** evaluates the rule set's shadow version after commit; never affects the answer */
  shadow?: ShadowEvaluator
  /** outside data providers (figure 10, step 1015), called only when a rule reads their facts */
  providers?: ProviderRegistry
  /** decides concurrent requests in shared transactions (server/batches.ts); each alone when not given */
  batcher?: Batcher
}

/** one collector of first reads per transaction */
const firstReadsKey = {}
/** each tenant's enabled providers, read once per transaction */
const enabledProvidersKey = {}

/**
 * How long a decision may wait for an outside provider inside its transaction — holding a database
 * connection, its locks and the others of its batch — before it leaves to wait outside.
 */
const waitInsideMs = 20

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

/** The rule set moved while this process had the old pointer cached: decide again on the new one. */
class PointerMoved extends Error {
  constructor(readonly pointer: RuleSetPointer) {
    super('the deciding rule-set version changed')
  }
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
    offers: resolution.offers,
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

export async function authorize(
  deps: AuthorizationDeps,
  tenantId: string,
  body: AuthorizationRequest,
  idempotencyKey: string | undefined,
  /** where the deciding version is, when the caller already read it (the API-key check does) */
  ruleSetPointer?: RuleSetPointer,
  /** a key taken from the cache, to check inside the transaction (server/api-keys/keys.ts) */
  uncheckedKeyId?: string,
): Promise<AuthorizationResult> {
  try {
    return await decide(deps, tenantId, body, idempotencyKey, ruleSetPointer, uncheckedKeyId)
  } catch (error) {
    if (!(error instanceof PointerMoved)) throw error
    // the key was good (it is checked first); the pointer it came with was old
    return decide(deps, tenantId, body, idempotencyKey, error.pointer, undefined)
  }
}

async function decide(
  deps: AuthorizationDeps,
  tenantId: string,
  body: AuthorizationRequest,
  idempotencyKey: string | undefined,
  ruleSetPointer: RuleSetPointer | undefined,
  uncheckedKeyId: string | undefined,
): Promise<AuthorizationResult> {
  const started = performance.now()
  const gateway = deps.gateway ?? sandboxGateway
  const request = capture(body, deps.secret)
  // keyed, so the hash of a body that held a card number reveals nothing about it
  const requestHash = idempotencyKey
    ? createHmac('sha256', deps.secret)
        .update(stableStringify(body) ?? '')
        .digest('base64url')
    : null

  // The Idempotency-Key is looked up once, after the locks: a replay is rare, so every first
  // request is spared a round trip, and a replay just waits its turn like any other request.
  const active = await deps.ruleSets.active(deps.db, tenantId, ruleSetPointer)
  const ruleSet = active?.ruleSet
  if (!active || !ruleSet) {
    // a decision already made still replays when no rule set decides any more
    const prior = idempotencyKey ? await findByIdempotencyKey(deps.db, tenantId, idempotencyKey) : undefined
    if (prior) return replay(prior, requestHash)
    throw new ProblemError('no_active_rule_set', 'Activate a rule set in the console before authorizing.')
  }
  const compiled = ruleSet.compiled
  const timeZone = compiled.definition.settings.time_zone ?? active.tenantTimeZone

  const keys = identityKeys(request)
  const lockNames = keys.map(([kind, value]) => `${kind}:${value}`)
  if (request.network.ani) lockNames.push(`phone:${request.network.ani}`)
  if (request.network.ip && compiled.usageSubjects.has('ip')) lockNames.push(`ip:${request.network.ip}`)
  if (idempotencyKey) lockNames.push(`idempotency:${idempotencyKey}`)
  const lockKeys = lockNames.map((name) => lockKey(tenantId, name))

  // the provider calls this decision starts, kept should it leave its batch and run again alone
  const providerCalls = new Map<ProviderKind, Promise<ProviderCall>>()

  // BEGIN, the locks and the first read go out together; the read runs once the locks are held
  const work: Work<AuthorizationResult> = async ({ pipeline, writes, mayLeave, claim, together }) => {
    const { trx } = pipeline
    // the first reads of a batch's decisions go as one statement (first-read.ts)
    const { prior, found, key } = await together(firstReadsKey, () => new FirstReads(pipeline)).read({
      tenantId,
      keys,
      idempotencyKey,
      keyId: uncheckedKeyId,
    })
    if (uncheckedKeyId) {
      if (!key || key.revoked_at) {
        deps.apiKeys?.forget(uncheckedKeyId)
        throw new ProblemError('unauthenticated', 'This API key is unknown or has been revoked.')
      }
      const { id: _id, revoked_at: _revoked, ...pointer } = key
      if (ruleSetPointer && !samePointer(pointer, ruleSetPointer)) {
        deps.apiKeys?.refresh(uncheckedKeyId, pointer)
        throw new PointerMoved(pointer)
      }
    }
    if (prior) return replay(prior, requestHash)
    // another decision of this batch reached the same customer through another key: this one
    // waits for the next batch, so it sees that decision's usage
    const known = strongestCustomerId(keys, found)
    if (known && !claim(lockKey(tenantId, `customer:${known}`))) throw new Conflict()
    // taken after the locks, so it follows every decision this one waited for
    const now = new Date()
    // every write of this decision goes out with COMMIT, in one statement (server/writes.ts)
    const customer = identifyCustomer(writes, tenantId, request, now, found)
    if (customer) rememberPaymentMethod(writes, tenantId, customer.id, request, now)

    const verification = liveVerification(gateway, body, request)
    const providers =
      deps.providers &&
      liveProviderSources(trx, tenantId, deps.providers, deps.secret, {
        gather: pipeline.gather,
        // a provider lately slow, or one answer late, holds up only this decision: not its batch,
        // not a database connection
        leaveAfterMs: mayLeave ? waitInsideMs : undefined,
        started: providerCalls,
        readInTransaction: together(enabledProvidersKey, (): EnabledProvidersRead => new Map()),
      })
    if (providers && compiled.readsProviders) providers.preload()
    const evaluation = await compiled.evaluate({
      request,
      now,
      prefetch: true,
      timeZone,
      customer: { id: customer?.id ?? null, returning: customer?.returning ?? false },
      // the gateway facts ask the gateway itself, with the card number this request holds in memory
      sources: {
        ...sqlFactSources(trx, tenantId, null, pipeline.gather),
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
    const evaluationMicros = Math.round((performance.now() - started) * 1000)

    writes.add('decision', {
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
      evaluation_micros: evaluationMicros,
    })

    if (decision.outcome === 'review') enqueueReview(writes, tenantId, id, now)
    if (providers) recordProviderCalls(writes, tenantId, id, now, providers.calls())
    recordMismatches(writes, tenantId, id, now, customer?.id ?? null, request, evaluation.fired)
    recordVerification(writes, tenantId, id, now, gateway.name, request, verification.answer())
    const valueLimit = evaluation.establishPurchaseValueLimit
    if (customer && valueLimit) storeEstablishedLimit(writes, tenantId, customer.id, valueLimit, id, now)
    if (decision.outcome === 'approve') {
      writes.add('usage', {
        tenant_id: tenantId,
        decision_id: id,
        occurred_at: now,
        customer_id: customer?.id ?? null,
        phone: request.network.ani ?? request.customer.phone,
        card_fingerprint: request.payment_method?.card?.fingerprint ?? null,
        ip: request.network.ip,
        sessions: request.kind === 'session' ? 1 : 0,
        purchases: request.kind === 'purchase' ? 1 : 0,
        seconds: 0,
        // a session's money counts when it is billed; a purchase's now
        amount: request.kind === 'purchase' ? (request.amount?.value ?? 0) : 0,
        currency: request.amount?.currency ?? null,
      })
    }
    return { decision, replayed: false }
  }

  try {
    const result = await (deps.batcher ? deps.batcher.run(lockKeys, work) : runAlone(deps.db, lockKeys, work))
    if (!result.replayed)
      deps.metrics.recordDecision(result.decision.outcome, (performance.now() - started) / 1000)
    if (!result.replayed) deps.shadow?.afterDecision(tenantId, active, request, result.decision)
    return result
  } catch (error) {
    // Two requests with one key raced past the first check: the loser returns the winner's answer.
    if (idempotencyKey && isUniqueViolation(error)) {
      const prior = await findByIdempotencyKey(deps.db, tenantId, idempotencyKey)
      if (prior) return replay(prior, requestHash)
    }
    throw error
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

// Simulation: run any version, a draft included, against an authorization-shaped request or given
// fact values, and explain the answer. Nothing is written: the run happens in a read-only
// transaction, the customer is looked up but never created, and no usage is counted.
import { sql } from 'kysely'
import stableStringify from 'safe-stable-stringify'
import type { Db } from '../../db/connect.ts'
import { compileRuleSet } from '../../rules/engine.ts'
import { factsByName } from '../../rules/facts.ts'
import { remainingAllowance } from '../../rules/outcome.ts'
import type { CapturedRequest } from '../../rules/request.ts'
import type { Settings } from '../../rules/schema.ts'
import type { FactSources } from '../../rules/types.ts'
import { validateDefinition } from '../../rules/validate.ts'
import { capture } from '../authorizations/capture.ts'
import type { AuthorizationRequest } from '../authorizations/schema.ts'
import { sqlFactSources } from '../authorizations/sources.ts'
import { findCustomer } from '../customers/lookup.ts'
import { type FieldError, fieldError, ProblemError } from '../http/problem.ts'
import { rankOffers } from '../offers/selection.ts'
import { problemsToErrors } from './versions.ts'

export interface SimulationInput {
  request?: AuthorizationRequest | undefined
  /** fact name, or name{params as JSON}, to the value the fact takes */
  facts?: Record<string, unknown> | undefined
  at?: string | undefined
  customer_returning?: boolean | undefined
}

interface GivenFacts {
  lookup(fact: string, params: Record<string, unknown> | null): { value: unknown } | undefined
}

const factKey = (fact: string, params: Record<string, unknown> | null) =>
  `${fact}\u0000${stableStringify(params && Object.keys(params).length ? params : null)}`

/** Reads the given facts, refusing unknown facts, params that do not fit and values of the wrong type. */
function parseGivenFacts(facts: Record<string, unknown>): GivenFacts {
  const errors: FieldError[] = []
  const exact = new Map<string, { value: unknown }>()
  // a bare name given for a fact that takes params stands for every params of it
  const anyParams = new Map<string, { value: unknown }>()
  for (const [key, value] of Object.entries(facts)) {
    const path = ['facts', key]
    const match = /^([a-z_]+)(\{.*\})?$/s.exec(key)
    const spec = match?.[1] ? factsByName.get(match[1]) : undefined
    if (!match || !spec) {
      errors.push(
        fieldError(path, 'is not a fact in the catalog (GET /admin/v1/facts); write name or name{params}'),
      )
      continue
    }
    if (value !== null && typeof value !== spec.valueType) {
      errors.push(fieldError(path, `fact "${spec.name}" is a ${spec.valueType}`))
      continue
    }
    if (match[2] === undefined) {
      if (spec.params) anyParams.set(spec.name, { value })
      else exact.set(factKey(spec.name, null), { value })
      continue
    }
    let params: unknown
    try {
      params = JSON.parse(match[2])
    } catch {
      errors.push(fieldError(path, 'the params after the fact name are not valid JSON'))
      continue
    }
    if (!spec.params) {
      errors.push(fieldError(path, `fact "${spec.name}" takes no params`))
      continue
    }
    const parsed = spec.params.safeParse(params)
    if (!parsed.success) {
      errors.push(
        fieldError(path, `params do not fit fact "${spec.name}": ${parsed.error.issues[0]?.message}`),
      )
      continue
    }
    exact.set(factKey(spec.name, params as Record<string, unknown>), { value })
  }
  if (errors.length)
    throw new ProblemError(
      'validation_failed',
      errors.map((e) => `${e.field}: ${e.message}`).join('; '),
      errors,
    )
  return { lookup: (fact, params) => exact.get(factKey(fact, params)) ?? anyParams.get(fact) }
}

/** With only fact values given, the request is what those facts describe and nothing more. */
function requestFromFacts(facts: Record<string, unknown>, settings: Settings): CapturedRequest {
  const amount = typeof facts.amount === 'number' ? facts.amount : null
  return {
    kind: facts.kind === 'session' ? 'session' : 'purchase',
    channel:
      facts.channel === 'phone' || facts.channel === 'chat' || facts.channel === 'video'
        ? facts.channel
        : 'web',
    amount:
      amount === null
        ? null
        : {
            value: amount,
            currency: typeof facts.currency === 'string' ? facts.currency : settings.currency,
          },
    customer: { id: null, email: null, phone: null, name: null, birth_date: null },
    network: { ip: null, ani: null, dnis: null, device_id: null },
    entered: { phone: null, ip: null },
    payment_method: null,
    items: [],
  }
}

const noData: FactSources = {
  usage: async (_subject, _value, ranges) =>
    ranges.map(() => ({ sessions: 0, purchases: 0, seconds: 0, amount: 0, oldest: null })),
  listHits: async () => new Set(),
}

function captureForSimulation(body: AuthorizationRequest, secret: string): CapturedRequest {
  try {
    return capture(body, secret)
  } catch (error) {
    // capture names fields of a merchant's body; here that body sits under "request"
    if (error instanceof ProblemError && error.errors) {
      const errors = error.errors.map((e) => fieldError(['request', ...e.field.split('.')], e.message))
      throw new ProblemError(error.code, errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors)
    }
    throw error
  }
}

export async function simulate(
  deps: { db: Db; secret: string },
  tenantId: string,
  version: { ruleSetId: string; version: number; status: string; definition: unknown },
  input: SimulationInput,
) {
  const validation = validateDefinition(version.definition)
  if (!validation.ok)
    throw new ProblemError(
      'invalid_rule_set',
      `Version ${version.version} has ${validation.problems.length} problem(s); fix them before simulating.`,
      problemsToErrors(validation.problems),
    )
  const compiled = compileRuleSet(validation.definition)
  const given = input.facts ? parseGivenFacts(input.facts) : null
  const request = input.request
    ? captureForSimulation(input.request, deps.secret)
    : requestFromFacts(input.facts ?? {}, validation.definition.settings)
  const now = input.at ? new Date(input.at) : new Date()

  return deps.db.transaction().execute(async (trx) => {
    // the database itself refuses any write from here on
    await sql`set transaction read only`.execute(trx)
    const tenant = await trx
      .selectFrom('tenants')
      .select('time_zone')
      .where('tenant_id', '=', tenantId)
      .executeTakeFirstOrThrow()
    const found = input.request ? await findCustomer(trx, tenantId, request) : null
    const returning = input.customer_returning ?? found?.returning ?? false
    const evaluation = await compiled.evaluate({
      request,
      now,
      timeZone: validation.definition.settings.time_zone ?? tenant.time_zone,
      customer: { id: found?.id ?? null, returning },
      // a simulation at a given time sees usage and lists as they were then
      sources: input.request ? sqlFactSources(trx, tenantId, input.at ? now : null) : noData,
      ...(given ? { factOverrides: given.lookup } : {}),
    })
    const { resolution } = evaluation
    // the offers that would be made, best first: ranked against the catalog, nothing reserved
    const ranking = await rankOffers(trx, {
      tenantId,
      customerId: found?.id ?? null,
      channel: request.channel,
      currency: request.amount?.currency ?? validation.definition.settings.currency,
      eligible: resolution.offers,
      presentation: resolution.presentation,
      paymentMethodId: null,
      controlPercent: validation.definition.settings.offers?.control_percent,
      now,
    })
    return {
      rule_set: { id: version.ruleSetId, version: version.version, status: version.status },
      at: now.toISOString(),
      outcome: resolution.outcome,
      reasons: resolution.reasons,
      limits: resolution.limits,
      retry_after_seconds: resolution.retry_after_seconds,
      discounts: resolution.discounts,
      offers: ranking.ranked.map((r) => ({
        rule: r.eligibility.rule,
        sku: r.offer.sku,
        name: r.offer.name,
        price: r.offer.price,
        currency: r.offer.currency,
        priority: r.priority,
        propensity: r.propensity,
        control: r.control,
        treatment: r.treatment && {
          id: r.treatment.id,
          name: r.treatment.name,
          segment: r.treatment.segment,
        },
        message: r.why.message,
      })),
      offers_skipped: ranking.skipped,
      presentation: resolution.presentation,
      customer: found ? { id: found.id, returning } : null,
      fired_rules: evaluation.fired,
      facts: evaluation.facts.map((f) => ({ ...f, given: given?.lookup(f.fact, f.params) !== undefined })),
      allowances: evaluation.allowances.map((a) => ({
        rule: a.ruleId,
        subject: a.subject,
        metric: a.metric,
        window: a.window,
        hours: a.hours ?? null,
        limit: a.limit,
        used: a.used,
        remaining: remainingAllowance(a.limit, a.used),
        resets_at: a.resetsAt ? a.resetsAt.toISOString() : null,
      })),
      request,
    }
  })
}

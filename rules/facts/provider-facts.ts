// External verification (figure 10, steps 1014–1016) and the "second data element" of the upsell
// document: facts answered by outside data providers (providers.ts). A provider is asked only when
// a rule reads one of its facts, once per decision, and only when the request holds what it needs;
// server/providers/ does the HTTP (deadline, retries, circuit breaker, cache) and replays read the
// recorded answer instead.
//
// What a rule sees when a provider gives no answer (timeout, error, open circuit) follows the
// provider's policy:
//   fail_open   — every answer fact is null (no condition on it holds), provider_unavailable is false:
//                 the decision goes on as if the check were not there.
//   fail_closed — provider_unavailable is true, and the facts that could let someone through read
//                 their conservative value (provider_identity_verified false, provider_check_approved
//                 false, provider_listed_*_matches false); descriptive facts (bands, line type) stay null.
// provider_status always says what happened, so a rule set can tell the cases apart.
import { z } from 'zod'
import { normalizeName } from '../request.ts'
import type { FactRun, FactSpec } from '../types.ts'
import { once } from './memo.ts'
import {
  ageBands,
  cardTiers,
  educationLevels,
  failureStatuses,
  familyStatuses,
  incomeBands,
  lineTypes,
  type ProviderAnswer,
  type ProviderKind,
  type ProviderOutcome,
  type ProviderStatus,
  providerKinds,
  providerQuery,
  providerStatuses,
  sexes,
} from './providers.ts'

const notAsked = (status: ProviderStatus): ProviderOutcome<never> => ({
  status,
  fail_policy: null,
  answer: null,
})

/** The provider's outcome for this decision: asked at most once per run, only when a fact needs it. */
function ask<K extends ProviderKind>(run: FactRun, kind: K): Promise<ProviderOutcome<K>> {
  return once(run, `provider:${kind}`, async (): Promise<ProviderOutcome<K>> => {
    const lookup = run.ctx.sources.provider?.bind(run.ctx.sources)
    if (!lookup) return notAsked('not_configured')
    const query = providerQuery(kind, run.ctx.request)
    if (!query) return notAsked('missing_identifiers')
    return lookup(kind, query)
  })
}

function failedClosed(outcome: ProviderOutcome): boolean {
  return failureStatuses.has(outcome.status) && outcome.fail_policy === 'fail_closed'
}

/** A fact read from one provider's answer; `closed` is what it reads when that provider failed closed. */
function answerFact<K extends ProviderKind>(spec: {
  name: string
  description: string
  valueType: FactSpec['valueType']
  kind: K
  read: (answer: ProviderAnswer<K>, run: FactRun) => unknown
  closed?: unknown
}): FactSpec {
  return {
    name: spec.name,
    description: spec.description,
    valueType: spec.valueType,
    priority: PROVIDER_FACT_PRIORITY,
    resolve: async (_p, run) => {
      const outcome = await ask(run, spec.kind)
      if (outcome.answer) return spec.read(outcome.answer, run)
      return failedClosed(outcome) ? (spec.closed ?? null) : null
    },
  }
}

/**
 * Provider facts run after every cheaper condition of the same rule (json-rules-engine evaluates
 * higher priorities first and stops an "all" at the first false), so "an unknown customer …" never
 * calls a provider for a returning one.
 */
export const PROVIDER_FACT_PRIORITY = 1

const providerParams = z
  .object({
    provider: z.enum(providerKinds).describe(`which kind of provider: ${providerKinds.join(', ')}`),
  })
  .strict()

const interestParams = z
  .object({ interest: z.string().min(1).max(64).describe('an interest, e.g. astrology') })
  .strict()

function matchesWhenBothKnown(a: string | null, b: string | null): boolean | null {
  return a === null || b === null ? null : a === b
}

function normalizePostal(postal: string | null | undefined): string | null {
  const compact = postal?.replace(/\s+/g, '').toLowerCase()
  return compact ? compact : null
}

export const providerFacts: FactSpec[] = [
  {
    name: 'provider_status',
    description: `What happened when this provider was asked: ${providerStatuses.join(', ')}`,
    valueType: 'string',
    params: providerParams,
    priority: PROVIDER_FACT_PRIORITY,
    resolve: async (p, run) => (await ask(run, (p as z.infer<typeof providerParams>).provider)).status,
  },
  {
    name: 'provider_unavailable',
    description:
      'The provider gave no answer (timeout, error, open circuit) and its policy is fail_closed: send the decision to review or refuse. false when it answered or fails open; null when it was not asked',
    valueType: 'boolean',
    params: providerParams,
    priority: PROVIDER_FACT_PRIORITY,
    resolve: async (p, run) => {
      const outcome = await ask(run, (p as z.infer<typeof providerParams>).provider)
      if (outcome.status === 'answered' || outcome.status === 'cached') return false
      if (!failureStatuses.has(outcome.status)) return null
      return outcome.fail_policy === 'fail_closed'
    },
  },
  answerFact({
    name: 'provider_line_type',
    description: `The calling number's line type by the ANI / line-type database: ${lineTypes.join(', ')}`,
    valueType: 'string',
    kind: 'ani_line_type',
    read: (a) => a.line_type,
  }),
  answerFact({
    name: 'provider_carrier',
    description: 'The carrier of the calling number, by the ANI / line-type database',
    valueType: 'string',
    kind: 'ani_line_type',
    read: (a) => a.carrier,
  }),
  answerFact({
    name: 'provider_phone_ported',
    description: 'The calling number was ported from another carrier, by the ANI / line-type database',
    valueType: 'boolean',
    kind: 'ani_line_type',
    read: (a) => a.ported,
  }),
  answerFact({
    name: 'provider_listed_name_matches',
    description:
      'The name listed for the calling number is the customer’s name (false when the provider failed closed)',
    valueType: 'boolean',
    kind: 'ani_line_type',
    read: (a, run) =>
      matchesWhenBothKnown(normalizeName(a.listed_name), normalizeName(run.ctx.request.customer.name)),
    closed: false,
  }),
  answerFact({
    name: 'provider_listed_postal_matches',
    description:
      'The postal code listed for the calling number is the billing postal code (false when the provider failed closed)',
    valueType: 'boolean',
    kind: 'ani_line_type',
    read: (a, run) =>
      matchesWhenBothKnown(
        normalizePostal(a.listed_postal_code),
        normalizePostal(run.ctx.request.payment_method?.billing_address?.postal_code),
      ),
    closed: false,
  }),
  answerFact({
    name: 'provider_identity_verified',
    description:
      'The credit bureau found the customer and the details match its file; false when it failed closed',
    valueType: 'boolean',
    kind: 'credit_bureau',
    read: (a) => a.identity_verified,
    closed: false,
  }),
  answerFact({
    name: 'provider_score_band',
    description: 'The credit bureau’s score band: excellent, good, fair, poor or no_file',
    valueType: 'string',
    kind: 'credit_bureau',
    read: (a) => a.score_band,
  }),
  answerFact({
    name: 'provider_address_match',
    description: 'How the billing address matches the credit bureau’s file: full, partial or none',
    valueType: 'string',
    kind: 'credit_bureau',
    read: (a) => a.address_match,
  }),
  answerFact({
    name: 'provider_age_band',
    description: 'The customer’s age band by the credit bureau: 18-24, 25-34, 35-44, 45-54, 55-64, 65+',
    valueType: 'string',
    kind: 'credit_bureau',
    read: (a) => a.age_band,
  }),
  answerFact({
    name: 'provider_income_band',
    description: 'The customer’s income band by the credit bureau: low, middle, upper_middle, high',
    valueType: 'string',
    kind: 'credit_bureau',
    read: (a) => a.income_band,
  }),
  answerFact({
    name: 'provider_designator',
    description:
      'The credit bureau’s coded designator for the customer (segment or card tier), as it gives it',
    valueType: 'string',
    kind: 'credit_bureau',
    read: (a) => a.designator,
  }),
  answerFact({
    name: 'provider_check_result',
    description:
      'The check approval service’s answer for a checking or EFT payment: approved, declined or risk',
    valueType: 'string',
    kind: 'check_approval',
    read: (a) => a.result,
  }),
  answerFact({
    name: 'provider_check_approved',
    description:
      'The check approval service approved the checking or EFT payment; false when it failed closed',
    valueType: 'boolean',
    kind: 'check_approval',
    read: (a) => a.result === 'approved',
    closed: false,
  }),
  // The second data element (the upsell document): who the customer is, from a demographics
  // database, for choosing offers and how to present them.
  answerFact({
    name: 'demographic_age_band',
    description: `The customer’s age band by the demographics database: ${ageBands.join(', ')}`,
    valueType: 'string',
    kind: 'demographics',
    read: (a) => a.age_band,
  }),
  answerFact({
    name: 'demographic_sex',
    description: `The customer’s sex by the demographics database: ${sexes.join(', ')}`,
    valueType: 'string',
    kind: 'demographics',
    read: (a) => a.sex,
  }),
  answerFact({
    name: 'demographic_income_band',
    description: `The household income band by the demographics database: ${incomeBands.join(', ')}`,
    valueType: 'string',
    kind: 'demographics',
    read: (a) => a.income_band,
  }),
  answerFact({
    name: 'demographic_occupation',
    description:
      'The customer’s occupation by the demographics database (e.g. teacher, nurse, engineer, retired)',
    valueType: 'string',
    kind: 'demographics',
    read: (a) => a.occupation,
  }),
  answerFact({
    name: 'demographic_education',
    description: `The customer’s education by the demographics database: ${educationLevels.join(', ')}`,
    valueType: 'string',
    kind: 'demographics',
    read: (a) => a.education,
  }),
  answerFact({
    name: 'demographic_family_status',
    description: `The customer’s family status by the demographics database: ${familyStatuses.join(', ')}`,
    valueType: 'string',
    kind: 'demographics',
    read: (a) => a.family_status,
  }),
  answerFact({
    name: 'demographic_lifestyle',
    description:
      'The customer’s lifestyle segment by the demographics database (e.g. urban_professional, outdoors, homebody)',
    valueType: 'string',
    kind: 'demographics',
    read: (a) => a.lifestyle,
  }),
  {
    name: 'demographic_interest',
    description:
      'The demographics database lists this interest for the customer (e.g. astrology, travel, wellness)',
    valueType: 'boolean',
    params: interestParams,
    priority: PROVIDER_FACT_PRIORITY,
    resolve: async (p, run) => {
      const outcome = await ask(run, 'demographics')
      if (!outcome.answer) return null
      const interest = (p as z.infer<typeof interestParams>).interest.toLowerCase()
      return outcome.answer.interests.some((i) => i.toLowerCase() === interest)
    },
  },
  // The card issuer's designator by BIN (the upsell document's "coded designator information").
  answerFact({
    name: 'card_issuer_name',
    description: 'The bank that issued the card, by its BIN',
    valueType: 'string',
    kind: 'card_issuer',
    read: (a) => a.issuer_name,
  }),
  answerFact({
    name: 'card_issuer_designator',
    description: 'The issuer’s coded designator for the card, by its BIN, as the issuer gives it',
    valueType: 'string',
    kind: 'card_issuer',
    read: (a) => a.designator,
  }),
  answerFact({
    name: 'card_tier',
    description: `The card’s tier by its issuer: ${cardTiers.join(', ')}`,
    valueType: 'string',
    kind: 'card_issuer',
    read: (a) => a.tier,
  }),
  answerFact({
    name: 'card_product',
    description: 'The card product by its issuer (e.g. Sandbox Rewards Platinum)',
    valueType: 'string',
    kind: 'card_issuer',
    read: (a) => a.product,
  }),
]

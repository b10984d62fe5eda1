// The vocabulary of outside data providers (figure 10, steps 1014–1016, and the upsell document's
// "second data element"): an ANI / line-type database, a credit bureau, a check approval service,
// a demographics database and the card issuer's designator by BIN — what each kind is asked, what it answers, and the ProviderSources method the provider facts
// (provider-facts.ts) read it through. server/providers/ implements the calls and the replays.
import { z } from 'zod'
import type { CapturedRequest } from '../request.ts'

export const providerKinds = [
  'ani_line_type',
  'credit_bureau',
  'check_approval',
  'demographics',
  'card_issuer',
] as const
export type ProviderKind = (typeof providerKinds)[number]

export const failPolicies = ['fail_open', 'fail_closed'] as const
export type FailPolicy = (typeof failPolicies)[number]

/**
 * answered, cached: an answer (fresh, or from the cache within its TTL). timeout, circuit_open,
 * error: none, and the fail policy applies. not_configured: the tenant has no enabled provider of
 * this kind. missing_identifiers: the request lacks what the provider needs, so it was not asked.
 * not_recorded: a replay of a decision whose rules never asked this provider.
 */
export const providerStatuses = [
  'answered',
  'cached',
  'timeout',
  'circuit_open',
  'error',
  'not_configured',
  'missing_identifiers',
  'not_recorded',
] as const
export type ProviderStatus = (typeof providerStatuses)[number]

/** the statuses of a provider that gave no answer, where its fail policy applies */
export const failureStatuses: ReadonlySet<ProviderStatus> = new Set(['timeout', 'circuit_open', 'error'])

export const lineTypes = [
  'landline',
  'cellular',
  'voip',
  'toll_free',
  'pay_phone',
  'prison',
  'hospital',
  'school',
  'pbx',
  'government',
  'unknown',
] as const

export const ageBands = ['18-24', '25-34', '35-44', '45-54', '55-64', '65+'] as const
export const incomeBands = ['low', 'middle', 'upper_middle', 'high'] as const
export const sexes = ['female', 'male', 'other'] as const
export const educationLevels = ['secondary', 'vocational', 'bachelor', 'postgraduate'] as const
export const familyStatuses = [
  'single',
  'couple',
  'married_with_children',
  'single_parent',
  'empty_nester',
] as const
export const cardTiers = ['standard', 'gold', 'platinum', 'business', 'prepaid'] as const

/** What each kind is asked: normalized identities only — never a full card or account number. */
export const providerQuerySchemas = {
  ani_line_type: z.object({ phone: z.string().min(1) }).strict(),
  credit_bureau: z
    .object({
      name: z.string().min(1),
      email: z.string().nullable(),
      phone: z.string().nullable(),
      birth_date: z.string().nullable(),
      address: z
        .object({
          line1: z.string().nullable(),
          postal_code: z.string().nullable(),
          country: z.string().nullable(),
        })
        .nullable(),
    })
    .strict(),
  check_approval: z
    .object({
      routing_number: z.string().min(1),
      account_last4: z.string(),
      /** the keyed fingerprint of routing and account number, as Tollgate keeps it */
      account_fingerprint: z.string().min(1),
      amount: z.object({ value: z.number().int(), currency: z.string() }).nullable(),
      name: z.string().nullable(),
    })
    .strict(),
  /** found by the phone (ANI), the e-mail, or the name with a postal code */
  demographics: z
    .object({
      phone: z.string().nullable(),
      email: z.string().nullable(),
      name: z.string().nullable(),
      postal_code: z.string().nullable(),
    })
    .strict(),
  /** the card's BIN (its first six to eight digits) — never the number */
  card_issuer: z.object({ bin: z.string().regex(/^\d{6,8}$/) }).strict(),
} as const

/** What each kind answers; a provider's reply that does not fit is an error, never a guess. */
export const providerAnswerSchemas = {
  ani_line_type: z.object({
    line_type: z.enum(lineTypes),
    carrier: z.string().nullable().default(null),
    ported: z.boolean().nullable().default(null),
    listed_name: z.string().nullable().default(null),
    listed_postal_code: z.string().nullable().default(null),
  }),
  credit_bureau: z.object({
    identity_verified: z.boolean(),
    score_band: z.enum(['excellent', 'good', 'fair', 'poor', 'no_file']).nullable().default(null),
    address_match: z.enum(['full', 'partial', 'none']).nullable().default(null),
    age_band: z.enum(['18-24', '25-34', '35-44', '45-54', '55-64', '65+']).nullable().default(null),
    income_band: z.enum(['low', 'middle', 'upper_middle', 'high']).nullable().default(null),
    /** the bureau's coded designator for the person (a segment or card-tier code), as it gives it */
    designator: z.string().max(64).nullable().default(null),
  }),
  check_approval: z.object({
    result: z.enum(['approved', 'declined', 'risk']),
    reason: z.string().max(200).nullable().default(null),
  }),
  demographics: z.object({
    found: z.boolean(),
    age_band: z.enum(ageBands).nullable().default(null),
    sex: z.enum(sexes).nullable().default(null),
    income_band: z.enum(incomeBands).nullable().default(null),
    occupation: z.string().max(64).nullable().default(null),
    education: z.enum(educationLevels).nullable().default(null),
    family_status: z.enum(familyStatuses).nullable().default(null),
    lifestyle: z.string().max(64).nullable().default(null),
    interests: z.array(z.string().max(64)).max(20).default([]),
  }),
  card_issuer: z.object({
    issuer_name: z.string().max(120).nullable().default(null),
    /** the issuer's coded designator for the card (raw, as the issuer gives it) */
    designator: z.string().max(64).nullable().default(null),
    tier: z.enum(cardTiers).nullable().default(null),
    product: z.string().max(120).nullable().default(null),
  }),
} as const

export type ProviderQuery<K extends ProviderKind = ProviderKind> = z.infer<(typeof providerQuerySchemas)[K]>
export type ProviderAnswer<K extends ProviderKind = ProviderKind> = z.infer<(typeof providerAnswerSchemas)[K]>

export interface ProviderOutcome<K extends ProviderKind = ProviderKind> {
  status: ProviderStatus
  /** the provider's policy; null when there is no provider to have one */
  fail_policy: FailPolicy | null
  answer: ProviderAnswer<K> | null
}

export interface ProviderSources {
  /**
   * Ask the tenant's provider of this kind. Live, the provider is called (or its cache read);
   * a replay reads what was recorded with the decision. Absent: every provider is not_configured.
   */
  provider?<K extends ProviderKind>(kind: K, query: ProviderQuery<K>): Promise<ProviderOutcome<K>>
}

/** What the request offers each kind of provider, or null when it lacks what that provider needs. */
export function providerQuery<K extends ProviderKind>(kind: K, r: CapturedRequest): ProviderQuery<K> | null {
  const queries: { [P in ProviderKind]: () => ProviderQuery<P> | null } = {
    ani_line_type: () => {
      const phone = r.network.ani ?? r.customer.phone
      return phone ? { phone } : null
    },
    credit_bureau: () => {
      const name = r.customer.name?.trim()
      const address = r.payment_method?.billing_address ?? null
      // a name alone matches too many people; the bureau needs a second key to find the file
      if (!name || !(r.customer.email || r.customer.phone || address?.postal_code)) return null
      return {
        name,
        email: r.customer.email,
        phone: r.customer.phone ?? r.network.ani,
        birth_date: r.customer.birth_date,
        address: address
          ? { line1: address.line1, postal_code: address.postal_code, country: address.country }
          : null,
      }
    },
    check_approval: () => {
      const account = r.payment_method?.bank_account
      if (!account) return null
      return {
        routing_number: account.routing_number,
        account_last4: account.last4,
        account_fingerprint: account.fingerprint,
        amount: r.amount,
        name: r.customer.name,
      }
    },
    demographics: () => {
      const phone = r.customer.phone ?? r.network.ani
      const name = r.customer.name?.trim() || null
      const postalCode = r.payment_method?.billing_address?.postal_code ?? null
      // a name alone matches too many people: it finds someone only with a postal code
      if (!phone && !r.customer.email && !(name && postalCode)) return null
      return { phone, email: r.customer.email, name, postal_code: postalCode }
    },
    card_issuer: () => {
      const bin = r.payment_method?.card?.bin
      return bin && /^\d{6,8}$/.test(bin) ? { bin } : null
    },
  }
  return queries[kind]() as ProviderQuery<K> | null
}

export function isProviderKind(value: string): value is ProviderKind {
  return (providerKinds as readonly string[]).includes(value)
}

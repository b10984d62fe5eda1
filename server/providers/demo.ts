// The demo tenant's external verification (figure 10, steps 1014–1016): the sandbox providers,
// served by this server at /sandbox/providers/{kind}, and the rules that use them. A customer not
// yet verified (never approved before, by the rules or a reviewer) is checked with the credit bureau: verified → approved (no rule fires); not verified →
// review; the bureau unreachable, or not asked because the request lacks the customer's name →
// review, because it fails closed. A checking or EFT payment the
// check approval service does not approve goes to review; an unknown caller whose line the ANI
// database places in a prison or at a pay phone is blocked.
import type { Db } from '../../db/connect.ts'
import type { FailPolicy, ProviderKind } from '../../rules/facts/providers.ts'
import type { RuleSetDefinitionInput } from '../../rules/schema.ts'
import { insertProvider, providerDefaults } from './store.ts'

const sandboxProviders: {
  id: string
  kind: ProviderKind
  name: string
  failPolicy: FailPolicy
  ttl: number
}[] = [
  {
    id: 'sandbox-ani',
    kind: 'ani_line_type',
    name: 'Sandbox ANI / line-type database',
    failPolicy: 'fail_open',
    ttl: 3600,
  },
  {
    id: 'sandbox-credit-bureau',
    kind: 'credit_bureau',
    name: 'Sandbox credit bureau',
    failPolicy: 'fail_closed',
    ttl: 600,
  },
  {
    id: 'sandbox-check-approval',
    kind: 'check_approval',
    name: 'Sandbox check approval service',
    failPolicy: 'fail_closed',
    ttl: 60,
  },
  // the second data element, for choosing offers and how to present them: descriptive only, so a
  // silent provider means no enrichment, never a refusal
  {
    id: 'sandbox-demographics',
    kind: 'demographics',
    name: 'Sandbox demographics database',
    failPolicy: 'fail_open',
    ttl: 86_400,
  },
  {
    id: 'sandbox-card-issuer',
    kind: 'card_issuer',
    name: 'Sandbox card issuer designators (by BIN)',
    failPolicy: 'fail_open',
    ttl: 86_400,
  },
]

/** Seeds the sandbox providers: relative URLs, resolved against this server's own address. */
export async function seedSandboxProviders(db: Db, tenantId: string): Promise<void> {
  for (const p of sandboxProviders)
    await insertProvider(
      db,
      tenantId,
      {
        ...providerDefaults,
        id: p.id,
        kind: p.kind,
        name: p.name,
        url: `/sandbox/providers/${p.kind}`,
        fail_policy: p.failPolicy,
        cache_ttl_seconds: p.ttl,
        secret: null,
      },
      null,
      'bootstrap',
    )
}

type DemoRule = RuleSetDefinitionInput['rules'][number]
// "Not yet verified", not "not returning": a customer sent to review (or blocked) is returning on
// their next request, and must not be approved then without the check they never passed. Never
// approved before — by these rules or by a reviewer — means checked again. A data fact, read before
// the providers (lower priority), so a verified customer costs no provider call.
const unknownCustomer = { fact: 'customer_verified', operator: 'notEqual', value: true }
const bureau = { provider: 'credit_bureau' }

export const externalVerificationRules: DemoRule[] = [
  {
    id: 'unknown-customer-not-verified',
    name: 'Unknown customer not verified by the credit bureau',
    description:
      'A customer never approved before is verified with independent sources; one the credit bureau cannot verify goes to a reviewer',
    priority: 5,
    enabled: true,
    conditions: {
      all: [
        unknownCustomer,
        { fact: 'provider_identity_verified', operator: 'equal', value: false },
        { fact: 'provider_unavailable', params: bureau, operator: 'equal', value: false },
      ],
    },
    event: {
      type: 'review',
      params: {
        reason_code: 'identity.not_verified',
        message: 'The credit bureau could not verify this customer',
      },
    },
  },
  {
    id: 'unknown-customer-unverifiable',
    name: 'Credit bureau unavailable for an unknown customer',
    description:
      'The credit bureau fails closed: when it times out, errors or its circuit is open, a person decides',
    priority: 5,
    enabled: true,
    conditions: {
      all: [
        unknownCustomer,
        { fact: 'provider_unavailable', params: bureau, operator: 'equal', value: true },
      ],
    },
    event: {
      type: 'review',
      params: {
        reason_code: 'identity.provider_unavailable',
        message: 'The credit bureau could not be reached to verify this customer',
      },
    },
  },
  {
    id: 'unknown-customer-not-checked',
    name: 'Unknown customer without the details the credit bureau needs',
    description:
      'A web, chat or video request lacks what the bureau needs (the customer’s name, and an e-mail, phone or billing postal code): leaving it out must not pass the check, so a person decides',
    priority: 5,
    enabled: true,
    conditions: {
      all: [
        // a caller is known by the ANI, which the no-ANI and line-type rules check
        { fact: 'channel', operator: 'notEqual', value: 'phone' },
        unknownCustomer,
        { fact: 'provider_status', params: bureau, operator: 'equal', value: 'missing_identifiers' },
      ],
    },
    event: {
      type: 'review',
      params: {
        reason_code: 'identity.not_checked',
        message:
          'The customer could not be checked with the credit bureau: it needs customer.name and an e-mail, phone or billing postal code',
      },
    },
  },
  {
    id: 'check-not-approved',
    name: 'Check or EFT not approved',
    description:
      'The check approval service did not approve a checking or EFT payment, could not be reached, or was not asked',
    priority: 5,
    enabled: true,
    conditions: {
      all: [
        { fact: 'payment_method_type', operator: 'in', value: ['checking', 'eft'] },
        // not "equal false": a service that was not asked (no account details, none set up) is no approval
        { fact: 'provider_check_approved', operator: 'notEqual', value: true },
      ],
    },
    event: {
      type: 'review',
      params: {
        reason_code: 'check.not_approved',
        message: 'The check approval service did not approve this account',
      },
    },
  },
  {
    id: 'unknown-caller-institution',
    name: 'Unknown caller from a prison or pay phone line',
    description:
      'The ANI / line-type database places the number of a caller never approved before in a prison or at a pay phone',
    priority: 10,
    enabled: true,
    conditions: {
      all: [
        { fact: 'channel', operator: 'equal', value: 'phone' },
        unknownCustomer,
        { fact: 'provider_line_type', operator: 'in', value: ['prison', 'pay_phone'] },
      ],
    },
    event: {
      type: 'block',
      params: {
        reason_code: 'line_type.provider',
        message: 'The calling line belongs to a prison or a pay phone',
      },
    },
  },
]

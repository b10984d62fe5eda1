// The provider facts in the rules core: asked lazily and once per decision, only with the
// identifiers a provider needs, and what fail_open and fail_closed make of a provider that could
// not answer — with sources that answer as told, since rules/ knows nothing of HTTP.
import { describe, expect, it } from 'vitest'
import { compileRuleSet } from '../../rules/engine.ts'
import type { ProviderKind, ProviderOutcome, ProviderQuery } from '../../rules/facts/providers.ts'
import type { CapturedRequest } from '../../rules/request.ts'
import type { RuleSetDefinitionInput } from '../../rules/schema.ts'
import type { FactSources } from '../../rules/types.ts'
import { externalVerificationRules } from '../../server/providers/demo.ts'
import { verifiedIdentity } from './receiver.ts'

const request: CapturedRequest = {
  kind: 'purchase',
  channel: 'web',
  amount: { value: 2500, currency: 'USD' },
  customer: { id: 'c-1', email: 'ann@example.com', phone: '+12025550100', name: 'Ann Lee', birth_date: null },
  network: { ip: '203.0.113.7', ani: null, dnis: null, device_id: null },
  entered: { phone: null, ip: null },
  payment_method: {
    type: 'card',
    card: null,
    billing_address: { line1: '12 Main St', postal_code: '94107', country: 'US' },
  },
  items: [],
}

const ruleSet: RuleSetDefinitionInput = { settings: { currency: 'USD' }, rules: externalVerificationRules }

function sourcesAnswering(outcome: ProviderOutcome | null, verifiedBefore?: boolean) {
  const asked: { kind: ProviderKind; query: unknown }[] = []
  const sources: FactSources = {
    ...(verifiedBefore === undefined ? {} : { customerVerified: async () => verifiedBefore }),
    usage: async (_s, _v, ranges) =>
      ranges.map(() => ({ sessions: 0, purchases: 0, seconds: 0, amount: 0, oldest: null })),
    listHits: async () => new Set(),
    ...(outcome
      ? {
          async provider<K extends ProviderKind>(kind: K, query: ProviderQuery<K>) {
            asked.push({ kind, query })
            return outcome as ProviderOutcome<K>
          },
        }
      : {}),
  }
  return { sources, asked }
}

const verified: ProviderOutcome = {
  status: 'answered',
  fail_policy: 'fail_closed',
  answer: verifiedIdentity,
}

async function decide(
  outcome: ProviderOutcome | null,
  options: { returning?: boolean; verifiedBefore?: boolean; r?: CapturedRequest } = {},
) {
  const { sources, asked } = sourcesAnswering(outcome, options.verifiedBefore)
  const evaluation = await compileRuleSet(ruleSet).evaluate({
    request: options.r ?? request,
    now: new Date('2026-01-05T12:00:00Z'),
    timeZone: 'UTC',
    customer: { id: 'c-1', returning: options.returning ?? false },
    sources,
  })
  const fact = (name: string) => evaluation.facts.find((f) => f.fact === name)?.value
  return { outcome: evaluation.resolution.outcome, fired: evaluation.fired.map((f) => f.id), asked, fact }
}

describe('provider facts', () => {
  it('ask the credit bureau once for an unknown customer, however many rules read it', async () => {
    const result = await decide(verified)
    expect(result.outcome).toBe('approve')
    expect(result.asked).toHaveLength(1)
    expect(result.asked[0]).toMatchObject({
      kind: 'credit_bureau',
      query: { name: 'Ann Lee', email: 'ann@example.com' },
    })
    expect(result.fact('provider_identity_verified')).toBe(true)
  })

  it('never ask for a customer approved before', async () => {
    const result = await decide(verified, { returning: true, verifiedBefore: true })
    expect(result.asked).toEqual([])
    expect(result.fact('customer_verified')).toBe(true)
    expect(result.fact('provider_identity_verified')).toBeUndefined()
  })

  it('ask again for a returning customer never approved (sent to review or blocked before)', async () => {
    const result = await decide(verified, { returning: true, verifiedBefore: false })
    expect(result.asked.map((a) => a.kind)).toEqual(['credit_bureau'])
    expect(result.fact('customer_verified')).toBe(false)
    expect(result.outcome).toBe('approve')
  })

  it('fail closed when it cannot be known whether a returning customer was approved: ask', async () => {
    const result = await decide(
      { ...verified, answer: { ...verifiedIdentity, identity_verified: false } },
      { returning: true },
    )
    expect(result.fact('customer_verified')).toBeNull()
    expect(result.asked.map((a) => a.kind)).toEqual(['credit_bureau'])
    expect(result.outcome).toBe('review')
  })

  it('do not ask without the identifiers the provider needs, and send that unknown customer to review', async () => {
    const anonymous = { ...request, customer: { ...request.customer, name: null } }
    const result = await decide(verified, { r: anonymous })
    expect(result.asked).toEqual([])
    // leaving the name out does not pass the check
    expect(result.outcome).toBe('review')
    expect(result.fired).toEqual(['unknown-customer-not-checked'])
    expect(result.fact('provider_identity_verified')).toBeNull()
  })

  it('read not_configured when there is no provider source', async () => {
    const result = await decide(null)
    expect(result.outcome).toBe('approve')
    expect(result.fact('provider_unavailable')).toBeNull()
  })

  it('fail closed: provider_unavailable true, the verdict false, the decision goes to review', async () => {
    const result = await decide({ status: 'timeout', fail_policy: 'fail_closed', answer: null })
    expect(result.outcome).toBe('review')
    expect(result.fired).toEqual(['unknown-customer-unverifiable'])
    expect(result.fact('provider_unavailable')).toBe(true)
    expect(result.fact('provider_identity_verified')).toBe(false)
  })

  it('fail open: every answer fact null, provider_unavailable false, the decision goes on', async () => {
    for (const status of ['timeout', 'circuit_open', 'error'] as const) {
      const result = await decide({ status, fail_policy: 'fail_open', answer: null })
      expect(result.outcome, status).toBe('approve')
      expect(result.fact('provider_unavailable')).toBe(false)
      expect(result.fact('provider_identity_verified')).toBeNull()
    }
  })

  it('an identity the bureau does not verify goes to review', async () => {
    const notVerified: ProviderOutcome = {
      status: 'answered',
      fail_policy: 'fail_closed',
      answer: { ...(verified.answer as object), identity_verified: false } as ProviderOutcome['answer'],
    }
    const result = await decide(notVerified)
    expect(result.outcome).toBe('review')
    expect(result.fired).toEqual(['unknown-customer-not-verified'])
  })
})

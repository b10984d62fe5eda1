// A live decision reads every database-backed fact its version uses at once (FactSpec.prefetch),
// so they share one round trip; replays stay lazy; calls to outside providers are never made ahead.
import { describe, expect, it } from 'vitest'
import { compileRuleSet } from '../../rules/engine.ts'
import type { ProviderKind, ProviderOutcome } from '../../rules/facts/providers.ts'
import { capturedRequest, decisionContext, InMemorySources } from './support.ts'

const now = new Date('2024-03-12T18:00:00Z')

// Every rule first asks for a web request; the requests below are phone calls, so no rule gets past
// its first condition.
const compiled = compileRuleSet({
  settings: { currency: 'USD' },
  rules: [
    {
      id: 'web-negative-phone',
      name: 'Web request from a negative phone',
      priority: 10,
      conditions: {
        all: [
          { fact: 'channel', operator: 'equal', value: 'web' },
          {
            fact: 'list_hit',
            params: { list: 'negative', subject: 'phone' },
            operator: 'equal',
            value: true,
          },
        ],
      },
      event: { type: 'block', params: { reason_code: 'negative', message: 'negative' } },
    },
    {
      id: 'web-heavy-user',
      name: 'Web request from a heavy user',
      priority: 10,
      conditions: {
        all: [
          { fact: 'channel', operator: 'equal', value: 'web' },
          {
            fact: 'usage',
            params: { subject: 'phone', metric: 'sessions', window: 'day' },
            operator: 'greaterThan',
            value: 5,
          },
        ],
      },
      event: { type: 'review', params: { reason_code: 'heavy', message: 'heavy' } },
    },
    {
      id: 'web-unverified',
      name: 'Web request the bureau cannot verify',
      priority: 5,
      conditions: {
        all: [
          { fact: 'channel', operator: 'equal', value: 'web' },
          { fact: 'provider_identity_verified', operator: 'equal', value: false },
        ],
      },
      event: { type: 'review', params: { reason_code: 'unverified', message: 'unverified' } },
    },
  ],
})

class CountingSources extends InMemorySources {
  readonly providerCalls: ProviderKind[] = []
  async provider<K extends ProviderKind>(kind: K): Promise<ProviderOutcome<K>> {
    this.providerCalls.push(kind)
    return { status: 'not_configured', fail_policy: null, answer: null }
  }
}

describe('prefetching a live decision’s facts', () => {
  it('a replay stays lazy: a rule that fails on the request spares its lookups', async () => {
    const sources = new CountingSources({ asOf: now })
    const evaluation = await compiled.evaluate(decisionContext(sources, now, capturedRequest()))
    expect(evaluation.resolution.outcome).toBe('approve')
    expect(sources.listCalls).toEqual([])
    expect(sources.usageCalls).toEqual([])
    expect(sources.providerCalls).toEqual([])
  })

  it('a live decision asks for every database-backed fact of the version up front, each once', async () => {
    const sources = new CountingSources({ asOf: now })
    const evaluation = await compiled.evaluate({
      ...decisionContext(sources, now, capturedRequest()),
      prefetch: true,
    })
    expect(evaluation.resolution.outcome).toBe('approve')
    expect(sources.listCalls.map((c) => c.subject)).toEqual(['phone'])
    expect(sources.usageCalls.map((c) => c.subject)).toEqual(['phone'])
    // the explanation still lists only what the rules read
    expect(evaluation.facts.map((f) => f.fact)).toEqual(['channel'])
  })

  it('never calls an outside provider ahead of a rule that needs it', async () => {
    const sources = new CountingSources({ asOf: now })
    await compiled.evaluate({ ...decisionContext(sources, now, capturedRequest()), prefetch: true })
    expect(sources.providerCalls).toEqual([])
    // a web request does reach the provider rule, and asks once
    const web = new CountingSources({ asOf: now })
    await compiled.evaluate({
      ...decisionContext(web, now, capturedRequest({ channel: 'web' })),
      prefetch: true,
    })
    expect(web.providerCalls).toEqual(['credit_bureau'])
    expect(web.listCalls).toHaveLength(1)
  })

  it('knows whether the version reads an outside provider, so a live decision loads the providers only then', () => {
    expect(compiled.readsProviders).toBe(true)
    const withoutProviders = compileRuleSet({
      settings: { currency: 'USD' },
      rules: [
        {
          id: 'web',
          name: 'Web',
          priority: 10,
          conditions: { all: [{ fact: 'channel', operator: 'equal', value: 'web' }] },
          event: { type: 'review', params: { reason_code: 'web', message: 'web' } },
        },
      ],
    })
    expect(withoutProviders.readsProviders).toBe(false)
  })

  it('does not prefetch for a simulation given raw fact values', async () => {
    const sources = new CountingSources({ asOf: now })
    await compiled.evaluate({
      ...decisionContext(sources, now, capturedRequest()),
      prefetch: true,
      factOverrides: (fact) => (fact === 'channel' ? { value: 'phone' } : undefined),
    })
    expect(sources.listCalls).toEqual([])
    expect(sources.usageCalls).toEqual([])
  })
})

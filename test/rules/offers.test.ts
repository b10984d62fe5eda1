// Offers in the decision core: offer events as eligibility (by SKU or tag, with a weight; the shape
// of versions published before the catalog still read), treatment events choosing the presentation
// by precedence, the second pass that runs treatment rules only when an offer is eligible (so a
// decision without offers never asks the demographics provider), and the arbitration arithmetic.
import { describe, expect, it } from 'vitest'
import { compileRuleSet } from '../../rules/engine.ts'
import type { ProviderKind, ProviderOutcome, ProviderQuery } from '../../rules/facts/providers.ts'
import { offerPriority, presentationOf, propensity, readOfferParams } from '../../rules/offers.ts'
import type { RuleSetDefinitionInput } from '../../rules/schema.ts'
import { validateDefinition } from '../../rules/validate.ts'
import { capturedRequest, decisionContext, InMemorySources } from './support.ts'

const now = new Date('2026-12-06T15:00:00Z')

type Rule = RuleSetDefinitionInput['rules'][number]
const rule = (id: string, conditions: Rule['conditions'], event: Rule['event'], priority = 1): Rule => ({
  id,
  name: id,
  priority,
  conditions,
  event,
})
const always = { all: [] }
const whenPurchase = { all: [{ fact: 'kind', operator: 'equal', value: 'purchase' }] }

/** Sources whose demographics provider answers the given age band, counting what it is asked. */
class DemographicSources extends InMemorySources {
  asked: ProviderKind[] = []
  constructor(private readonly ageBand: string) {
    super({ asOf: now })
  }
  async provider<K extends ProviderKind>(kind: K, _query: ProviderQuery<K>): Promise<ProviderOutcome<K>> {
    this.asked.push(kind)
    if (kind !== 'demographics') return { status: 'not_configured', fail_policy: null, answer: null }
    return {
      status: 'answered',
      fail_policy: 'fail_open',
      answer: {
        found: true,
        age_band: this.ageBand,
        sex: null,
        income_band: 'high',
        occupation: 'retired',
        education: null,
        family_status: null,
        lifestyle: null,
        interests: ['astrology'],
      } as unknown as ProviderOutcome<K>['answer'],
    }
  }
}

const treatmentRules: Rule[] = [
  rule(
    'seniors',
    { all: [{ fact: 'demographic_age_band', operator: 'equal', value: '65+' }] },
    { type: 'treatment', params: { segment: 'senior', style: 'detailed', pace: 'slow', message: '65+' } },
    10,
  ),
  rule('default', always, {
    type: 'treatment',
    params: { style: 'concise', language: 'en', message: 'default' },
  }),
]

function definition(rules: Rule[]): RuleSetDefinitionInput {
  return { settings: { currency: 'USD' }, rules }
}

describe('offer events', () => {
  it('name exactly one of sku or tag, with a weight of 1 unless given', () => {
    expect(readOfferParams({ sku: 'gift-card-25' })).toEqual({ sku: 'gift-card-25', weight: 1 })
    expect(readOfferParams({ tag: 'upsell', weight: 2.5, message: 'why' })).toEqual({
      tag: 'upsell',
      weight: 2.5,
      message: 'why',
    })
    expect(readOfferParams({ sku: 'a', tag: 'b' })).toBeNull()
    expect(readOfferParams({ weight: 1 })).toBeNull()
    expect(readOfferParams({ sku: 'a', weight: 0 })).toBeNull()
    const both = validateDefinition(
      definition([rule('o', always, { type: 'offer', params: { sku: 'a', tag: 'b' } })]),
    )
    expect(both.ok ? [] : both.problems).toEqual([
      { path: ['rules', 0, 'event', 'params', 'sku'], message: 'give exactly one of sku or tag' },
    ])
  })

  it('of versions published before the catalog are read with offer_id as the SKU', async () => {
    const legacy = definition([
      rule('phone-offer', always, {
        type: 'offer',
        params: { offer_id: 'reading-ext-15', name: 'Ten minutes', price: 900, message: 'Try it' },
      }),
    ])
    expect(validateDefinition(legacy).ok).toBe(true)
    const evaluation = await compileRuleSet(legacy).evaluate(
      decisionContext(new InMemorySources({ asOf: now }), now),
    )
    expect(evaluation.resolution.offers).toEqual([
      { rule: 'phone-offer', sku: 'reading-ext-15', tag: null, weight: 1, message: 'Try it' },
    ])
    // a legacy price that was never money is still refused
    const broken = validateDefinition(
      definition([rule('x', always, { type: 'offer', params: { offer_id: '', name: 'n', price: 1 } })]),
    )
    expect(broken.ok).toBe(false)
  })
})

describe('treatment events', () => {
  it('need a message and at least one choice, from the known styles and paces', () => {
    const bad = validateDefinition(
      definition([
        rule('a', always, { type: 'treatment', params: { message: 'nothing chosen' } }),
        rule('b', always, { type: 'treatment', params: { style: 'loud', message: 'm' } }),
        rule('c', always, { type: 'treatment', params: { segment: 'Senior Citizens', message: 'm' } }),
      ]),
    )
    expect(bad.ok ? [] : bad.problems.map((p) => p.path.join('.'))).toEqual([
      'rules.0.event.params.style',
      'rules.1.event.params.style',
      'rules.2.event.params.segment',
    ])
  })

  it('choose each of style, pace, language and segment by the higher priority, then the earlier rule', () => {
    const treatment = (ruleId: string, priority: number, params: Record<string, unknown>) => ({
      ruleId,
      ruleName: ruleId,
      type: 'treatment' as const,
      params: { message: ruleId, ...params },
      priority,
    })
    const chosen = presentationOf([
      treatment('general', 1, { style: 'concise', pace: 'normal', language: 'en' }),
      treatment('first-senior', 10, { segment: 'senior', style: 'detailed' }),
      treatment('second-senior', 10, { segment: 'other', pace: 'slow' }),
      treatment('unused', 1, { style: 'detailed' }),
    ])
    expect(chosen).toEqual({
      style: 'detailed',
      pace: 'slow',
      language: 'en',
      segment: 'senior',
      rules: ['first-senior', 'second-senior', 'general'],
      messages: ['first-senior', 'second-senior', 'general'],
    })
    expect(presentationOf([])).toMatchObject({ segment: '*', style: null, rules: [] })
  })

  it('run only when an offer is eligible: no offer, no demographics call', async () => {
    const compiled = compileRuleSet(
      definition([
        rule('offer-on-purchase', whenPurchase, { type: 'offer', params: { tag: 'upsell' } }),
        ...treatmentRules,
      ]),
    )
    const noOffer = new DemographicSources('65+')
    const session = await compiled.evaluate(
      decisionContext(noOffer, now, capturedRequest({ kind: 'session' })),
    )
    expect(session.resolution.offers).toEqual([])
    expect(session.fired.map((f) => f.id)).toEqual([])
    expect(noOffer.asked).toEqual([])
    expect(session.resolution.presentation.segment).toBe('*')

    const withOffer = new DemographicSources('65+')
    const purchase = await compiled.evaluate(
      decisionContext(withOffer, now, capturedRequest({ kind: 'purchase', channel: 'web' })),
    )
    expect(purchase.fired.map((f) => f.id)).toEqual(['offer-on-purchase', 'seniors', 'default'])
    expect(withOffer.asked).toEqual(['demographics'])
    expect(purchase.resolution.presentation).toEqual({
      style: 'detailed',
      pace: 'slow',
      language: 'en',
      segment: 'senior',
      rules: ['seniors', 'default'],
      messages: ['65+', 'default'],
    })
    // the demographics the rules read are recorded with the decision, for explanations and backtests
    expect(purchase.facts).toContainEqual({ fact: 'demographic_age_band', params: null, value: '65+' })
  })

  it('do not run for a decision that is not approved', async () => {
    const compiled = compileRuleSet(
      definition([
        rule('offer', always, { type: 'offer', params: { sku: 'a' } }),
        rule('refuse', always, { type: 'review', params: { reason_code: 'r', message: 'a person decides' } }),
        ...treatmentRules,
      ]),
    )
    const sources = new DemographicSources('25-34')
    const evaluation = await compiled.evaluate(decisionContext(sources, now))
    expect(evaluation.resolution.outcome).toBe('review')
    expect(evaluation.resolution.offers).toEqual([])
    expect(sources.asked).toEqual([])
  })

  it('leave the segment at * when no segment rule fires', async () => {
    const compiled = compileRuleSet(
      definition([rule('offer', always, { type: 'offer', params: { sku: 'a' } }), ...treatmentRules]),
    )
    const young = await compiled.evaluate(decisionContext(new DemographicSources('25-34'), now))
    expect(young.resolution.presentation).toMatchObject({
      segment: '*',
      style: 'concise',
      rules: ['default'],
    })
  })
})

describe('arbitration arithmetic', () => {
  it('learns the take rate with a prior of 1 in 20', () => {
    expect(propensity({ presented: 0, accepted: 0 })).toBeCloseTo(0.05)
    expect(propensity({ presented: 80, accepted: 20 })).toBeCloseTo(21 / 100)
    // an impossible count (more accepted than presented) cannot push the rate past 1
    expect(propensity({ presented: 1, accepted: 5 })).toBeLessThanOrEqual(1)
    expect(propensity({ presented: 0, accepted: 0 }, { alpha: 1, beta: 1 })).toBe(0.5)
  })

  it('weighs propensity × value × weight', () => {
    expect(offerPriority(0.05, 1499, 1)).toBeCloseTo(74.95)
    expect(offerPriority(0.05, 999, 2)).toBeCloseTo(99.9)
    expect(offerPriority(0.5, -10, 1)).toBe(0)
  })
})

// Rules the request already rules out are left out of the run (the guards in rules/engine.ts): a
// rule whose top-level `all` has a request fact the request fails cannot fire, nor can one whose
// prefetched database fact (a list hit, a usage total) fails. Leaving it out must
// change nothing a merchant sees: for any request, the same rules fire with the same condition
// traces and the outcome is the same as when every rule runs.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileRuleSet } from '../../rules/engine.ts'
import type { RuleSetDefinitionInput } from '../../rules/schema.ts'
import { ani, capturedRequest, decisionContext, InMemorySources, otherPhone } from './support.ts'

const now = new Date('2024-03-12T18:00:00Z')
type RuleInput = RuleSetDefinitionInput['rules'][number]

const rule = (id: string, type: string, all: unknown[], priority = 5): RuleInput =>
  ({
    id,
    name: id,
    priority,
    enabled: true,
    conditions: { all },
    event: { type, params: { reason_code: id, message: id } },
  }) as RuleInput

const rules: RuleInput[] = [
  rule('no-ani', 'block', [
    { fact: 'channel', operator: 'equal', value: 'phone' },
    { fact: 'ani_present', operator: 'equal', value: false },
  ]),
  rule('phone-mismatch', 'temporary_block', [
    { fact: 'entered_phone_matches_ani', operator: 'equal', value: false },
  ]),
  rule('expired', 'block', [{ fact: 'card_expired', operator: 'equal', value: true }]),
  rule('not-luhn', 'block', [{ fact: 'card_luhn_valid', operator: 'equal', value: false }]),
  rule('big-web-purchase', 'review', [
    { fact: 'kind', operator: 'equal', value: 'purchase' },
    { fact: 'channel', operator: 'in', value: ['web', 'chat'] },
    { fact: 'amount', operator: 'greaterThan', value: 8000 },
  ]),
  rule('new-and-big', 'limit', [
    { fact: 'returning_customer', operator: 'equal', value: false },
    { fact: 'amount', operator: 'greaterThanInclusive', value: 3000 },
  ]),
  rule(
    'negative-phone-call',
    'block',
    [
      { fact: 'channel', operator: 'equal', value: 'phone' },
      { fact: 'list_hit', params: { list: 'negative', subject: 'phone' }, operator: 'equal', value: true },
    ],
    10,
  ),
  rule('heavy-session-user', 'review', [
    { fact: 'kind', operator: 'equal', value: 'session' },
    {
      fact: 'usage',
      params: { subject: 'phone', metric: 'sessions', window: 'day' },
      operator: 'greaterThanInclusive',
      value: 2,
    },
  ]),
  rule('any-mismatch', 'review', [
    {
      any: [
        { fact: 'entered_phone_matches_ani', operator: 'equal', value: false },
        { fact: 'card_expired', operator: 'equal', value: true },
      ],
    },
  ]),
]

const guarded = compileRuleSet({ settings: { currency: 'USD' }, rules })
// the same rules with their conditions one level down: nothing is a guard, every rule runs
const unguarded = compileRuleSet({
  settings: { currency: 'USD' },
  rules: rules.map((r) => ({ ...r, conditions: { all: [r.conditions] } })),
})

const requestArb = fc.record({
  kind: fc.constantFrom('purchase' as const, 'session' as const),
  channel: fc.constantFrom('web' as const, 'phone' as const, 'chat' as const),
  amount: fc.option(fc.nat({ max: 12_000 }), { nil: null }),
  aniPresent: fc.boolean(),
  enteredPhone: fc.constantFrom(ani, otherPhone, null),
  card: fc.constantFrom('good', 'expired', 'not-luhn', 'none'),
  returning: fc.boolean(),
  onNegativeList: fc.boolean(),
  sessionsToday: fc.nat({ max: 3 }),
  // a live decision prefetches its database facts, and then they guard too
  prefetch: fc.boolean(),
})

describe('rules left out by the request’s own facts', () => {
  it('fire the same rules, with the same traces and outcome, as running every rule', async () => {
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        const request = capturedRequest({
          kind: r.kind,
          channel: r.channel,
          amount: r.amount === null ? null : { value: r.amount, currency: 'USD' },
          network: { ani: r.aniPresent ? ani : null },
          entered: { phone: r.enteredPhone },
          card:
            r.card === 'none'
              ? null
              : r.card === 'expired'
                ? { exp_month: 1, exp_year: 2020 }
                : r.card === 'not-luhn'
                  ? { luhn_valid: false }
                  : {},
        })
        const sources = () =>
          new InMemorySources({
            asOf: now,
            lists: r.onNegativeList ? [{ kind: 'negative', subject: 'phone', value: ani }] : [],
            usage: Array.from({ length: r.sessionsToday }, (_, i) => ({
              keys: { phone: ani },
              occurredAt: new Date(now.getTime() - (i + 1) * 60_000),
              sessions: 1,
            })),
          })
        const context = (s: InMemorySources) => ({
          ...decisionContext(s, now, request),
          customer: { id: 'c-81', returning: r.returning },
          prefetch: r.prefetch,
        })
        const [a, b] = await Promise.all([
          guarded.evaluate(context(sources())),
          unguarded.evaluate(context(sources())),
        ])
        expect(a.fired.map((f) => f.id)).toEqual(b.fired.map((f) => f.id))
        expect(a.resolution).toEqual(b.resolution)
        // the traces are the same conditions; the unguarded one is wrapped one level deeper
        for (const [i, f] of a.fired.entries()) expect(f.conditions).toEqual(b.fired[i]?.conditions)
      }),
      { numRuns: 300 },
    )
  })

  it('with prefetching, reads a database fact that guards once, and lists it once', async () => {
    const sources = new InMemorySources({ asOf: now })
    const request = capturedRequest({ kind: 'session', channel: 'phone', network: { ani } })
    const evaluation = await guarded.evaluate({ ...decisionContext(sources, now, request), prefetch: true })
    expect(evaluation.fired.map((f) => f.id)).not.toContain('negative-phone-call')
    const listReadings = evaluation.facts.filter((f) => f.fact === 'list_hit')
    expect(listReadings).toEqual([
      { fact: 'list_hit', params: { list: 'negative', subject: 'phone' }, value: false },
    ])
    const usageReadings = evaluation.facts.filter((f) => f.fact === 'usage')
    expect(usageReadings).toHaveLength(1)
    expect(sources.listCalls).toHaveLength(1)
  })

  it('does not run a rule its request facts rule out, yet lists the facts it read to decide so', async () => {
    const sources = new InMemorySources({ asOf: now })
    const evaluation = await guarded.evaluate(
      decisionContext(sources, now, capturedRequest({ kind: 'purchase', channel: 'web' })),
    )
    // the phone-only and session-only rules never reached their list and usage conditions
    expect(sources.listCalls).toEqual([])
    expect(sources.usageCalls).toEqual([])
    expect(evaluation.facts).toContainEqual({ fact: 'channel', params: null, value: 'web' })
    expect(evaluation.facts).toContainEqual({ fact: 'kind', params: null, value: 'purchase' })
    // each fact once, whether a guard or the engine read it
    const names = evaluation.facts.map((f) => `${f.fact} ${JSON.stringify(f.params)}`)
    expect(new Set(names).size).toBe(names.length)
  })
})

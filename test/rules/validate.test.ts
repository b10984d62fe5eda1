// Rule-set validation: every problem names the exact place in the document where it is.
import { describe, expect, it } from 'vitest'
import { compileRuleSet } from '../../rules/engine.ts'
import type { RuleSetDefinitionInput } from '../../rules/schema.ts'
import { type Problem, validateDefinition } from '../../rules/validate.ts'
import { demoRuleSet } from '../../server/tenants/demo-rule-set.ts'

type RuleInput = RuleSetDefinitionInput['rules'][number]

function rule(id: string, overrides: Partial<RuleInput> = {}): RuleInput {
  return {
    id,
    name: `Rule ${id}`,
    conditions: { all: [{ fact: 'channel', operator: 'equal', value: 'phone' }] },
    event: { type: 'review', params: { reason_code: 'check', message: 'A person looks' } },
    ...overrides,
  }
}

/** Three good rules, then the one under test at index 3 unless it says otherwise. */
function definition(...extra: RuleInput[]): RuleSetDefinitionInput {
  return { settings: { currency: 'USD' }, rules: [rule('a'), rule('b'), rule('c'), ...extra] }
}

function problems(input: unknown): Problem[] {
  const result = validateDefinition(input)
  if (result.ok) throw new Error('expected the rule set to be refused')
  return result.problems
}

const paths = (input: unknown) => problems(input).map((p) => p.path)
const leaf = (fact: string, operator: string, value: unknown, params?: Record<string, unknown>) => ({
  conditions: { all: [{ fact, operator, value, ...(params ? { params } : {}) }] },
})

describe('validateDefinition', () => {
  it('accepts the demo rule set and fills in defaults', () => {
    const result = validateDefinition(demoRuleSet)
    expect(result.ok ? [] : result.problems).toEqual([])
    if (!result.ok) return
    expect(result.definition.rules).toHaveLength(demoRuleSet.rules.length)
    expect(result.definition.settings.billing_increment_seconds).toBe(60)
    const plain = validateDefinition(definition())
    expect(plain.ok && plain.definition.rules.map((r) => [r.priority, r.enabled, r.description])).toEqual([
      [1, true, ''],
      [1, true, ''],
      [1, true, ''],
    ])
  })

  it('points at an unknown fact', () => {
    expect(paths(definition(rule('d', leaf('caller_mood', 'equal', 'calm'))))).toEqual([
      ['rules', 3, 'conditions', 'all', 0, 'fact'],
    ])
  })

  it('points inside nested any / not conditions', () => {
    const nested = rule('d', {
      conditions: {
        any: [
          { fact: 'channel', operator: 'equal', value: 'web' },
          { not: { all: [{ fact: 'amount', operator: 'greaterThan', value: 'lots' }] } },
        ],
      },
    })
    expect(paths(definition(nested))).toEqual([
      ['rules', 3, 'conditions', 'any', 1, 'not', 'all', 0, 'value'],
    ])
  })

  it('points at the missing param of a fact: usage without a subject', () => {
    const usage = rule('d', leaf('usage', 'greaterThan', 3, { metric: 'sessions', window: 'day' }))
    expect(paths(definition(usage))).toEqual([['rules', 3, 'conditions', 'all', 0, 'params', 'subject']])
  })

  it('points at params that do not fit a fact', () => {
    const badMetric = rule(
      'd',
      leaf('usage', 'greaterThan', 3, { subject: 'phone', metric: 'calls', window: 'day' }),
    )
    const noHours = rule(
      'e',
      leaf('usage', 'greaterThan', 3, { subject: 'phone', metric: 'sessions', window: 'hours' }),
    )
    const listExtra = rule('f', leaf('list_hit', 'equal', true, { list: 'negative', subject: 'phone', x: 1 }))
    const paramsOnPlainFact = rule('g', leaf('channel', 'equal', 'web', { subject: 'phone' }))
    expect(paths(definition(badMetric, noHours, listExtra, paramsOnPlainFact))).toEqual([
      ['rules', 3, 'conditions', 'all', 0, 'params', 'metric'],
      ['rules', 4, 'conditions', 'all', 0, 'params', 'hours'],
      ['rules', 5, 'conditions', 'all', 0, 'params'],
      ['rules', 6, 'conditions', 'all', 0, 'params'],
    ])
  })

  it('points at an operator that does not fit the fact’s type', () => {
    const greaterThanBoolean = rule('d', leaf('ani_present', 'greaterThan', true))
    const containsString = rule('e', leaf('channel', 'contains', 'ph'))
    const found = problems(definition(greaterThanBoolean, containsString))
    expect(found.map((p) => p.path)).toEqual([
      ['rules', 3, 'conditions', 'all', 0, 'operator'],
      ['rules', 4, 'conditions', 'all', 0, 'operator'],
    ])
    expect(found[0]?.message).toContain('equal, notEqual')
  })

  it('points at a value of the wrong type', () => {
    const stringForBoolean = rule('d', leaf('ani_present', 'equal', 'yes'))
    const numberForString = rule('e', leaf('channel', 'equal', 7))
    const inWithoutList = rule('f', leaf('amount', 'in', 5))
    const inWithWrongMembers = rule('g', leaf('amount', 'notIn', [5, '6']))
    expect(paths(definition(stringForBoolean, numberForString, inWithoutList, inWithWrongMembers))).toEqual([
      ['rules', 3, 'conditions', 'all', 0, 'value'],
      ['rules', 4, 'conditions', 'all', 0, 'value'],
      ['rules', 5, 'conditions', 'all', 0, 'value'],
      ['rules', 6, 'conditions', 'all', 0, 'value'],
    ])
    // null is a fact value in its own right (e.g. no card), so it fits every type
    expect(validateDefinition(definition(rule('d', leaf('card_luhn_valid', 'equal', null)))).ok).toBe(true)
  })

  it('points at event params that do not fit the event type', () => {
    const event = (type: string, params: unknown) => ({ event: { type, params } }) as Partial<RuleInput>
    const found = paths(
      definition(
        rule('d', event('block', { message: 'no reason code' })),
        rule('e', event('block', { reason_code: 'x', message: 'm', retry_after_seconds: 5 })),
        rule('f', event('temporary_block', { reason_code: 'x', message: 'm', retry_after_seconds: -1 })),
        rule('g', event('discount', { code: 'TEN', percent_off: 10, amount_off: 100, message: 'm' })),
        rule(
          'h',
          event('allowance', {
            subject: 'customer',
            metric: 'minutes',
            window: 'day',
            hours: 3,
            limit: 40,
            message: 'm',
          }),
        ),
        rule('i', event('offer', { sku: 'o', tag: 'gifts', message: 'm' })),
      ),
    )
    expect(found).toEqual([
      ['rules', 3, 'event', 'params', 'reason_code'],
      ['rules', 4, 'event', 'params'],
      ['rules', 5, 'event', 'params', 'retry_after_seconds'],
      ['rules', 6, 'event', 'params', 'percent_off'],
      ['rules', 7, 'event', 'params', 'hours'],
      ['rules', 8, 'event', 'params', 'sku'],
    ])
  })

  it('points at duplicate rule ids and names, naming the first', () => {
    const found = problems(definition(rule('b', { name: 'Fresh name' }), rule('e', { name: 'Rule a' })))
    expect(found.map((p) => p.path)).toEqual([
      ['rules', 3, 'id'],
      ['rules', 4, 'name'],
    ])
    expect(found[0]?.message).toContain('rules.1')
    expect(found[1]?.message).toContain('rules.0')
  })

  it('points at shape problems: an unknown event type, a priority out of range, a bad currency', () => {
    const input = {
      settings: { currency: 'usd' },
      rules: [
        rule('a', { event: { type: 'ban', params: {} } } as unknown as Partial<RuleInput>),
        rule('b', { priority: 0 }),
      ],
    }
    expect(paths(input)).toEqual([
      ['settings', 'currency'],
      ['rules', 0, 'event', 'type'],
      ['rules', 1, 'priority'],
    ])
  })

  it('reports every problem of a rule, not only the first', () => {
    const many = rule('d', {
      conditions: {
        all: [
          { fact: 'nope', operator: 'equal', value: 1 },
          { fact: 'ani_present', operator: 'lessThan', value: true },
        ],
      },
      event: { type: 'limit', params: { reason_code: 'BAD CODE', message: 'm' } },
    })
    expect(paths(definition(many))).toEqual([
      ['rules', 3, 'event', 'params', 'reason_code'],
      ['rules', 3, 'conditions', 'all', 0, 'fact'],
      ['rules', 3, 'conditions', 'all', 1, 'operator'],
    ])
  })

  it('compileRuleSet refuses an invalid rule set and names the place', () => {
    expect(() => compileRuleSet(definition(rule('d', leaf('caller_mood', 'equal', 'calm'))))).toThrow(
      'rules.3.conditions.all.0.fact',
    )
  })
})

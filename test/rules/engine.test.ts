// The demo rule set evaluated end to end in the pure core, with FactSources answering from arrays
// of usage events and list entries: outcomes, limits, explanations and lazy facts.
import { describe, expect, it } from 'vitest'
import { compileRuleSet } from '../../rules/engine.ts'
import type { RuleSetDefinitionInput } from '../../rules/schema.ts'
import { demoRuleSet } from '../../server/tenants/demo-rule-set.ts'
import {
  ani,
  capturedRequest,
  customerId,
  decisionContext,
  InMemorySources,
  type ListEntry,
  otherPhone,
  type UsageEvent,
} from './support.ts'

// Tuesday 2024-03-12, 14:00 in New York (EDT, two days after the spring-forward)
const now = new Date('2024-03-12T18:00:00Z')
const nextLocalMidnight = '2024-03-13T04:00:00.000Z'
const demo = compileRuleSet(demoRuleSet)
const allowanceRules = [
  'sessions-per-day',
  'minutes-per-day',
  'minutes-per-week',
  'minutes-per-month',
  'spend-per-month',
]

function session(
  occurredAt: string,
  seconds: number,
  amount = 0,
  keys: UsageEvent['keys'] = { customer: customerId },
) {
  return { keys, occurredAt: new Date(occurredAt), sessions: 1, seconds, amount, currency: 'USD' }
}

async function evaluateDemo(
  request = capturedRequest(),
  data: { usage?: UsageEvent[]; lists?: ListEntry[] } = {},
) {
  const sources = new InMemorySources({ asOf: now, ...data })
  const evaluation = await demo.evaluate(decisionContext(sources, now, request))
  return { ...evaluation, sources }
}

describe('the demo rule set', () => {
  it('approves a clean first call with the full allowances', async () => {
    const { resolution, fired } = await evaluateDemo()
    expect(resolution.outcome).toBe('approve')
    expect(fired.map((f) => f.id)).toEqual(allowanceRules)
    expect(resolution.limits).toEqual({ max_amount: 10_000, max_duration_seconds: 40 * 60, resets_at: null })
  })

  it('blocks a phone on the negative list', async () => {
    const { resolution, fired } = await evaluateDemo(capturedRequest(), {
      lists: [{ kind: 'negative', subject: 'phone', value: ani }],
    })
    expect(resolution.outcome).toBe('block')
    expect(resolution.reasons[0]).toMatchObject({
      rule: 'negative-phone',
      reason_code: 'negative_list.phone',
    })
    expect(fired.map((f) => f.id)).toContain('negative-phone')
  })

  it('ignores a positive-list entry and a negative entry for another phone', async () => {
    const { resolution } = await evaluateDemo(capturedRequest(), {
      lists: [
        { kind: 'positive', subject: 'phone', value: ani },
        { kind: 'negative', subject: 'phone', value: '+15555550000' },
        { kind: 'negative', subject: 'email', value: ani },
      ],
    })
    expect(resolution.outcome).toBe('approve')
  })

  it('blocks a card on the negative list by its fingerprint', async () => {
    const { resolution } = await evaluateDemo(capturedRequest({ card: { fingerprint: 'pmf_stolen' } }), {
      lists: [{ kind: 'negative', subject: 'card', value: 'pmf_stolen' }],
    })
    expect(resolution.outcome).toBe('block')
    expect(resolution.reasons[0]?.rule).toBe('negative-card')
  })

  it('blocks a phone call that arrives without ANI, and does not call it a mismatch', async () => {
    const { resolution, fired } = await evaluateDemo(capturedRequest({ network: { ani: null } }))
    expect(resolution.outcome).toBe('block')
    expect(resolution.reasons[0]).toMatchObject({ rule: 'no-ani', reason_code: 'no_ani' })
    expect(fired.map((f) => f.id)).not.toContain('entered-phone-mismatch')
  })

  it('lets a web session without ANI through', async () => {
    const { resolution } = await evaluateDemo(capturedRequest({ channel: 'web', network: { ani: null } }))
    expect(resolution.outcome).toBe('approve')
  })

  it('stops a caller whose entered number is not the forwarded one for now', async () => {
    const { resolution } = await evaluateDemo(capturedRequest({ entered: { phone: otherPhone } }))
    expect(resolution.outcome).toBe('temporary_block')
    expect(resolution.reasons[0]).toMatchObject({ rule: 'entered-phone-mismatch' })
    expect(resolution.retry_after_seconds).toBe(0)
  })

  it('blocks a card whose expiry month has passed, not one expiring this month', async () => {
    const expired = await evaluateDemo(capturedRequest({ card: { exp_month: 2, exp_year: 2024 } }))
    expect(expired.resolution.outcome).toBe('block')
    expect(expired.resolution.reasons[0]).toMatchObject({ rule: 'card-expired', reason_code: 'card.expired' })
    const thisMonth = await evaluateDemo(capturedRequest({ card: { exp_month: 3, exp_year: 2024 } }))
    expect(thisMonth.resolution.outcome).toBe('approve')
  })

  it('blocks a card number that fails the Luhn check', async () => {
    const { resolution } = await evaluateDemo(capturedRequest({ card: { luhn_valid: false } }))
    expect(resolution.outcome).toBe('block')
    expect(resolution.reasons[0]).toMatchObject({ rule: 'card-invalid', reason_code: 'card.invalid' })
  })

  it('limits a third session today until the next local midnight', async () => {
    const usage = [
      // Monday 23:30 EDT: yesterday, locally, though 2024-03-12 in UTC
      session('2024-03-12T03:30:00Z', 300),
      session('2024-03-12T04:30:00Z', 300),
    ]
    const second = await evaluateDemo(capturedRequest(), { usage })
    expect(second.resolution.outcome).toBe('approve')

    const third = await evaluateDemo(capturedRequest(), {
      usage: [...usage, session('2024-03-12T15:00:00Z', 300)],
    })
    expect(third.resolution.outcome).toBe('limit')
    expect(third.resolution.limits.resets_at).toBe(nextLocalMidnight)
    expect(third.resolution.reasons[0]).toMatchObject({
      rule: 'sessions-per-day',
      type: 'allowance',
      remaining: 0,
      resets_at: nextLocalMidnight,
    })
    expect(third.resolution.limits.max_duration_seconds).toBeNull()
  })

  it('does not count sessions against a purchase', async () => {
    const usage = [session('2024-03-12T13:00:00Z', 60), session('2024-03-12T14:00:00Z', 60)]
    const { resolution } = await evaluateDemo(
      capturedRequest({ kind: 'purchase', amount: { value: 1000, currency: 'USD' } }),
      {
        usage,
      },
    )
    expect(resolution.outcome).toBe('approve')
    expect(resolution.limits).toEqual({ max_amount: 10_000, max_duration_seconds: null, resets_at: null })
  })

  it('approves a session for the least minutes left over day, week and month', async () => {
    const usage = [
      session('2024-03-12T14:00:00Z', 1_490, 2_500), // today: a started minute counts → 25 minutes
      session('2024-03-11T15:00:00Z', 780, 0), // Monday: the week has 2_270 s → 38 minutes
      session('2024-03-05T15:00:00Z', 2_400, 3_000), // last week: the month has 4_670 s → 78 minutes
      session('2024-02-28T15:00:00Z', 3_000, 4_000), // February: not this month
      session('2024-03-12T17:00:00Z', 600, 0, { customer: 'someone-else' }),
      session('2024-03-12T19:00:00Z', 600, 0), // after the decision time
      {
        keys: { customer: customerId },
        occurredAt: new Date('2024-03-10T15:00:00Z'),
        amount: 9_000,
        currency: 'EUR',
      },
    ]
    const { resolution, allowances } = await evaluateDemo(capturedRequest(), { usage })
    expect(allowances.map((a) => [a.ruleId, a.used])).toEqual([
      ['sessions-per-day', 1],
      ['minutes-per-day', 25],
      ['minutes-per-week', 38],
      ['minutes-per-month', 78],
      ['spend-per-month', 5_500],
    ])
    expect(resolution.outcome).toBe('approve')
    // day 15, week 12, month 7 minutes left: the month binds
    expect(resolution.limits).toEqual({ max_amount: 4_500, max_duration_seconds: 7 * 60, resets_at: null })
  })

  it('limits a session when the week’s minutes are used up, until Monday', async () => {
    const usage = [session('2024-03-11T15:00:00Z', 50 * 60)]
    const { resolution } = await evaluateDemo(capturedRequest(), { usage })
    expect(resolution.outcome).toBe('limit')
    // Monday 2024-03-18 00:00 EDT
    expect(resolution.limits.resets_at).toBe('2024-03-18T04:00:00.000Z')
  })

  it('explains every fired rule with the fact values its conditions saw', async () => {
    const { fired, facts, resolution } = await evaluateDemo(
      capturedRequest({ entered: { phone: otherPhone } }),
      {
        lists: [{ kind: 'negative', subject: 'phone', value: ani }],
      },
    )
    expect(resolution.outcome).toBe('block')
    expect(fired.map((f) => f.id)).toEqual(['negative-phone', 'entered-phone-mismatch', ...allowanceRules])
    expect(fired[0]).toEqual({
      id: 'negative-phone',
      name: 'Negative list: phone',
      type: 'block',
      params: { reason_code: 'negative_list.phone', message: 'The phone is on the negative list' },
      conditions: [
        {
          fact: 'list_hit',
          params: { list: 'negative', subject: 'phone' },
          operator: 'equal',
          value: true,
          fact_value: true,
          result: true,
        },
      ],
    })
    expect(fired[1]?.conditions).toEqual([
      {
        fact: 'entered_phone_matches_ani',
        params: null,
        operator: 'equal',
        value: false,
        fact_value: false,
        result: true,
      },
    ])
    for (const id of allowanceRules) expect(fired.find((f) => f.id === id)?.conditions).toEqual([])
    // the readings hold every fact the run computed, fired or not
    expect(facts).toContainEqual({ fact: 'card_expired', params: null, value: false })
    expect(facts).toContainEqual({
      fact: 'list_hit',
      params: { list: 'negative', subject: 'ip' },
      value: false,
    })
    expect(resolution.reasons.map((r) => r.rule)).toEqual([
      'negative-phone',
      'entered-phone-mismatch',
      ...allowanceRules,
    ])
  })
})

describe('lazy facts', () => {
  const settings = { currency: 'USD' }
  const reviewEvent = { type: 'review' as const, params: { reason_code: 'check', message: 'A person looks' } }

  it('a rule set that never reads usage or lists never asks for them', async () => {
    const compiled = compileRuleSet({
      settings,
      rules: [
        {
          id: 'phone',
          name: 'Phone',
          conditions: { all: [{ fact: 'channel', operator: 'equal', value: 'phone' }] },
          event: reviewEvent,
        },
      ],
    })
    const sources = new InMemorySources({ asOf: now })
    const evaluation = await compiled.evaluate(decisionContext(sources, now))
    expect(evaluation.resolution.outcome).toBe('review')
    expect(sources.usageCalls).toEqual([])
    expect(sources.listCalls).toEqual([])
    expect(evaluation.facts.map((f) => f.fact)).toEqual(['channel'])
    expect(compiled.usageSubjects.size).toBe(0)
  })

  it('the demo rule set asks once for the customer’s usage, for every window it reads', async () => {
    const { sources } = await evaluateDemo()
    expect(sources.usageCalls).toHaveLength(1)
    const [call] = sources.usageCalls
    expect(call?.subject).toBe('customer')
    expect(call?.value).toBe(customerId)
    expect(call?.currency).toBe('USD')
    expect(call?.ranges.map((r) => r.start.toISOString())).toEqual([
      // the frequent-customer discount's last 720 hours
      '2024-02-11T18:00:00.000Z',
      '2024-03-12T04:00:00.000Z',
      '2024-03-11T04:00:00.000Z',
      '2024-03-01T05:00:00.000Z',
    ])
    // list subjects with no value in the request (ip on a phone call) are not asked for
    expect(sources.listCalls.map((c) => c.subject).sort()).toEqual(['card', 'phone'])
    expect(sources.listCalls.find((c) => c.subject === 'phone')?.values).toEqual([ani])
  })

  it('each subject is asked once per evaluation, however many windows and rules read it', async () => {
    const usageLeaf = (subject: string, metric: string, window: string, hours?: number) => ({
      fact: 'usage',
      params: { subject, metric, window, ...(hours ? { hours } : {}) },
      operator: 'greaterThanInclusive',
      value: 0,
    })
    const definition: RuleSetDefinitionInput = {
      settings,
      rules: [
        {
          id: 'a',
          name: 'A',
          priority: 3,
          conditions: {
            all: [usageLeaf('customer', 'sessions', 'day'), usageLeaf('phone', 'minutes', 'week')],
          },
          event: reviewEvent,
        },
        {
          id: 'b',
          name: 'B',
          priority: 2,
          conditions: { any: [usageLeaf('customer', 'amount', 'hours', 6)] },
          event: reviewEvent,
        },
        {
          id: 'c',
          name: 'C',
          priority: 1,
          conditions: { not: usageLeaf('customer', 'purchases', 'month') },
          event: reviewEvent,
        },
        {
          id: 'd',
          name: 'D',
          conditions: { all: [] },
          event: {
            type: 'allowance',
            params: {
              subject: 'phone',
              metric: 'sessions',
              window: 'hours',
              hours: 24,
              limit: 5,
              message: 'm',
            },
          },
        },
        {
          id: 'e',
          name: 'E',
          enabled: false,
          conditions: { all: [usageLeaf('ip', 'sessions', 'day')] },
          event: reviewEvent,
        },
        {
          id: 'f',
          name: 'F',
          conditions: {
            all: [
              {
                fact: 'list_hit',
                params: { list: 'negative', subject: 'phone' },
                operator: 'equal',
                value: true,
              },
            ],
          },
          event: reviewEvent,
        },
        {
          id: 'g',
          name: 'G',
          conditions: {
            all: [
              {
                fact: 'list_hit',
                params: { list: 'positive', subject: 'phone' },
                operator: 'equal',
                value: true,
              },
            ],
          },
          event: reviewEvent,
        },
      ],
    }
    const compiled = compileRuleSet(definition)
    expect([...compiled.usageSubjects].sort()).toEqual(['customer', 'phone'])
    const sources = new InMemorySources({
      asOf: now,
      usage: [session('2024-03-12T15:00:00Z', 60, 0, { customer: customerId, phone: ani })],
      delayMs: (n) => (n % 2) * 3,
    })
    const evaluation = await compiled.evaluate(decisionContext(sources, now))
    expect(evaluation.fired.map((f) => f.id)).toEqual(['a', 'b', 'd'])
    const calls = new Map(sources.usageCalls.map((c) => [c.subject, c]))
    expect(sources.usageCalls).toHaveLength(2)
    expect(calls.get('customer')?.ranges).toHaveLength(3)
    expect(calls.get('phone')?.ranges).toHaveLength(2)
    expect(calls.get('phone')?.value).toBe(ani)
    expect(sources.listCalls).toHaveLength(1)
    // the rolling allowance frees up when its oldest event is 24 hours old
    expect(evaluation.allowances[0]).toMatchObject({
      ruleId: 'd',
      used: 1,
      resetsAt: new Date('2024-03-13T15:00:00Z'),
    })
  })

  it('a request with no value for a subject reads zero usage without asking', async () => {
    const request = capturedRequest({ customer: { id: null } })
    const sources = new InMemorySources({ asOf: now, usage: [session('2024-03-12T15:00:00Z', 60)] })
    const evaluation = await demo.evaluate(decisionContext(sources, now, request))
    expect(sources.usageCalls).toEqual([])
    expect(evaluation.allowances.every((a) => a.used === 0)).toBe(true)
  })
})

describe('whose usage an allowance counted', () => {
  const sessionsOf = (subject: 'customer' | 'card' | 'phone' | 'ip', limit: number) => ({
    id: `${subject}-sessions`,
    name: `Sessions per ${subject}`,
    priority: 1,
    conditions: { all: [] },
    event: {
      type: 'allowance' as const,
      params: {
        subject,
        metric: 'sessions' as const,
        window: 'day' as const,
        limit,
        message: `${limit} a day.`,
      },
    },
  })
  const bySubject = compileRuleSet({
    settings: { currency: 'USD' },
    rules: [sessionsOf('customer', 5), sessionsOf('card', 1), sessionsOf('phone', 4), sessionsOf('ip', 3)],
  })
  const request = capturedRequest({ network: { ip: '203.0.113.7' } })

  it('names each subject in its reason as a merchant reads it, and the exhausted one first', async () => {
    // one session earlier today on this card, by someone else on another phone and address
    const sources = new InMemorySources({
      asOf: now,
      usage: [session('2024-03-12T15:00:00Z', 60, 0, { card: 'pmf_good' })],
    })
    const { resolution } = await bySubject.evaluate(decisionContext(sources, now, request))
    expect(resolution.outcome).toBe('limit')
    expect(resolution.reasons.map((r) => [r.rule, r.subject, r.message, r.remaining])).toEqual([
      [
        'card-sessions',
        { kind: 'card', label: 'card ending 4242' },
        '1 a day, counted against card ending 4242',
        0,
      ],
      [
        'customer-sessions',
        { kind: 'customer', label: 'the customer' },
        '5 a day, counted against the customer',
        5,
      ],
      [
        'phone-sessions',
        { kind: 'phone', label: 'phone +1 555 555 0100' },
        '4 a day, counted against phone +1 555 555 0100',
        4,
      ],
      ['ip-sessions', { kind: 'ip', label: 'IP 203.0.113.7' }, '3 a day, counted against IP 203.0.113.7', 3],
    ])
  })

  it('names the kind alone when the request has no value for it', async () => {
    const bare = capturedRequest({ card: null, network: { ani: null, ip: null }, customer: { phone: null } })
    const sources = new InMemorySources({ asOf: now })
    const { resolution } = await bySubject.evaluate(decisionContext(sources, now, bare))
    expect(resolution.outcome).toBe('approve')
    expect(resolution.reasons.map((r) => r.subject?.label)).toEqual([
      'the customer',
      'the card',
      'the phone',
      'the IP address',
    ])
  })
})

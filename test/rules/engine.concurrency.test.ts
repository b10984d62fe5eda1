// Regression: json-rules-engine keeps run status on the Engine, so two concurrent runs on one engine
// cut each other short (when one finishes, the other skips its remaining priority groups). A
// compiled rule set serves many decisions at once; every one of them must run every rule.
import { describe, expect, it } from 'vitest'
import { compileRuleSet } from '../../rules/engine.ts'
import type { RuleSetDefinitionInput } from '../../rules/schema.ts'
import {
  capturedRequest,
  decisionContext,
  InMemorySources,
  type ListEntry,
  type UsageEvent,
} from './support.ts'

const now = new Date('2024-03-12T18:00:00Z')
const reason = (code: string) => ({ reason_code: code, message: code })
const usage = (subject: string, window: string, atLeast: number, hours?: number) => ({
  fact: 'usage',
  params: { subject, metric: 'sessions', window, ...(hours ? { hours } : {}) },
  operator: 'greaterThanInclusive',
  value: atLeast,
})

// Rules at five priorities; each group waits on FactSources before the next one may start.
const definition: RuleSetDefinitionInput = {
  settings: { currency: 'USD' },
  rules: [
    {
      id: 'seen-today',
      name: 'Seen today',
      priority: 10,
      conditions: { all: [usage('customer', 'day', 0)] },
      event: { type: 'discount', params: { code: 'HELLO', percent_off: 5, message: 'hello' } },
    },
    {
      id: 'busy-today',
      name: 'Busy today',
      priority: 7,
      conditions: { all: [usage('customer', 'day', 2)] },
      event: { type: 'review', params: reason('busy') },
    },
    {
      id: 'listed-phone',
      name: 'Listed phone',
      priority: 5,
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
      event: { type: 'block', params: reason('listed') },
    },
    {
      id: 'phone-channel',
      name: 'Phone channel',
      priority: 3,
      conditions: { all: [{ fact: 'channel', operator: 'equal', value: 'phone' }] },
      event: { type: 'offer', params: { offer_id: 'o-1', name: 'Offer', price: 100, message: 'offer' } },
    },
    {
      id: 'phone-recent',
      name: 'Phone used recently',
      priority: 1,
      conditions: { all: [usage('phone', 'hours', 1, 6)] },
      event: { type: 'temporary_block', params: reason('recent') },
    },
  ],
}

interface Case {
  customerId: string
  phone: string
  sessionsToday: number
  listed: boolean
  phoneRecent: boolean
}

const cases: Case[] = Array.from({ length: 50 }, (_, i) => ({
  customerId: `c-${i}`,
  phone: `+1555555${String(i).padStart(4, '0')}`,
  sessionsToday: i % 3,
  listed: i % 4 === 0,
  phoneRecent: i % 5 === 0,
}))

function expectedFired(c: Case): string[] {
  return [
    'seen-today',
    ...(c.sessionsToday >= 2 ? ['busy-today'] : []),
    ...(c.listed ? ['listed-phone'] : []),
    'phone-channel',
    ...(c.phoneRecent ? ['phone-recent'] : []),
  ]
}

const usageEvents: UsageEvent[] = cases.flatMap((c) => [
  ...Array.from({ length: c.sessionsToday }, (_, k) => ({
    keys: { customer: c.customerId },
    occurredAt: new Date(now.getTime() - (k + 1) * 60_000),
    sessions: 1,
  })),
  ...(c.phoneRecent
    ? [{ keys: { phone: c.phone }, occurredAt: new Date(now.getTime() - 3_600_000), sessions: 1 }]
    : []),
])
const listEntries: ListEntry[] = cases
  .filter((c) => c.listed)
  .map((c) => ({ kind: 'negative', subject: 'phone', value: c.phone }))

describe('concurrent evaluations on one compiled rule set', () => {
  it('each of 50 concurrent evaluations fires every rule it should', async () => {
    const compiled = compileRuleSet(definition)
    // calls answer after 0–6 ms in a shuffled order, so runs finish out of step with each other
    const sources = new InMemorySources({
      asOf: now,
      usage: usageEvents,
      lists: listEntries,
      delayMs: (n) => (n * 5) % 7,
    })
    for (let round = 0; round < 3; round++) {
      const evaluations = await Promise.all(
        cases.map((c) =>
          compiled.evaluate(
            decisionContext(
              sources,
              now,
              capturedRequest({
                customer: { id: c.customerId, phone: c.phone },
                network: { ani: c.phone },
                entered: { phone: c.phone },
              }),
            ),
          ),
        ),
      )
      const firedByCase = evaluations.map((e) => e.fired.map((f) => f.id))
      expect(firedByCase).toEqual(cases.map(expectedFired))
    }
  })
})

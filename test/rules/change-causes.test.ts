// Why a replayed decision changed: the rules that decide the new outcome, and those that decided the
// old one and no longer do — never an allowance that only counted.
import { describe, expect, it } from 'vitest'
import { changeCauses, recordedDecidingRules } from '../../rules/change-causes.ts'
import { type AllowanceState, resolveOutcome } from '../../rules/outcome.ts'

const allowance = (ruleId: string, limit: number, used: number): AllowanceState => ({
  ruleId,
  ruleName: ruleId,
  subject: 'customer',
  subjectLabel: 'the customer',
  metric: 'amount',
  window: 'day',
  limit,
  used,
  resetsAt: new Date('2026-01-02T00:00:00Z'),
  message: `${ruleId} used up`,
})

describe('the rules that decide an outcome', () => {
  it('are the rules of that outcome, not weaker ones beside it', () => {
    const r = resolveOutcome({
      kind: 'purchase',
      amount: 100,
      fired: [
        { ruleId: 'bad-bin', ruleName: 'Bad BIN', type: 'block', params: { message: 'b', reason_code: 'b' } },
        {
          ruleId: 'new-customer',
          ruleName: 'New',
          type: 'review',
          params: { message: 'r', reason_code: 'r' },
        },
      ],
      allowances: [allowance('daily', 5000, 0)],
    })
    expect(r.outcome).toBe('block')
    expect(r.decided_by).toEqual(['bad-bin'])
  })

  it('for a limit, are only the allowances used up', () => {
    const r = resolveOutcome({
      kind: 'purchase',
      amount: 2500,
      fired: [],
      allowances: [
        allowance('daily', 5000, 0),
        allowance('weekly', 10_000, 9000),
        allowance('monthly', 50_000, 0),
      ],
    })
    expect(r.outcome).toBe('limit')
    expect(r.decided_by).toEqual(['weekly'])
  })

  it('are none for an approval', () => {
    const r = resolveOutcome({
      kind: 'purchase',
      amount: 1,
      fired: [],
      allowances: [allowance('daily', 5000, 0)],
    })
    expect(r.decided_by).toEqual([])
  })

  it('are read back from a recorded decision’s reasons', () => {
    const reasons = [
      { rule: 'weekly', type: 'allowance', remaining: 1000, resets_at: '2026-01-05T00:00:00Z' },
      { rule: 'daily', type: 'allowance', remaining: 5000 },
      { rule: 'spent', type: 'allowance', remaining: 0 },
    ]
    expect(recordedDecidingRules('limit', reasons)).toEqual(['weekly', 'spent'])
    expect(recordedDecidingRules('approve', reasons)).toEqual([])
    expect(
      recordedDecidingRules('review', [
        { rule: 'new-customer', type: 'review' },
        { rule: 'daily', type: 'allowance', remaining: 0 },
      ]),
    ).toEqual(['new-customer'])
  })
})

describe('why a decision changed', () => {
  const fired = [
    { id: 'bad-bin', name: 'Bad BIN', type: 'block' },
    { id: 'daily', name: 'Daily spend', type: 'allowance' },
  ]
  it('names what decides now when the replay is stricter', () => {
    expect(
      changeCauses({
        now: { decidedBy: ['bad-bin'], fired },
        before: {
          outcome: 'approve',
          reasons: [{ rule: 'daily', type: 'allowance', remaining: 4000 }],
          fired: [],
        },
      }),
    ).toEqual([{ id: 'bad-bin', name: 'Bad BIN', type: 'block', effect: 'now' }])
  })

  it('names what no longer decides when the replay is milder, and both when one outcome replaces another', () => {
    const before = {
      outcome: 'block',
      reasons: [{ rule: 'listed-phone', type: 'block' }],
      fired: [{ id: 'listed-phone', name: 'Listed phone', type: 'block' }],
    }
    expect(changeCauses({ now: { decidedBy: [], fired }, before })).toEqual([
      { id: 'listed-phone', name: 'Listed phone', type: 'block', effect: 'no_longer' },
    ])
    expect(
      changeCauses({
        now: { decidedBy: ['new-customer'], fired: [{ id: 'new-customer', name: 'New', type: 'review' }] },
        before,
      }),
    ).toEqual([
      { id: 'new-customer', name: 'New', type: 'review', effect: 'now' },
      { id: 'listed-phone', name: 'Listed phone', type: 'block', effect: 'no_longer' },
    ])
  })

  it('names the purchase value limit, which is a setting rather than a rule', () => {
    expect(
      changeCauses({
        now: { decidedBy: ['purchase-value-limit'], fired: [] },
        before: { outcome: 'approve', reasons: [], fired: [] },
      }),
    ).toEqual([{ id: 'purchase-value-limit', name: 'Purchase value limit', type: 'limit', effect: 'now' }])
  })
})

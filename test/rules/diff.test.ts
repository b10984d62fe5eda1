import { describe, expect, it } from 'vitest'
import { diffDefinitions, jsonChanges } from '../../rules/diff.ts'

const rule = (id: string, overrides: Record<string, unknown> = {}) => ({
  id,
  name: `Rule ${id}`,
  description: '',
  priority: 5,
  enabled: true,
  conditions: { all: [{ fact: 'amount', operator: 'greaterThan', value: 1000 }] },
  event: { type: 'block', params: { reason_code: 'big', message: 'Too big' } },
  ...overrides,
})

const base = {
  settings: { currency: 'USD', billing_increment_seconds: 60, session_hold_amount: 0 },
  rules: [rule('keep'), rule('change'), rule('drop')],
}

describe('rule-set diff', () => {
  it('reports rules added, removed and changed, matched by id, with the changed paths and values', () => {
    const next = {
      settings: { ...base.settings, billing_increment_seconds: 30 },
      rules: [
        rule('add'),
        rule('keep'),
        rule('change', {
          priority: 9,
          conditions: { all: [{ fact: 'amount', operator: 'greaterThan', value: 5000 }] },
        }),
      ],
    }
    const diff = diffDefinitions(base, next)
    expect(diff.rules.added).toEqual([{ id: 'add', name: 'Rule add' }])
    expect(diff.rules.removed).toEqual([{ id: 'drop', name: 'Rule drop' }])
    expect(diff.rules.unchanged).toBe(1)
    expect(diff.rules.changed).toEqual([
      {
        id: 'change',
        name: 'Rule change',
        changes: [
          { path: ['conditions', 'all', 0, 'value'], kind: 'changed', old: 1000, new: 5000 },
          { path: ['priority'], kind: 'changed', old: 5, new: 9 },
        ],
      },
    ])
    expect(diff.settings).toEqual([
      { path: ['billing_increment_seconds'], kind: 'changed', old: 60, new: 30 },
    ])
  })

  it('does not count a moved rule or an explicit default as a change', () => {
    const { description: _d, enabled: _e, ...bare } = rule('keep')
    const next = { settings: { currency: 'USD' }, rules: [rule('drop'), bare, rule('change')] }
    const diff = diffDefinitions(base, next)
    expect(diff.settings).toEqual([])
    expect(diff.rules).toEqual({ added: [], removed: [], changed: [], unchanged: 3 })
  })

  it('reads an invalid draft as it is, matching rules without an id by position', () => {
    const draft = { settings: { currency: 'usd' }, rules: [{ name: 'half-written' }, rule('keep')] }
    const diff = diffDefinitions(base, draft)
    expect(diff.settings).toContainEqual({ path: ['currency'], kind: 'changed', old: 'USD', new: 'usd' })
    expect(diff.rules.added).toEqual([{ id: '#0', name: 'half-written' }])
    expect(diff.rules.removed.map((r) => r.id)).toEqual(['change', 'drop'])
  })

  it('lists array elements and keys that appear or disappear', () => {
    expect(jsonChanges({ a: [1, 2], b: 1 }, { a: [1], c: null })).toEqual([
      { path: ['a', 1], kind: 'removed', old: 2, new: null },
      { path: ['b'], kind: 'removed', old: 1, new: null },
      { path: ['c'], kind: 'added', old: null, new: null },
    ])
    expect(jsonChanges({ x: { y: 1 } }, { x: { y: 1 } })).toEqual([])
  })
})

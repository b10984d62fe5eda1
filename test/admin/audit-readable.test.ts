// The audit log's readable change, without a database: fields, a definition as rules, ids as names.
import { describe, expect, it } from 'vitest'
import { namedChange, readableChange } from '../../server/audit/readable.ts'

describe('readableChange', () => {
  it('reads a rule set created from nothing as its fields and every rule added', () => {
    const change = readableChange(null, {
      name: 'Calls',
      definition: { settings: { currency: 'USD' }, rules: [{ id: 'a', name: 'First' }, { id: 'b' }] },
    })
    expect(change.changes).toEqual([
      { field: 'name', before: null, after: 'Calls' },
      { field: 'settings', before: null, after: { currency: 'USD' } },
    ])
    expect(change.rules).toEqual({
      added: [
        { id: 'a', name: 'First' },
        { id: 'b', name: null },
      ],
      removed: [],
      changed: [],
    })
  })

  it('has no rules part when no definition changed, and nothing for an entry without before and after', () => {
    expect(readableChange({ role: 'analyst' }, { role: 'editor' })).toEqual({
      changes: [{ field: 'role', before: 'analyst', after: 'editor' }],
      rules: null,
    })
    expect(readableChange(null, null)).toEqual({ changes: [], rules: null })
    // a field that arrives empty is no change a reader needs to see
    expect(readableChange(null, { reason: 'chargeback', expires_at: null }).changes).toEqual([
      { field: 'reason', before: null, after: 'chargeback' },
    ])
  })

  it('names staff in user fields and lists by name, and leaves other strings alone', () => {
    const names = {
      users: new Map([['usr_1', { id: 'usr_1', name: 'Ann Lee', email: 'ann@example.com' }]]),
      entities: new Map([['list', new Map([['negative', 'Blocked']])]]),
    }
    const change = readableChange(
      { claimed_by: 'usr_1', note: 'usr_1', list_id: 'negative' },
      { claimed_by: 'usr_2', note: 'checked', list_id: 'positive' },
    )
    expect(namedChange(change, names).changes).toEqual([
      { field: 'claimed_by', before: 'Ann Lee (ann@example.com)', after: 'usr_2' },
      { field: 'list_id', before: 'Blocked', after: 'positive' },
      { field: 'note', before: 'usr_1', after: 'checked' },
    ])
  })
})

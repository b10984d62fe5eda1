// The rule editor's model: visual → JSON → visual keeps a rule identical, for hand-built rules, the
// demo rule set and random condition trees; edits keep the tree whole; server problems land on the
// rule and condition their path names.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  appendChild,
  type ConditionNode,
  changeFact,
  changeOperator,
  type DraftModel,
  definitionText,
  emptyGroup,
  findNode,
  fromDefinition,
  type LeafNode,
  moveNode,
  newLeaf,
  newRule,
  paramFields,
  parseDefinitionText,
  parseList,
  placeProblems,
  problemInWords,
  removeNode,
  ruleIdFromName,
  toDefinition,
  toggleNot,
  withoutKeys,
} from '../../console/src/pages/rule-sets/model.ts'
import { demoRuleSet } from '../../server/tenants/demo-rule-set.ts'

const listHitParams = {
  type: 'object',
  properties: {
    list: { type: 'string', enum: ['negative', 'positive'] },
    subject: { type: 'string', enum: ['phone', 'ip', 'email_domain'] },
  },
  required: ['list', 'subject'],
}
const facts = {
  email_domain: {
    name: 'email_domain',
    value_type: 'string' as const,
    operators: ['equal', 'notEqual', 'in', 'notIn'],
    params: null,
  },
  amount: {
    name: 'amount',
    value_type: 'number' as const,
    operators: ['equal', 'lessThan', 'greaterThanInclusive', 'in'],
    params: null,
  },
  list_hit: {
    name: 'list_hit',
    value_type: 'boolean' as const,
    operators: ['equal', 'notEqual'],
    params: listHitParams,
  },
}

function model(json: unknown): DraftModel {
  const converted = fromDefinition(json)
  if (!converted.ok) throw new Error(converted.message)
  return converted.value
}

/** visual → JSON text → visual */
function roundTrip(m: DraftModel): DraftModel {
  const back = parseDefinitionText(definitionText(m))
  if (!back.ok) throw new Error(back.message)
  return back.value
}

describe('visual → JSON → visual', () => {
  it('keeps a rule built in the visual editor identical', () => {
    const rule = newRule('Block blocked.example', [])
    const leaf = { ...newLeaf(facts.email_domain), value: 'blocked.example' }
    const anyGroup = emptyGroup('any')
    let conditions: ConditionNode = appendChild(rule.conditions, rule.conditions.key, leaf)
    conditions = appendChild(conditions, rule.conditions.key, anyGroup)
    conditions = appendChild(conditions, anyGroup.key, newLeaf(facts.list_hit))
    conditions = appendChild(conditions, anyGroup.key, {
      ...newLeaf(facts.amount),
      operator: 'in',
      value: [1, 2],
    })
    conditions = toggleNot(conditions, anyGroup.key)
    const draft: DraftModel = {
      settings: { currency: 'USD' },
      rules: [
        {
          ...rule,
          conditions,
          event: {
            type: 'block',
            params: { reason_code: 'email_domain.blocked', message: 'Blocked domain' },
          },
        },
      ],
    }
    const again = roundTrip(draft)
    expect(withoutKeys(again)).toEqual(withoutKeys(draft))
    expect(toDefinition(again)).toEqual(toDefinition(draft))
    expect(toDefinition(draft).rules).toEqual([
      {
        id: 'block-blocked-example',
        name: 'Block blocked.example',
        description: '',
        priority: 10,
        enabled: true,
        conditions: {
          all: [
            { fact: 'email_domain', operator: 'equal', value: 'blocked.example' },
            {
              not: {
                any: [
                  {
                    fact: 'list_hit',
                    params: { list: 'negative', subject: 'phone' },
                    operator: 'equal',
                    value: true,
                  },
                  { fact: 'amount', operator: 'in', value: [1, 2] },
                ],
              },
            },
          ],
        },
        event: { type: 'block', params: { reason_code: 'email_domain.blocked', message: 'Blocked domain' } },
      },
    ])
  })

  it('keeps the demo rule set as the server stores it', () => {
    const m = model(demoRuleSet)
    expect(toDefinition(m)).toEqual(demoRuleSet)
    expect(withoutKeys(roundTrip(m))).toEqual(withoutKeys(m))
  })

  it('keeps keys it does not know, and says what it cannot show', () => {
    const json = {
      settings: { currency: 'EUR' },
      rules: [
        {
          id: 'x',
          name: 'X',
          description: '',
          priority: 1,
          enabled: false,
          conditions: { any: [{ fact: 'a', operator: 'equal', value: null, path: '$.b', custom: 1 }] },
          event: { type: 'review', params: {} },
          note: 'kept',
        },
      ],
      comment: 'kept too',
    }
    expect(toDefinition(model(json))).toEqual(json)
    expect(fromDefinition({ rules: {} })).toEqual({ ok: false, message: 'rules is not a list' })
    expect(fromDefinition({ rules: [{ conditions: { all: [], any: [] } }] })).toMatchObject({ ok: false })
    expect(parseDefinitionText('{"rules": [')).toMatchObject({ ok: false })
  })

  const leafArb: fc.Arbitrary<unknown> = fc.record(
    {
      fact: fc.constantFrom('amount', 'email_domain', 'list_hit', 'usage'),
      operator: fc.constantFrom('equal', 'notEqual', 'in', 'lessThan'),
      value: fc.oneof(
        fc.integer(),
        fc.string(),
        fc.boolean(),
        fc.constant(null),
        fc.array(fc.string(), { maxLength: 3 }),
      ),
      params: fc.dictionary(fc.constantFrom('list', 'subject', 'window'), fc.string(), { maxKeys: 2 }),
    },
    { requiredKeys: ['fact', 'operator', 'value'] },
  )
  const { tree } = fc.letrec<{ tree: unknown; group: unknown }>((tie) => ({
    tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leafArb, tie('group')),
    group: fc.oneof(
      fc.record({ all: fc.array(tie('tree'), { maxLength: 4 }) }),
      fc.record({ any: fc.array(tie('tree'), { maxLength: 4 }) }),
      fc.record({ not: tie('tree') }),
    ),
  }))
  const topArb = fc.oneof(
    fc.record({ all: fc.array(tree, { maxLength: 4 }) }),
    fc.record({ any: fc.array(tree, { maxLength: 4 }) }),
    fc.record({ not: tree }),
  )
  const ruleArb = fc.record({
    id: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
    name: fc.string({ maxLength: 20 }),
    description: fc.string({ maxLength: 10 }),
    priority: fc.integer({ min: 1, max: 100 }),
    enabled: fc.boolean(),
    conditions: topArb,
    event: fc.record({
      type: fc.constantFrom('block', 'temporary_block', 'review', 'limit', 'allowance', 'discount', 'offer'),
      params: fc.dictionary(
        fc.constantFrom('message', 'reason_code', 'limit'),
        fc.oneof(fc.string(), fc.integer()),
      ),
    }),
  })
  const definitionArb = fc.record({
    settings: fc.record({ currency: fc.constantFrom('USD', 'EUR') }),
    rules: fc.array(ruleArb, { maxLength: 5 }),
  })

  it('keeps random condition trees identical both ways (property)', () => {
    fc.assert(
      fc.property(definitionArb, (json) => {
        const m = model(json)
        // JSON → visual → JSON is the identity on documents in the editor's reading order
        expect(toDefinition(m)).toEqual(json)
        // visual → JSON → visual keeps every rule and condition
        expect(withoutKeys(roundTrip(m))).toEqual(withoutKeys(m))
      }),
      { numRuns: 300 },
    )
  })

  it('keeps the tree whole under random edits (property)', () => {
    fc.assert(
      fc.property(
        topArb,
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('remove', 'up', 'down', 'not', 'add')), { maxLength: 8 }),
        (json, edits) => {
          let root = model({ settings: {}, rules: [{ id: 'r', name: 'R', conditions: json }] }).rules[0]
            ?.conditions
          if (!root) throw new Error('no rule')
          for (const [pick, edit] of edits) {
            const keys: string[] = []
            const walk = (n: ConditionNode) => {
              keys.push(n.key)
              if (n.kind === 'group') n.children.forEach(walk)
              if (n.kind === 'not') walk(n.child)
            }
            walk(root)
            const key = keys[pick % keys.length] ?? root.key
            if (edit === 'remove') root = removeNode(root, key)
            if (edit === 'up') root = moveNode(root, key, -1)
            if (edit === 'down') root = moveNode(root, key, 1)
            if (edit === 'not' && key !== root.key) root = toggleNot(root, key)
            if (edit === 'add') root = appendChild(root, key, newLeaf(facts.amount))
            const rule = {
              id: 'r',
              name: 'R',
              description: '',
              priority: 1,
              enabled: true,
              event: { type: 'block', params: {} },
            }
            const m: DraftModel = { settings: {}, rules: [{ ...rule, key: 'k', conditions: root }] }
            expect(withoutKeys(roundTrip(m))).toEqual(withoutKeys(m))
          }
        },
      ),
      { numRuns: 200 },
    )
  })
})

describe('editing a condition', () => {
  it('keeps operator and value where they fit the new fact, and adapts lists', () => {
    const leaf: LeafNode = { ...newLeaf(facts.email_domain), value: 'a.example' }
    const asList = changeOperator(leaf, 'string', 'in')
    expect(asList.value).toEqual(['a.example'])
    expect(changeOperator(asList, 'string', 'equal').value).toBe('a.example')
    const toBoolean = changeFact(leaf, facts.list_hit)
    expect(toBoolean).toMatchObject({
      fact: 'list_hit',
      operator: 'equal',
      value: true,
      params: { list: 'negative', subject: 'phone' },
    })
    expect(changeFact(leaf, facts.amount)).toMatchObject({ operator: 'equal', value: 0 })
    expect(findNode(emptyGroup(), 'nope')).toBeUndefined()
    expect(parseList('1, 2, x,', 'number')).toEqual([1, 2, 'x'])
  })

  it('builds param forms from JSON Schema: enums as choices, integers as numbers', () => {
    expect(
      paramFields({
        type: 'object',
        properties: {
          ...listHitParams.properties,
          hours: { type: 'integer', minimum: 1 },
          message: { type: 'string' },
        },
        required: ['list'],
      }),
    ).toEqual([
      {
        name: 'list',
        kind: 'enum',
        options: ['negative', 'positive'],
        required: true,
        description: undefined,
      },
      {
        name: 'subject',
        kind: 'enum',
        options: ['phone', 'ip', 'email_domain'],
        required: false,
        description: undefined,
      },
      {
        name: 'hours',
        kind: 'integer',
        required: false,
        description: undefined,
        minimum: 1,
        maximum: undefined,
      },
      { name: 'message', kind: 'string', required: false, description: undefined, maxLength: undefined },
    ])
  })

  it('makes stable, unique ids from names', () => {
    expect(ruleIdFromName('Block blocked.example!')).toBe('block-blocked-example')
    expect(ruleIdFromName('Block blocked.example', ['block-blocked-example'])).toBe('block-blocked-example-2')
    expect(ruleIdFromName('Évite ça')).toBe('evite-ca')
    expect(ruleIdFromName('***')).toBe('rule')
  })
})

describe('validation problems', () => {
  it('land on the rule and the condition their path names', () => {
    const m = model({
      settings: {},
      rules: [
        { id: 'a', name: 'A', conditions: { all: [] }, event: { type: 'block', params: {} } },
        {
          id: 'b',
          name: 'B',
          conditions: {
            any: [
              { fact: 'x', operator: 'equal', value: 1 },
              { not: { all: [{ fact: 'y', operator: 'bad', value: 1 }] } },
            ],
          },
          event: { type: 'block', params: {} },
        },
      ],
    })
    const places = placeProblems(m, [
      {
        field: 'rules.1.conditions.any.1.not.all.0.operator',
        pointer: '/rules/1/conditions/any/1/not/all/0/operator',
        message: 'operator "bad" does not fit',
      },
      {
        field: 'rules.1.conditions.any.0.fact',
        pointer: '/rules/1/conditions/any/0/fact',
        message: 'unknown fact "x"',
      },
      {
        field: 'rules.0.event.params.message',
        pointer: '/rules/0/event/params/message',
        message: 'Invalid input: expected string, received undefined',
      },
      { field: 'settings.currency', pointer: '/settings/currency', message: 'Required' },
    ])
    const [a, b] = m.rules
    const anyGroup = b?.conditions.kind === 'group' ? b.conditions : undefined
    const notNode = anyGroup?.children[1]
    const deep =
      notNode?.kind === 'not' && notNode.child.kind === 'group' ? notNode.child.children[0] : undefined
    expect(places.byNode.get(deep?.key ?? '')).toEqual([
      { field: 'operator', message: 'operator "bad" does not fit' },
    ])
    expect(places.byNode.get(anyGroup?.children[0]?.key ?? '')).toEqual([
      { field: 'fact', message: 'unknown fact "x"' },
    ])
    expect(places.byNode.get(a?.key ?? '')).toEqual([
      { field: 'event.params.message', message: 'Invalid input: expected string, received undefined' },
    ])
    expect(places.perRule.get(b?.key ?? '')).toBe(2)
    expect(places.general.map((p) => p.field)).toEqual(['settings.currency'])
    expect(problemInWords('Invalid input: expected string, received undefined')).toBe(
      'Required: fill this in.',
    )
  })
})

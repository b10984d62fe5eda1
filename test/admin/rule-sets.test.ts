import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { purchase, startTestApp, type TestApp, typedCard } from '../support/app.ts'
import { setPointers } from '../support/rule-versions.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'

let t: TestApp
let viewer: StaffClient
let analyst: StaffClient
let editor: StaffClient
let publisher: StaffClient
let otherPublisher: StaffClient
let admin: StaffClient
let globex: StaffClient

beforeAll(async () => {
  t = await startTestApp()
  viewer = await staffClient(t, 'acme', 'viewer')
  analyst = await staffClient(t, 'acme', 'analyst')
  editor = await staffClient(t, 'acme', 'editor')
  publisher = await staffClient(t, 'acme', 'publisher')
  otherPublisher = await staffClient(t, 'acme', 'publisher', 'second-publisher@acme.test')
  admin = await staffClient(t, 'acme', 'admin')
  globex = await staffClient(t, 'globex', 'admin')
})
afterAll(() => t.close())

// Action routes take no body, but every admin write is sent as JSON (the server refuses other types).
const base = '/admin/v1/rule-sets'

const bigPurchaseRule = {
  id: 'big-purchase',
  name: 'Purchases over 20.00 go to review',
  description: '',
  priority: 5,
  enabled: true,
  conditions: { all: [{ fact: 'amount', operator: 'greaterThan', value: 2000 }] },
  event: {
    type: 'review',
    params: { reason_code: 'big_purchase', message: 'A person checks big purchases' },
  },
}

const smallDefinition = {
  settings: { currency: 'USD', billing_increment_seconds: 60, session_hold_amount: 0 },
  rules: [
    bigPurchaseRule,
    {
      id: 'web-discount',
      name: 'Web discount',
      description: '',
      priority: 1,
      enabled: true,
      conditions: { all: [{ fact: 'channel', operator: 'equal', value: 'web' }] },
      event: { type: 'discount', params: { code: 'WEB10', percent_off: 10, message: '10% off on the web' } },
    },
  ],
}

async function ok<T = Record<string, unknown>>(res: Response | Promise<Response>, status = 200): Promise<T> {
  const response = await res
  const text = await response.text()
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${text}`)
  return JSON.parse(text) as T
}

async function problem(res: Response | Promise<Response>, status: number) {
  const response = await res
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toContain('application/problem+json')
  return (await response.json()) as {
    type: string
    detail?: string
    errors?: { field: string; pointer: string; message: string }[]
  }
}

async function auditOf(ruleSetId: string) {
  const body = await ok<{ entries: Record<string, unknown>[] }>(
    admin.request('GET', `/admin/v1/audit?entity_type=rule_set&entity_id=${ruleSetId}&limit=200`),
  )
  return body.entries
}

async function rowCounts() {
  const counts: Record<string, number> = {}
  for (const table of [
    'decisions',
    'usage_events',
    'customers',
    'customer_identifiers',
    'payment_methods',
    'audit_log',
  ] as const) {
    const row = await t.db.selectFrom(table).select(t.db.fn.countAll().as('n')).executeTakeFirstOrThrow()
    counts[table] = Number(row.n)
  }
  return counts
}

describe('the rule-set lifecycle', () => {
  it('drafts, edits, validates, publishes and activates a version that live decisions then use; a rollback restores the old one', async () => {
    const before = await ok<{ active_version: number }>(viewer.request('GET', `${base}/authorizations`))
    expect(before.active_version).toBe(1)

    // a draft copied from the active version keeps every rule id
    const draft = await ok<{
      version: number
      status: string
      based_on: number
      definition: { rules: { id: string }[] }
    }>(editor.request('POST', `${base}/authorizations/versions`, {}), 201)
    expect(draft).toMatchObject({ version: 2, status: 'draft', based_on: 1 })
    const v1 = await ok<{ definition: { rules: { id: string }[]; settings: unknown } }>(
      viewer.request('GET', `${base}/authorizations/versions/1`),
    )
    expect(draft.definition.rules.map((r) => r.id)).toEqual(v1.definition.rules.map((r) => r.id))

    const edited = await ok<{ valid: boolean; last_edited_by: { email: string } }>(
      editor.request('PUT', `${base}/authorizations/versions/2`, {
        definition: { ...v1.definition, rules: [bigPurchaseRule, ...v1.definition.rules] },
      }),
    )
    expect(edited).toMatchObject({ valid: true, last_edited_by: { email: editor.email } })
    expect(await ok(viewer.request('POST', `${base}/authorizations/versions/2/validate`, {}))).toEqual({
      valid: true,
      problems: [],
    })

    const published = await ok(publisher.request('POST', `${base}/authorizations/versions/2/publish`, {}))
    expect(published).toMatchObject({ status: 'published', published_by: { email: publisher.email } })
    expect(published.published_at).toEqual(expect.any(String))

    const activated = await ok(publisher.request('POST', `${base}/authorizations/versions/2/activate`, {}))
    expect(activated).toMatchObject({ active_version: 2, decides_authorizations: true })

    const onNew = await ok<{ id: string; outcome: string; rule_set: unknown; reasons: { rule: string }[] }>(
      t.post('/v1/authorizations', purchase()),
      201,
    )
    expect(onNew.rule_set).toEqual({ id: 'authorizations', version: 2 })
    expect(onNew.outcome).toBe('review')
    expect(onNew.reasons[0]?.rule).toBe('big-purchase')
    const recorded = await t.db
      .selectFrom('decisions')
      .select(['rule_set_id', 'rule_set_version'])
      .where('tenant_id', '=', 'acme')
      .where('id', '=', onNew.id)
      .executeTakeFirstOrThrow()
    expect(recorded).toEqual({ rule_set_id: 'authorizations', rule_set_version: 2 })

    const rolledBack = await ok<{ active_version: number; versions: { version: number; status: string }[] }>(
      publisher.request('POST', `${base}/authorizations/rollback`, { version: 1 }),
    )
    expect(rolledBack.active_version).toBe(1)
    expect(rolledBack.versions.map((v) => [v.version, v.status])).toEqual([
      [2, 'published'],
      [1, 'active'],
    ])

    const onOld = await ok<{ outcome: string; rule_set: unknown }>(
      t.post('/v1/authorizations', purchase()),
      201,
    )
    expect(onOld).toMatchObject({ outcome: 'approve', rule_set: { id: 'authorizations', version: 1 } })

    const actions = (await auditOf('authorizations')).map((e) => e.action).reverse()
    expect(actions).toEqual([
      'rule_set_version.created',
      'rule_set_version.edited',
      'rule_set_version.published',
      'rule_set.activated',
      'rule_set.rolled_back',
    ])
  })

  it('writes an audit entry with the actor and the before and after for every change', async () => {
    const entries = await auditOf('authorizations')
    const byAction = new Map(entries.map((e) => [e.action, e]))
    expect(byAction.get('rule_set_version.created')).toMatchObject({
      actor: { id: editor.userId, email: editor.email },
      before: null,
      after: { version: 2, status: 'draft', based_on: 1 },
    })
    expect(byAction.get('rule_set_version.edited')).toMatchObject({
      actor: { email: editor.email },
      before: { version: 2, definition: { rules: expect.any(Array) } },
      after: {
        version: 2,
        definition: { rules: expect.arrayContaining([expect.objectContaining({ id: 'big-purchase' })]) },
      },
    })
    expect(byAction.get('rule_set_version.published')).toMatchObject({
      actor: { email: publisher.email },
      before: { version: 2, status: 'draft' },
      after: { version: 2, status: 'published', published_by: publisher.userId },
    })
    expect(byAction.get('rule_set.activated')).toMatchObject({
      actor: { email: publisher.email },
      before: { active_version: 1 },
      after: { active_version: 2 },
    })
    expect(byAction.get('rule_set.rolled_back')).toMatchObject({
      before: { active_version: 2 },
      after: { active_version: 1 },
    })
    for (const entry of entries) expect(entry.at).toEqual(expect.any(String))
  })

  it('keeps published versions immutable', async () => {
    const before = await ok<{ definition: unknown; updated_at: string }>(
      viewer.request('GET', `${base}/authorizations/versions/1`),
    )
    const refused = await problem(
      editor.request('PUT', `${base}/authorizations/versions/1`, { definition: smallDefinition }),
      409,
    )
    expect(refused.type).toBe('urn:tollgate:problem:immutable')
    expect(
      (await problem(publisher.request('POST', `${base}/authorizations/versions/2/publish`, {}), 409)).type,
    ).toBe('urn:tollgate:problem:immutable')
    const after = await ok(viewer.request('GET', `${base}/authorizations/versions/1`))
    expect(after).toMatchObject({ definition: before.definition, updated_at: before.updated_at })
  })

  it('archives only versions that are neither active nor in shadow, and never activates an archived one', async () => {
    const refused = await problem(
      publisher.request('POST', `${base}/authorizations/versions/1/archive`, {}),
      409,
    )
    expect(refused.detail).toMatch(/active/)
    await t.db
      .updateTable('rule_sets')
      .set({ shadow_version: 2 })
      .where('tenant_id', '=', 'acme')
      .where('id', '=', 'authorizations')
      .execute()
    expect(
      (await problem(publisher.request('POST', `${base}/authorizations/versions/2/archive`, {}), 409)).detail,
    ).toMatch(/shadow/)
    await setPointers(t, 'acme', { shadow_version: null })
    expect(
      await ok(publisher.request('POST', `${base}/authorizations/versions/2/archive`, {})),
    ).toMatchObject({
      version: 2,
      status: 'archived',
    })
    expect(
      (await problem(publisher.request('POST', `${base}/authorizations/versions/2/activate`, {}), 409))
        .detail,
    ).toMatch(/archived/)
    expect((await auditOf('authorizations'))[0]).toMatchObject({
      action: 'rule_set_version.archived',
      actor: { email: publisher.email },
      before: { version: 2, status: 'published' },
      after: { version: 2, status: 'archived' },
    })
  })
})

describe('rule sets', () => {
  it('creates a rule set with an empty draft version 1, lists it and renames it', async () => {
    const created = await ok(
      editor.request('POST', base, { id: 'promos', name: 'Promotions', settings: { currency: 'EUR' } }),
      201,
    )
    expect(created).toMatchObject({
      id: 'promos',
      active_version: null,
      four_eyes: false,
      decides_authorizations: false,
      versions: [{ version: 1, status: 'draft', created_by: { email: editor.email } }],
    })
    expect(await ok(viewer.request('GET', `${base}/promos/versions/1`))).toMatchObject({
      definition: { settings: { currency: 'EUR' }, rules: [] },
      valid: true,
    })
    const list = await ok<{ rule_sets: Record<string, unknown>[] }>(viewer.request('GET', base))
    expect(list.rule_sets.find((r) => r.id === 'promos')).toMatchObject({
      active_version: null,
      shadow_version: null,
      versions: { total: 1, draft: 1, published: 0, archived: 0 },
    })
    expect(list.rule_sets.find((r) => r.id === 'authorizations')).toMatchObject({
      active_version: 1,
      decides_authorizations: true,
      versions: { total: 2, published: 1, archived: 1 },
    })

    const renamed = await ok(
      publisher.request('PATCH', `${base}/promos`, { name: 'Promotions (web)', description: 'Web offers' }),
    )
    expect(renamed).toMatchObject({ name: 'Promotions (web)', description: 'Web offers' })
    expect((await auditOf('promos')).map((e) => [e.action, e.before, e.after])).toEqual([
      [
        'rule_set.updated',
        { name: 'Promotions', description: '', four_eyes: false },
        { name: 'Promotions (web)', description: 'Web offers', four_eyes: false },
      ],
      ['rule_set.created', null, expect.objectContaining({ name: 'Promotions', version: 1 })],
    ])
  })

  it('refuses a taken id and an id that is not a slug, naming the field', async () => {
    expect((await problem(editor.request('POST', base, { id: 'promos', name: 'Again' }), 409)).type).toBe(
      'urn:tollgate:problem:conflict',
    )
    const bad = await problem(editor.request('POST', base, { id: 'Bad Id', name: 'x' }), 422)
    expect(bad.errors?.[0]).toMatchObject({ field: 'id', pointer: '/id' })
  })
})

describe('validation', () => {
  const broken = {
    settings: { currency: 'USD' },
    rules: [
      {
        id: 'bad-fact',
        name: 'Bad fact',
        conditions: { all: [{ fact: 'shoe_size', operator: 'equal', value: 42 }] },
        event: { type: 'block', params: { reason_code: 'x', message: 'x' } },
      },
      {
        id: 'bad-operator',
        name: 'Bad operator',
        conditions: { any: [{ fact: 'channel', operator: 'greaterThan', value: 'web' }] },
        event: { type: 'limit', params: { reason_code: 'x', message: 'x', minutes: 5 } },
      },
      {
        id: 'bad-params',
        name: 'Bad fact',
        conditions: {
          all: [
            {
              fact: 'usage',
              params: { subject: 'planet', metric: 'minutes', window: 'day' },
              operator: 'greaterThan',
              value: 1,
            },
          ],
        },
        event: { type: 'block', params: { reason_code: 'x', message: 'x' } },
      },
    ],
  }

  it('stores an invalid draft but reports every problem with its path, and refuses to publish it', async () => {
    await ok(editor.request('POST', base, { id: 'drafty', name: 'Work in progress' }), 201)
    const saved = await ok<{ valid: boolean; problems: { field: string }[] }>(
      editor.request('PUT', `${base}/drafty/versions/1`, { definition: broken }),
    )
    expect(saved.valid).toBe(false)
    const fields = saved.problems.map((p) => p.field)
    expect(fields).toEqual(
      expect.arrayContaining([
        'rules.0.conditions.all.0.fact',
        'rules.1.conditions.any.0.operator',
        'rules.1.event.params',
        'rules.2.name',
        'rules.2.conditions.all.0.params.subject',
      ]),
    )
    const stored = await ok<{ definition: unknown }>(viewer.request('GET', `${base}/drafty/versions/1`))
    expect(stored.definition).toEqual(broken)

    const validated = await ok<{
      valid: boolean
      problems: { field: string; pointer: string; message: string }[]
    }>(viewer.request('POST', `${base}/drafty/versions/1/validate`, {}))
    expect(validated.valid).toBe(false)
    expect(validated.problems.map((p) => p.field)).toEqual(fields)
    expect(validated.problems[0]).toMatchObject({
      field: 'rules.0.conditions.all.0.fact',
      pointer: '/rules/0/conditions/all/0/fact',
      message: expect.stringContaining('shoe_size'),
    })

    const refused = await problem(publisher.request('POST', `${base}/drafty/versions/1/publish`, {}), 422)
    expect(refused.type).toBe('urn:tollgate:problem:invalid_rule_set')
    expect(refused.errors?.map((e) => e.field)).toEqual(fields)
    expect(await ok(viewer.request('GET', `${base}/drafty/versions/1`))).toMatchObject({ status: 'draft' })
    expect((await auditOf('drafty')).map((e) => e.action)).not.toContain('rule_set_version.published')
  })

  it('refuses a simulation of an invalid draft with its problems', async () => {
    const refused = await problem(
      analyst.request('POST', `${base}/drafty/versions/1/simulate`, { facts: { amount: 1 } }),
      422,
    )
    expect(refused.errors?.[0]?.field).toBe('rules.0.conditions.all.0.fact')
  })
})

describe('four eyes', () => {
  it('does not let the last editor publish; another publisher can', async () => {
    await ok(
      editor.request('POST', base, {
        id: 'guarded',
        name: 'Guarded',
        definition: smallDefinition,
        four_eyes: true,
      }),
      201,
    )
    // a publisher who edits the draft becomes its last editor
    await ok(publisher.request('PUT', `${base}/guarded/versions/1`, { definition: smallDefinition }))
    const refused = await problem(publisher.request('POST', `${base}/guarded/versions/1/publish`, {}), 403)
    expect(refused.type).toBe('urn:tollgate:problem:four_eyes')
    expect(await ok(viewer.request('GET', `${base}/guarded/versions/1`))).toMatchObject({ status: 'draft' })

    const published = await ok(otherPublisher.request('POST', `${base}/guarded/versions/1/publish`, {}))
    expect(published).toMatchObject({
      status: 'published',
      last_edited_by: { email: publisher.email },
      published_by: { email: otherPublisher.email },
    })
  })

  it('can be switched only by an admin: a publisher may not turn off what guards publishers', async () => {
    const refused = await problem(publisher.request('PATCH', `${base}/guarded`, { four_eyes: false }), 403)
    expect(refused.type).toBe('urn:tollgate:problem:forbidden')
    expect(refused.detail).toContain('Only an admin may switch four-eyes publishing on or off')
    // nothing changed: neither the flag nor a name sent along with it
    const refusedWithName = await problem(
      publisher.request('PATCH', `${base}/guarded`, { name: 'Unguarded', four_eyes: false }),
      403,
    )
    expect(refusedWithName.type).toBe('urn:tollgate:problem:forbidden')
    expect(await ok(viewer.request('GET', `${base}/guarded`))).toMatchObject({
      name: 'Guarded',
      four_eyes: true,
    })
    // sending the value it already has changes nothing, so a publisher's rename form may carry it
    expect(
      await ok(publisher.request('PATCH', `${base}/guarded`, { description: 'Kept safe', four_eyes: true })),
    ).toMatchObject({ description: 'Kept safe', four_eyes: true })
  })

  it('can be switched off by an admin, which is audited', async () => {
    await ok(admin.request('PATCH', `${base}/guarded`, { four_eyes: false }))
    expect((await auditOf('guarded'))[0]).toMatchObject({
      action: 'rule_set.updated',
      before: { four_eyes: true },
      after: { four_eyes: false },
    })
    await ok(publisher.request('POST', `${base}/guarded/versions`, { from_version: 1 }), 201)
    expect(await ok(publisher.request('POST', `${base}/guarded/versions/2/publish`, {}))).toMatchObject({
      status: 'published',
    })
  })
})

describe('diff', () => {
  it('shows rules added, removed and changed by id, with the changed paths and values, and settings changes', async () => {
    await ok(editor.request('POST', base, { id: 'diffed', name: 'Diffed', definition: smallDefinition }), 201)
    await ok(editor.request('POST', `${base}/diffed/versions`, { from_version: 1 }), 201)
    const [big, discount] = smallDefinition.rules
    await ok(
      editor.request('PUT', `${base}/diffed/versions/2`, {
        definition: {
          settings: { ...smallDefinition.settings, billing_increment_seconds: 30 },
          rules: [
            {
              ...big,
              conditions: { all: [{ fact: 'amount', operator: 'greaterThan', value: 5000 }] },
            },
            {
              ...discount,
              id: 'phone-offer',
              name: 'Phone offer',
              event: {
                type: 'offer',
                params: { offer_id: 'o-1', name: 'Ten minutes', price: 900, message: 'Try it' },
              },
            },
          ],
        },
      }),
    )
    const diff = await ok(viewer.request('GET', `${base}/diffed/diff?from=1&to=2`))
    expect(diff).toEqual({
      from: 1,
      to: 2,
      settings: [{ path: ['billing_increment_seconds'], kind: 'changed', old: 60, new: 30 }],
      rules: {
        added: [{ id: 'phone-offer', name: 'Phone offer' }],
        removed: [{ id: 'web-discount', name: 'Web discount' }],
        changed: [
          {
            id: 'big-purchase',
            name: 'Purchases over 20.00 go to review',
            changes: [{ path: ['conditions', 'all', 0, 'value'], kind: 'changed', old: 2000, new: 5000 }],
          },
        ],
        unchanged: 0,
      },
    })
    expect((await problem(viewer.request('GET', `${base}/diffed/diff?from=1&to=9`), 404)).type).toBe(
      'urn:tollgate:problem:not_found',
    )
    expect((await problem(viewer.request('GET', `${base}/diffed/diff?from=1`), 422)).errors?.[0]?.field).toBe(
      'to',
    )
  })
})

describe('simulation', () => {
  it('explains a request run through a draft, and writes nothing', async () => {
    // history for the customer, so the simulation reads real usage
    await ok(t.post('/v1/authorizations', purchase({ amount: { value: 1500, currency: 'USD' } })), 201)
    const draft = await ok<{ version: number }>(
      editor.request('POST', `${base}/authorizations/versions`, {}),
      201,
    )
    const v1 = await ok<{ definition: { rules: unknown[]; settings: unknown } }>(
      viewer.request('GET', `${base}/authorizations/versions/1`),
    )
    await ok(
      editor.request('PUT', `${base}/authorizations/versions/${draft.version}`, {
        definition: { ...v1.definition, rules: [bigPurchaseRule, ...v1.definition.rules] },
      }),
    )
    const counts = await rowCounts()

    const result = await ok<
      Record<string, unknown> & {
        fired_rules: Record<string, unknown>[]
        facts: Record<string, unknown>[]
        allowances: Record<string, unknown>[]
      }
    >(
      analyst.request('POST', `${base}/authorizations/versions/${draft.version}/simulate`, {
        request: purchase({ customer: { id: 'brand-new-customer', email: 'nobody-yet@example.com' } }),
      }),
    )
    expect(result).toMatchObject({
      rule_set: { id: 'authorizations', version: draft.version, status: 'draft' },
      outcome: 'review',
      reasons: expect.arrayContaining([expect.objectContaining({ rule: 'big-purchase', type: 'review' })]),
      // found by the card used before: a returning customer, looked up and not created
      customer: { returning: true },
    })
    // the strongest reason comes first
    expect((result.reasons as { rule: string }[])[0]?.rule).toBe('big-purchase')
    expect(result.fired_rules).toContainEqual(
      expect.objectContaining({
        id: 'big-purchase',
        conditions: [
          expect.objectContaining({
            fact: 'amount',
            operator: 'greaterThan',
            value: 2000,
            fact_value: 2500,
            result: true,
          }),
        ],
      }),
    )
    expect(result.facts).toContainEqual({ fact: 'amount', params: null, value: 2500, given: false })
    expect(result.allowances).toContainEqual(
      expect.objectContaining({
        rule: 'spend-per-month',
        metric: 'amount',
        limit: 10_000,
        used: 1500 + 2500,
      }),
    )

    const newcomer = await ok(
      analyst.request('POST', `${base}/authorizations/versions/1/simulate`, {
        request: purchase({
          customer: { id: 'sim-only', email: 'sim@example.com' },
          network: { ip: '198.51.100.9', device_id: 'sim-device' },
          payment_method: typedCard({ number: '5555555555554444', exp_month: 1, exp_year: 2031 }),
        }),
      }),
    )
    expect(newcomer).toMatchObject({ outcome: 'approve', customer: null, rule_set: { status: 'active' } })
    expect(await rowCounts()).toEqual(counts)
  })

  it('runs given fact values, a usage fact included, and says which were given', async () => {
    const counts = await rowCounts()
    const minutesToday = 'usage{"window":"day","subject":"customer","metric":"minutes"}'
    const result = await ok<
      Record<string, unknown> & { facts: Record<string, unknown>[]; allowances: Record<string, unknown>[] }
    >(
      analyst.request('POST', `${base}/authorizations/versions/1/simulate`, {
        facts: {
          kind: 'session',
          channel: 'phone',
          ani_present: true,
          entered_phone_present: true,
          list_hit: false,
          [minutesToday]: 40,
        },
        at: '2026-11-20T10:00:00Z',
      }),
    )
    expect(result).toMatchObject({
      at: '2026-11-20T10:00:00.000Z',
      outcome: 'limit',
      reasons: expect.arrayContaining([
        expect.objectContaining({ rule: 'minutes-per-day', type: 'allowance', remaining: 0 }),
      ]),
    })
    expect(result.allowances).toContainEqual(
      expect.objectContaining({ rule: 'minutes-per-day', used: 40, remaining: 0 }),
    )
    expect(result.facts).toContainEqual({ fact: 'ani_present', params: null, value: true, given: true })
    expect(result.facts).toContainEqual(
      expect.objectContaining({
        fact: 'list_hit',
        params: { list: 'negative', subject: 'phone' },
        value: false,
        given: true,
      }),
    )
    expect(await rowCounts()).toEqual(counts)

    const withoutMinutes = await ok(
      analyst.request('POST', `${base}/authorizations/versions/1/simulate`, {
        facts: {
          kind: 'session',
          channel: 'phone',
          ani_present: true,
          entered_phone_present: true,
          [minutesToday]: 10,
        },
      }),
    )
    expect(withoutMinutes).toMatchObject({ outcome: 'approve', limits: { max_duration_seconds: 30 * 60 } })
  })

  it('refuses unknown facts and values of the wrong type, naming them', async () => {
    const refused = await problem(
      analyst.request('POST', `${base}/authorizations/versions/1/simulate`, {
        facts: { shoe_size: 42, amount: 'lots', 'usage{"subject":"moon"}': 1 },
      }),
      422,
    )
    expect(refused.errors?.map((e) => e.field)).toEqual([
      'facts.shoe_size',
      'facts.amount',
      'facts.usage{"subject":"moon"}',
    ])
    const empty = await problem(
      analyst.request('POST', `${base}/authorizations/versions/1/simulate`, {}),
      422,
    )
    expect(empty.errors?.[0]?.field).toBe('request')
    const badRequest = await problem(
      analyst.request('POST', `${base}/authorizations/versions/1/simulate`, {
        request: purchase({ customer: { phone: '12' } }),
      }),
      422,
    )
    expect(badRequest.errors?.[0]?.field).toBe('request.customer.phone')
  })
})

describe('roles and tenants', () => {
  it('lets a viewer read but not publish, and an editor draft but not activate', async () => {
    expect((await viewer.request('GET', base)).status).toBe(200)
    expect(
      (await problem(viewer.request('POST', `${base}/authorizations/versions/1/publish`, {}), 403)).type,
    ).toBe('urn:tollgate:problem:forbidden')
    expect((await problem(viewer.request('POST', `${base}/authorizations/versions`, {}), 403)).type).toBe(
      'urn:tollgate:problem:forbidden',
    )
    expect(
      (
        await problem(
          viewer.request('POST', `${base}/authorizations/versions/1/simulate`, { facts: {} }),
          403,
        )
      ).type,
    ).toBe('urn:tollgate:problem:forbidden')
    expect(
      (await problem(editor.request('POST', `${base}/authorizations/versions/1/activate`, {}), 403)).type,
    ).toBe('urn:tollgate:problem:forbidden')
    expect(
      (await problem(editor.request('POST', `${base}/authorizations/rollback`, { version: 1 }), 403)).type,
    ).toBe('urn:tollgate:problem:forbidden')
    expect((await problem(editor.request('PATCH', `${base}/promos`, { four_eyes: true }), 403)).type).toBe(
      'urn:tollgate:problem:forbidden',
    )
    expect(
      (await problem(analyst.request('PUT', `${base}/promos/versions/1`, { definition: {} }), 403)).type,
    ).toBe('urn:tollgate:problem:forbidden')
  })

  it('answers 404 for another tenant’s rule set and changes nothing there', async () => {
    const auditBefore = await rowCounts()
    for (const [method, path, body] of [
      ['GET', `${base}/promos`, undefined],
      ['GET', `${base}/promos/versions/1`, undefined],
      ['PATCH', `${base}/promos`, { name: 'Taken over' }],
      ['PUT', `${base}/promos/versions/1`, { definition: smallDefinition }],
      ['POST', `${base}/promos/versions`, { from_version: 1 }],
      ['POST', `${base}/promos/versions/1/publish`, {}],
      ['POST', `${base}/guarded/versions/1/activate`, {}],
      ['POST', `${base}/guarded/rollback`, { version: 1 }],
      ['POST', `${base}/promos/versions/1/archive`, {}],
      ['POST', `${base}/guarded/versions/1/simulate`, { facts: {} }],
      ['GET', `${base}/diffed/diff?from=1&to=2`, undefined],
      // globex has a rule set of this name too, but not acme's version 3
      ['GET', `${base}/authorizations/versions/3`, undefined],
    ] as const) {
      const res = await globex.request(method, path, body)
      expect(res.status, `${method} ${path}`).toBe(404)
    }
    const globexList = await ok<{ rule_sets: { id: string }[] }>(globex.request('GET', base))
    expect(globexList.rule_sets.map((r) => r.id)).toEqual(['authorizations'])
    expect(await rowCounts()).toEqual(auditBefore)
    expect(await ok(viewer.request('GET', `${base}/promos`))).toMatchObject({ name: 'Promotions (web)' })
  })

  it('describes every route with its least role in the admin OpenAPI document', async () => {
    const doc = await ok<{ paths: Record<string, Record<string, Record<string, unknown>>> }>(
      t.app.request('/admin/v1/openapi.json'),
    )
    expect(
      doc.paths['/admin/v1/rule-sets/{id}/versions/{version}/publish']?.post?.['x-tollgate-min-role'],
    ).toBe('publisher')
    expect(
      doc.paths['/admin/v1/rule-sets/{id}/versions/{version}/simulate']?.post?.['x-tollgate-min-role'],
    ).toBe('analyst')
    expect(doc.paths['/admin/v1/rule-sets/{id}/diff']?.get?.['x-tollgate-min-role']).toBe('viewer')
  })
})

describe('actions without a body', () => {
  it('publishes and activates with a bare POST, as a console button sends it', async () => {
    const t2 = await startTestApp()
    try {
      const publisher = await staffClient(t2, 'acme', 'publisher', 'bare@acme.test')
      const draft = await publisher.request('POST', '/admin/v1/rule-sets/authorizations/versions', {})
      expect(draft.status).toBe(201)
      const { version } = (await draft.json()) as { version: number }
      const headers = { cookie: publisher.cookie, 'x-csrf-token': publisher.csrf }
      const publish = await t2.app.request(`/admin/v1/rule-sets/authorizations/versions/${version}/publish`, {
        method: 'POST',
        headers,
      })
      expect(publish.status).toBe(200)
      const activate = await t2.app.request(
        `/admin/v1/rule-sets/authorizations/versions/${version}/activate`,
        {
          method: 'POST',
          headers,
        },
      )
      expect(activate.status).toBe(200)
      const typed = await t2.app.request('/admin/v1/rule-sets', {
        method: 'POST',
        headers: { ...headers, 'content-type': 'text/plain' },
        body: 'not json',
      })
      expect(typed.status).toBe(415)
    } finally {
      await t2.close()
    }
  })
})

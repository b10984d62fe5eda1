// The audit log reads as a person reads it: a change field by field, a rule set's definition as
// rules added, removed and changed (not the whole document), and people, lists, entries and rule
// sets by name or e-mail rather than raw ids — in the audit log and in a list's "added by".
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jsonb } from '../../db/json.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'

interface FieldChange {
  field: string
  before: unknown
  after: unknown
}
interface AuditEntry {
  action: string
  entity_type: string
  entity_id: string
  entity_label: string | null
  actor: { id: string | null; email: string | null; name: string | null }
  changes: FieldChange[]
  rules: {
    added: { id: string; name: string | null }[]
    removed: { id: string; name: string | null }[]
    changed: { id: string; name: string | null; changes: FieldChange[] }[]
  } | null
}

let t: TestApp
let viewer: StaffClient
let editor: StaffClient
let publisher: StaffClient
let admin: StaffClient
let globexAdmin: StaffClient

beforeAll(async () => {
  t = await startTestApp()
  viewer = await staffClient(t, 'acme', 'viewer')
  editor = await staffClient(t, 'acme', 'editor')
  publisher = await staffClient(t, 'acme', 'publisher')
  admin = await staffClient(t, 'acme', 'admin')
  globexAdmin = await staffClient(t, 'globex', 'admin')
})
afterAll(() => t.close())

async function ok<T>(res: Promise<Response>, status = 200): Promise<T> {
  const response = await res
  const text = await response.text()
  expect(response.status, text).toBe(status)
  return JSON.parse(text) as T
}

async function audit(query: string, who = admin): Promise<AuditEntry[]> {
  return (await ok<{ entries: AuditEntry[] }>(who.request('GET', `/admin/v1/audit?${query}`))).entries
}

describe('the audit log, readable', () => {
  it('shows a draft edit as rules added, removed and changed, and the editors by name', async () => {
    const base = '/admin/v1/rule-sets/authorizations/versions'
    const draft = await ok<{
      version: number
      definition: { settings: Record<string, unknown>; rules: Record<string, unknown>[] }
    }>(publisher.request('POST', base, {}), 201)
    const [first, second, ...rest] = draft.definition.rules
    expect(first && second).toBeTruthy()
    const edited = {
      ...draft.definition,
      settings: { ...draft.definition.settings, billing_increment_seconds: 30 },
      rules: [
        { ...first, name: 'Renamed by the editor' },
        ...rest,
        {
          id: 'night-review',
          name: 'Night purchases go to review',
          priority: 1,
          conditions: { all: [{ fact: 'amount', operator: 'greaterThan', value: 90_000 }] },
          event: { type: 'review', params: { reason_code: 'night', message: 'A person looks' } },
        },
      ],
    }
    await ok(editor.request('PUT', `${base}/${draft.version}`, { definition: edited }))

    const [entry] = await audit('entity_type=rule_set&entity_id=authorizations&limit=1')
    expect(entry).toMatchObject({
      action: 'rule_set_version.edited',
      entity_label: 'Authorizations',
      actor: { email: editor.email, name: 'editor person' },
    })
    expect(entry?.rules?.added).toEqual([{ id: 'night-review', name: 'Night purchases go to review' }])
    expect(entry?.rules?.removed).toEqual([{ id: second?.id, name: second?.name }])
    expect(entry?.rules?.changed).toEqual([
      {
        id: first?.id,
        name: 'Renamed by the editor',
        changes: [{ field: 'name', before: first?.name, after: 'Renamed by the editor' }],
      },
    ])
    expect(entry?.changes).toEqual(
      expect.arrayContaining([
        { field: 'settings.billing_increment_seconds', before: expect.any(Number), after: 30 },
        // staff by name and e-mail, not by id
        {
          field: 'last_edited_by',
          before: `publisher person (${publisher.email})`,
          after: `editor person (${editor.email})`,
        },
      ]),
    )
    // the whole definition is not repeated in the readable part
    expect(JSON.stringify(entry?.changes)).not.toContain('"conditions"')
    expect(JSON.stringify(entry?.changes)).not.toContain(editor.userId)
  })

  it('names the user a change was made to, and lists and entries by name', async () => {
    const target = await staffClient(t, 'acme', 'analyst', 'ann@acme.test')
    await ok(admin.request('PATCH', `/admin/v1/users/${target.userId}`, { role: 'editor', name: 'Ann Lee' }))
    const [userEntry] = await audit(`entity_type=user&entity_id=${target.userId}`)
    expect(userEntry).toMatchObject({
      action: 'user.updated',
      entity_label: 'Ann Lee (ann@acme.test)',
      actor: { name: 'admin person', email: admin.email },
    })
    expect(userEntry?.changes).toEqual(
      expect.arrayContaining([
        { field: 'role', before: 'analyst', after: 'editor' },
        { field: 'name', before: 'analyst person', after: 'Ann Lee' },
      ]),
    )

    const added = await ok<{ id: string; added_by: string; added_by_user: { name: string; email: string } }>(
      admin.request('POST', '/admin/v1/lists/negative/entries', {
        subject: 'phone',
        value: '+15555550177',
        reason: 'chargeback',
      }),
      201,
    )
    expect(added.added_by_user).toEqual({ id: admin.userId, name: 'admin person', email: admin.email })
    const [entryEntry] = await audit(`entity_type=list_entry&entity_id=${added.id}`)
    expect(entryEntry?.entity_label).toBe('phone +15555550177 on Negative')
    expect(entryEntry?.changes).toEqual(
      expect.arrayContaining([
        { field: 'list_id', before: null, after: 'Negative' },
        { field: 'value', before: null, after: '+15555550177' },
      ]),
    )
    expect(entryEntry?.changes.map((c) => c.field)).not.toContain('expires_at')

    // a list's entries name who added them
    const { entries } = await ok<{ entries: { id: string; added_by_user: { name: string } | null }[] }>(
      viewer.request('GET', '/admin/v1/lists/negative/entries'),
    )
    expect(entries.find((e) => e.id === added.id)?.added_by_user?.name).toBe('admin person')
  })

  it('names the system as nobody, and keeps another tenant’s names and entries out', async () => {
    const globexEntries = await audit('limit=200', globexAdmin)
    expect(globexEntries.every((e) => e.actor.email === null || e.actor.email.endsWith('@globex.test'))).toBe(
      true,
    )
    expect(JSON.stringify(globexEntries)).not.toContain('@acme.test')
    // an id that is not one of the reader's users stays an id
    await t.db
      .insertInto('audit_log')
      .values({
        tenant_id: 'globex',
        actor_id: null,
        actor_email: null,
        action: 'review.escalated',
        entity_type: 'review',
        entity_id: 'dec_unknown',
        before: jsonb({ claimed_by: admin.userId }),
        after: jsonb({ claimed_by: null }),
      })
      .execute()
    const [system] = await audit('entity_type=review&entity_id=dec_unknown', globexAdmin)
    expect(system?.actor).toEqual({ id: null, email: null, name: null })
    expect(system?.entity_label).toBeNull()
    expect(system?.changes).toEqual([{ field: 'claimed_by', before: admin.userId, after: null }])
    await ok(viewer.request('GET', '/admin/v1/audit'), 403)
  })
})

// The audit log as a person reads it: each entry's change field by field (a rule set's definition as
// rules added, removed and changed), and the people, customers and records it names by name or
// e-mail instead of raw ids. Names are looked up in the reader's tenant only.
import { sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import { diffDefinitions, jsonChanges, type RuleRef, type ValueChange } from '../../rules/diff.ts'
import { type UserName, userNames } from '../staff/names.ts'

export interface FieldChange {
  /** a dotted path such as name, settings.currency or conditions.all.0.value */
  field: string
  before: unknown
  after: unknown
}

export interface RuleSetChanges {
  added: RuleRef[]
  removed: RuleRef[]
  changed: (RuleRef & { changes: FieldChange[] })[]
}

export interface ReadableChange {
  changes: FieldChange[]
  /** present when the entry changed a rule set's definition */
  rules: RuleSetChanges | null
}

/** fields whose value is a staff member's id */
const userFields = new Set([
  'added_by',
  'removed_by',
  'claimed_by',
  'resolved_by',
  'created_by',
  'last_edited_by',
  'published_by',
  'set_by',
])

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const fieldChange = (c: ValueChange): FieldChange => ({
  field: c.path.join('.'),
  before: c.kind === 'added' ? null : c.old,
  after: c.kind === 'removed' ? null : c.new,
})

/** The change an entry records, field by field; a definition becomes rules added, removed and changed. */
export function readableChange(before: unknown, after: unknown): ReadableChange {
  const { definition: beforeDefinition, ...beforeRest } = isRecord(before) ? before : {}
  const { definition: afterDefinition, ...afterRest } = isRecord(after) ? after : {}
  // a field added or removed while empty (expires_at: null on a new entry) changed nothing a reader sees
  const changes = jsonChanges(beforeRest, afterRest)
    .map(fieldChange)
    .filter((c) => c.before !== null || c.after !== null)
  if (beforeDefinition === undefined && afterDefinition === undefined) return { changes, rules: null }
  const diff = diffDefinitions(beforeDefinition ?? null, afterDefinition ?? null)
  for (const c of diff.settings) changes.push(fieldChange({ ...c, path: ['settings', ...c.path] }))
  return {
    changes,
    rules: {
      added: diff.rules.added,
      removed: diff.rules.removed,
      changed: diff.rules.changed.map((r) => ({
        id: r.id,
        name: r.name,
        changes: r.changes.map(fieldChange),
      })),
    },
  }
}

/** "Ann Lee (ann@example.com)" */
export const userLabel = (user: UserName) => `${user.name} (${user.email})`

interface EntryRef {
  entity_type: string
  entity_id: string
  actor_id: string | null
  before: unknown
  after: unknown
}

/** Every string a user field holds in an entry's before and after, at any depth. */
function userIdsIn(value: unknown, found: Set<string>, key = ''): void {
  if (typeof value === 'string' && userFields.has(key)) found.add(value)
  else if (Array.isArray(value)) for (const item of value) userIdsIn(item, found)
  else if (isRecord(value)) for (const [k, v] of Object.entries(value)) userIdsIn(v, found, k)
}

export interface Names {
  users: Map<string, UserName>
  /** entity_type → entity_id → how a person names it */
  entities: Map<string, Map<string, string>>
}

const idsOf = (entries: EntryRef[], type: string) => [
  ...new Set(entries.filter((e) => e.entity_type === type).map((e) => e.entity_id)),
]

async function labels<Row>(
  ids: string[],
  read: (ids: string[]) => Promise<Row[]>,
  label: (row: Row) => [string, string],
): Promise<Map<string, string>> {
  return new Map(ids.length ? (await read(ids)).map(label) : [])
}

/** The names of everyone and everything a page of entries mentions, each kind read once. */
export async function namesFor(db: Db, tenantId: string, entries: EntryRef[]): Promise<Names> {
  const userIds = new Set<string>()
  for (const e of entries) {
    if (e.actor_id) userIds.add(e.actor_id)
    if (e.entity_type === 'user') userIds.add(e.entity_id)
    userIdsIn(e.before, userIds)
    userIdsIn(e.after, userIds)
  }
  const users = await userNames(db, tenantId, [...userIds])
  const lists = new Map(
    (await db.selectFrom('lists').select(['id', 'name']).where('tenant_id', '=', tenantId).execute()).map(
      (l) => [l.id, l.name] as const,
    ),
  )
  const entities = new Map<string, Map<string, string>>()
  entities.set('user', new Map([...users.values()].map((u) => [u.id, userLabel(u)] as const)))
  entities.set('list', lists)
  entities.set(
    'rule_set',
    await labels(
      idsOf(entries, 'rule_set'),
      (ids) =>
        db
          .selectFrom('rule_sets')
          .select(['id', 'name'])
          .where('tenant_id', '=', tenantId)
          .where('id', 'in', ids)
          .execute(),
      (r) => [r.id, r.name],
    ),
  )
  entities.set('list_entry', await listEntryLabels(db, tenantId, idsOf(entries, 'list_entry'), lists))
  entities.set(
    'review',
    await labels(
      idsOf(entries, 'review'),
      (ids) =>
        db
          .selectFrom('decisions')
          .select([
            'id',
            sql<string | null>`request -> 'customer' ->> 'name'`.as('name'),
            sql<string | null>`request -> 'customer' ->> 'email'`.as('email'),
            sql<string | null>`request -> 'customer' ->> 'id'`.as('merchant_id'),
          ])
          .where('tenant_id', '=', tenantId)
          .where('id', 'in', ids)
          .execute(),
      (r) => [r.id, `review of ${r.name ?? r.email ?? r.merchant_id ?? 'an unknown customer'}`],
    ),
  )
  entities.set(
    'customer',
    await labels(
      idsOf(entries, 'customer'),
      (ids) =>
        db
          .selectFrom('customers as c')
          .select([
            'c.id',
            'c.external_id',
            (eb) =>
              eb
                .selectFrom('customer_identifiers as i')
                .select((s) => s.fn.min('i.value').as('email'))
                .whereRef('i.tenant_id', '=', 'c.tenant_id')
                .whereRef('i.customer_id', '=', 'c.id')
                .where('i.kind', '=', 'email')
                .as('email'),
          ])
          .where('c.tenant_id', '=', tenantId)
          .where('c.id', 'in', ids)
          .execute(),
      (r) => [r.id, [r.external_id, r.email].filter(Boolean).join(' · ') || r.id],
    ),
  )
  entities.set(
    'service_line',
    await labels(
      idsOf(entries, 'service_line'),
      (ids) =>
        db
          .selectFrom('service_lines')
          .select(['id', 'name'])
          .where('tenant_id', '=', tenantId)
          .where('id', 'in', ids)
          .execute(),
      (r) => [r.id, r.name],
    ),
  )
  entities.set(
    'offer',
    await labels(
      idsOf(entries, 'offer'),
      (ids) =>
        db
          .selectFrom('offers')
          .select(['id', 'sku', 'name'])
          .where('tenant_id', '=', tenantId)
          .where('id', 'in', ids)
          .execute(),
      (r) => [r.id, `${r.name} (${r.sku})`],
    ),
  )
  entities.set(
    'webhook',
    await labels(
      idsOf(entries, 'webhook'),
      (ids) =>
        db
          .selectFrom('webhook_endpoints')
          .select(['id', 'url'])
          .where('tenant_id', '=', tenantId)
          .where('id', 'in', ids)
          .execute(),
      (r) => [r.id, r.url],
    ),
  )
  entities.set(
    'representative',
    await labels(
      idsOf(entries, 'representative'),
      (ids) =>
        db
          .selectFrom('representatives')
          .select(['id', 'name', 'extension'])
          .where('tenant_id', '=', tenantId)
          .where('id', 'in', ids)
          .execute(),
      (r) => [r.id, `${r.name} (${r.extension})`],
    ),
  )
  return { users, entities }
}

/** "phone +15555550100 on Blocked"; a card by its last four where a stored card has its fingerprint */
async function listEntryLabels(
  db: Db,
  tenantId: string,
  ids: string[],
  lists: Map<string, string>,
): Promise<Map<string, string>> {
  if (!ids.length) return new Map()
  const rows = await db
    .selectFrom('list_entries')
    .select(['id', 'list_id', 'subject', 'value'])
    .where('tenant_id', '=', tenantId)
    .where('id', 'in', ids)
    .execute()
  const fingerprints = rows.filter((r) => r.subject === 'card').map((r) => r.value)
  const cards = fingerprints.length
    ? await db
        .selectFrom('payment_methods')
        .select(['fingerprint', 'last4'])
        .where('tenant_id', '=', tenantId)
        .where('fingerprint', 'in', fingerprints)
        .execute()
    : []
  const last4 = new Map(cards.map((c) => [c.fingerprint, c.last4] as const))
  return new Map(
    rows.map((r) => {
      const digits = r.subject === 'card' ? last4.get(r.value) : null
      const what = digits ? `card ending ${digits}` : `${r.subject} ${r.value}`
      return [r.id, `${what} on ${lists.get(r.list_id) ?? r.list_id}`] as const
    }),
  )
}

/** A copy of the value with staff ids under user fields, and list ids, replaced by names. */
export function withNames(value: unknown, names: Names, key = ''): unknown {
  if (typeof value === 'string') {
    const user = userFields.has(key) ? names.users.get(value) : undefined
    if (user) return userLabel(user)
    if (key === 'list_id') return names.entities.get('list')?.get(value) ?? value
    return value
  }
  if (Array.isArray(value)) return value.map((item) => withNames(item, names))
  if (isRecord(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withNames(v, names, k)]))
  return value
}

/** The change with names in place of ids, for the reader. */
export function namedChange(change: ReadableChange, names: Names): ReadableChange {
  const named = (c: FieldChange): FieldChange => {
    const key = c.field.split('.').at(-1) ?? ''
    return { field: c.field, before: withNames(c.before, names, key), after: withNames(c.after, names, key) }
  }
  return {
    changes: change.changes.map(named),
    rules: change.rules && {
      ...change.rules,
      changed: change.rules.changed.map((r) => ({ ...r, changes: r.changes.map(named) })),
    },
  }
}

// Lists and their entries in SQL: a tenant's own lists, the shared lists under the reserved tenant
// "shared", each tenant's opt-in to them, adding, contributing, removing (history is kept: removal
// only stamps removed_at) and reading a list as it was at any time.
import { type Expression, type Insertable, type SqlBool, sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { ListEntriesTable, ListEntry } from '../../db/schema.ts'
import type { ListKind, ListSubject } from '../../rules/schema.ts'
import { type Actor, recordAudit } from '../audit/audit.ts'
import { ProblemError, validationProblem } from '../http/problem.ts'
import { newId } from '../ids.ts'
import { holdsValue, inForce, SHARED_TENANT } from './membership.ts'
import type { EntrySource } from './subjects.ts'

/**
 * Inserts entries, returning those written; a value already active on the list (and not
 * contributed from the shared list) stays as it is, and its row is not returned.
 */
function insertActiveEntries(db: Db, rows: Insertable<ListEntriesTable>[]) {
  return db
    .insertInto('list_entries')
    .values(rows)
    .onConflict((oc) =>
      oc
        .columns(['tenant_id', 'list_id', 'subject', 'value'])
        .where('removed_at', 'is', null)
        .where('contributed_by', 'is', null)
        .doNothing(),
    )
    .returningAll()
}

export { SHARED_TENANT }

export interface ListInfo {
  id: string
  name: string
  kind: ListKind
  description: string
  shared: boolean
  active_entries: number
  created_at: Date
}

export interface Sharing {
  reads_shared: boolean
  contributes_shared: boolean
}

export type EntryStatus = 'active' | 'removed' | 'expired'

export function entryStatus(entry: ListEntry, at: Date): EntryStatus {
  if (entry.removed_at && entry.removed_at <= at) return 'removed'
  if (entry.expires_at && entry.expires_at <= at) return 'expired'
  return 'active'
}

/** Entries that count at `at` (null: now, by the database's clock): added, not removed, not expired. */
export function activeAt(at: Date | null): Expression<SqlBool> {
  const when = at ?? sql<Date>`now()`
  return sql<SqlBool>`(added_at <= ${when} and (removed_at is null or removed_at > ${when})
    and (expires_at is null or expires_at > ${when}))`
}

export async function readSharing(db: Db, tenantId: string): Promise<Sharing> {
  const row = await db
    .selectFrom('tenant_sharing')
    .select(['reads_shared', 'contributes_shared'])
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst()
  return { reads_shared: row?.reads_shared ?? false, contributes_shared: row?.contributes_shared ?? false }
}

export async function writeSharing(
  db: Db,
  tenantId: string,
  actor: Actor,
  sharing: Sharing,
): Promise<Sharing> {
  return db.transaction().execute(async (trx) => {
    const before = await readSharing(trx, tenantId)
    await trx
      .insertInto('tenant_sharing')
      .values({ tenant_id: tenantId, ...sharing, updated_by: actor.id })
      .onConflict((oc) =>
        oc.column('tenant_id').doUpdateSet({ ...sharing, updated_by: actor.id, updated_at: new Date() }),
      )
      .execute()
    await recordAudit(trx, tenantId, actor, {
      action: 'sharing.updated',
      entityType: 'sharing',
      entityId: tenantId,
      before,
      after: sharing,
    })
    return sharing
  })
}

export async function listLists(db: Db, tenantId: string): Promise<ListInfo[]> {
  const sharing = await readSharing(db, tenantId)
  const owners = sharing.reads_shared ? [tenantId, SHARED_TENANT] : [tenantId]
  const rows = await db
    .selectFrom('lists as l')
    .select([
      'l.tenant_id',
      'l.id',
      'l.name',
      'l.kind',
      'l.description',
      'l.created_at',
      (eb) =>
        eb
          .selectFrom('list_entries')
          .select(sql<string>`count(*)`.as('n'))
          .whereRef('list_entries.tenant_id', '=', 'l.tenant_id')
          .whereRef('list_entries.list_id', '=', 'l.id')
          .where(activeAt(null))
          .as('active_entries'),
    ])
    .where('l.tenant_id', 'in', owners)
    .orderBy('l.tenant_id', 'asc')
    .orderBy('l.name', 'asc')
    .execute()
  return rows.map((r) => ({
    id: r.tenant_id === SHARED_TENANT ? `shared:${r.id}` : r.id,
    name: r.name,
    kind: r.kind as ListKind,
    description: r.description,
    shared: r.tenant_id === SHARED_TENANT,
    active_entries: Number(r.active_entries ?? 0),
    created_at: r.created_at,
  }))
}

export async function createList(
  db: Db,
  tenantId: string,
  actor: Actor,
  input: { id?: string | undefined; name: string; kind: ListKind; description: string },
) {
  const id = input.id ?? newId('lst')
  return db.transaction().execute(async (trx) => {
    const taken = await trx
      .selectFrom('lists')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst()
    if (taken) throw new ProblemError('conflict', `A list with id ${id} already exists.`)
    const row = await trx
      .insertInto('lists')
      .values({ tenant_id: tenantId, id, name: input.name, kind: input.kind, description: input.description })
      .returningAll()
      .executeTakeFirstOrThrow()
    await recordAudit(trx, tenantId, actor, {
      action: 'list.created',
      entityType: 'list',
      entityId: id,
      after: { name: input.name, kind: input.kind, description: input.description },
    })
    return row
  })
}

/** One of the tenant's own lists, or 404 (another tenant's list and the shared ones included). */
export async function ownList(db: Db, tenantId: string, listId: string) {
  const list = await db
    .selectFrom('lists')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', listId)
    .executeTakeFirst()
  if (!list) throw new ProblemError('not_found', `No list ${listId}`)
  return list
}

export interface NewEntry {
  subject: ListSubject
  value: string
  network: string | null
  reason: string
  source: EntrySource
  expires_at: Date | null
}

/**
 * Adds an entry to one of the tenant's lists, and to the shared list of the same kind when asked
 * and the tenant contributes. An earlier entry of the same value that has expired is closed first
 * (removed at its expiry), so the history reads as it happened.
 */
export async function addEntry(
  db: Db,
  tenantId: string,
  listId: string,
  actor: Actor,
  entry: NewEntry,
  options: { contribute: boolean },
): Promise<{ entry: ListEntry; contributed: ListEntry | null }> {
  return db.transaction().execute(async (trx) => {
    const list = await ownList(trx, tenantId, listId)
    if (options.contribute && !(await readSharing(trx, tenantId)).contributes_shared)
      throw new ProblemError('conflict', 'Opt in to contribute to the shared lists first (PUT /sharing).')
    await closeExpired(trx, tenantId, listId, actor, [entry])
    const row = await insertActiveEntries(trx, [
      {
        tenant_id: tenantId,
        list_id: listId,
        id: newId('ent'),
        subject: entry.subject,
        value: entry.value,
        network: entry.network,
        reason: entry.reason,
        source: entry.source,
        added_by: actor.id,
        expires_at: entry.expires_at,
      },
    ]).executeTakeFirst()
    if (!row)
      throw new ProblemError('conflict', `${entry.subject} ${entry.value} is already on list ${listId}.`, [
        { field: 'value', pointer: '/value', message: 'is already on this list' },
      ])
    await recordAudit(trx, tenantId, actor, {
      action: 'list_entry.added',
      entityType: 'list_entry',
      entityId: row.id,
      after: auditView(row),
    })
    const contributed = options.contribute ? await contributeRow(trx, tenantId, list.kind, row, actor) : null
    return { entry: row, contributed }
  })
}

/**
 * An expired entry of the same value is closed at its expiry before a new one is added, so the
 * history reads as it happened and the new entry is the one active.
 */
async function closeExpired(
  trx: Db,
  tenantId: string,
  listId: string,
  actor: Actor,
  values: { subject: string; value: string }[],
): Promise<void> {
  await trx
    .updateTable('list_entries')
    .set({ removed_at: sql`expires_at`, removed_by: actor.id })
    .where('tenant_id', '=', tenantId)
    .where('list_id', '=', listId)
    .where((eb) =>
      eb.or(values.map((v) => eb.and([eb('subject', '=', v.subject), eb('value', '=', v.value)]))),
    )
    .where('removed_at', 'is', null)
    .where('contributed_by', 'is', null)
    .where('expires_at', '<=', sql<Date>`now()`)
    .execute()
}

/** the tenant's own list of a kind that the review desk adds to, created with this name when missing */
const internalListName = (kind: ListKind) => (kind === 'negative' ? 'Negative' : 'Positive')

export interface EntriesIfAbsentPreview {
  list: { id: string; name: string; kind: ListKind }
  /** the values addEntriesIfAbsent() would add now */
  added: { subject: string; value: string }[]
  /** the values already on the list, which it would leave as they are */
  present: { subject: string; value: string }[]
  /** the added values would also go to the shared negative list */
  contributes_shared: boolean
}

/**
 * What addEntriesIfAbsent() would do with these values now, without doing it: the same list, and the
 * same test of "already on it" (an active entry of the tenant's own; an expired one is closed and
 * added anew).
 */
export async function previewEntriesIfAbsent(
  db: Db,
  tenantId: string,
  kind: ListKind,
  values: { subject: string; value: string }[],
): Promise<EntriesIfAbsentPreview> {
  const list = await db
    .selectFrom('lists')
    .select('name')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', kind)
    .executeTakeFirst()
  const active = values.length
    ? await db
        .selectFrom('list_entries as e')
        .select(['e.subject', 'e.value'])
        .where('e.tenant_id', '=', tenantId)
        .where('e.list_id', '=', kind)
        .where('e.contributed_by', 'is', null)
        .where(inForce('e', null))
        .where((eb) =>
          eb.or(values.map((v) => eb.and([eb('e.subject', '=', v.subject), eb('e.value', '=', v.value)]))),
        )
        .execute()
    : []
  const isPresent = (v: { subject: string; value: string }) =>
    active.some((a) => a.subject === v.subject && a.value === v.value)
  return {
    list: { id: kind, name: list?.name ?? internalListName(kind), kind },
    added: values.filter((v) => !isPresent(v)),
    present: values.filter(isPresent),
    contributes_shared: kind === 'negative' && (await readSharing(db, tenantId)).contributes_shared,
  }
}

/**
 * Adds the values (already normalized) to one of the tenant's own lists, creating the list when
 * missing; values already on it stay as they are. For a negative list the new entries are also
 * contributed to the shared one when the tenant contributes. Every entry is audited as addEntry()
 * audits it. The review desk calls this in the transaction that resolves a review.
 */
export async function addEntriesIfAbsent(
  trx: Db,
  tenantId: string,
  kind: ListKind,
  values: { subject: string; value: string; network: string | null }[],
  entry: { reason: string; source: string },
  actor: Actor,
): Promise<{ listed: number; contributed: number }> {
  await trx
    .insertInto('lists')
    .values({
      tenant_id: tenantId,
      id: kind,
      name: internalListName(kind),
      kind,
      description: 'Internal list; the review desk adds to it',
    })
    .onConflict((oc) => oc.columns(['tenant_id', 'id']).doNothing())
    .execute()
  if (!values.length) return { listed: 0, contributed: 0 }
  await closeExpired(trx, tenantId, kind, actor, values)
  // an entry someone added meanwhile, or already there, is as good as ours
  const added = await insertActiveEntries(
    trx,
    values.map((v) => ({
      tenant_id: tenantId,
      list_id: kind,
      id: newId('ent'),
      subject: v.subject,
      value: v.value,
      network: v.network,
      reason: entry.reason,
      source: entry.source,
      added_by: actor.id,
    })),
  ).execute()
  for (const row of added)
    await recordAudit(trx, tenantId, actor, {
      action: 'list_entry.added',
      entityType: 'list_entry',
      entityId: row.id,
      after: auditView(row),
    })
  if (kind !== 'negative' || !added.length || !(await readSharing(trx, tenantId)).contributes_shared)
    return { listed: added.length, contributed: 0 }
  let contributed = 0
  for (const row of added) {
    const shared = await trx
      .selectFrom('list_entries')
      .select('id')
      .where('tenant_id', '=', SHARED_TENANT)
      .where('list_id', '=', kind)
      .where('subject', '=', row.subject)
      .where('value', '=', row.value)
      .where('contributed_by', '=', tenantId)
      .where('removed_at', 'is', null)
      .executeTakeFirst()
    if (shared) continue
    await contributeRow(trx, tenantId, kind, row, actor)
    contributed++
  }
  return { listed: added.length, contributed }
}

function auditView(e: ListEntry) {
  return {
    list_id: e.list_id,
    subject: e.subject,
    value: e.value,
    reason: e.reason,
    source: e.source,
    expires_at: e.expires_at,
  }
}

async function contributeRow(trx: Db, tenantId: string, kind: string, entry: ListEntry, actor: Actor) {
  const shared = await trx
    .insertInto('list_entries')
    .values({
      tenant_id: SHARED_TENANT,
      list_id: kind,
      id: newId('ent'),
      subject: entry.subject,
      value: entry.value,
      network: entry.network,
      reason: entry.reason,
      source: entry.source,
      added_by: actor.id,
      expires_at: entry.expires_at,
      contributed_by: tenantId,
      origin_entry_id: entry.id,
    })
    .onConflict((oc) =>
      oc
        .columns(['tenant_id', 'list_id', 'subject', 'value', 'contributed_by'])
        .where('removed_at', 'is', null)
        .where('contributed_by', 'is not', null)
        .doNothing(),
    )
    .returningAll()
    .executeTakeFirst()
  if (!shared)
    throw new ProblemError('conflict', 'You have already contributed this value to the shared list.')
  await recordAudit(trx, tenantId, actor, {
    action: 'list_entry.contributed',
    entityType: 'list_entry',
    entityId: entry.id,
    after: { shared_list: kind, shared_entry_id: shared.id },
  })
  return shared
}

/** Copies an active entry of the tenant's own list to the shared list of the same kind. */
export async function contributeEntry(
  db: Db,
  tenantId: string,
  listId: string,
  entryId: string,
  actor: Actor,
) {
  return db.transaction().execute(async (trx) => {
    const list = await ownList(trx, tenantId, listId)
    if (!(await readSharing(trx, tenantId)).contributes_shared)
      throw new ProblemError('conflict', 'Opt in to contribute to the shared lists first (PUT /sharing).')
    const entry = await trx
      .selectFrom('list_entries')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('list_id', '=', listId)
      .where('id', '=', entryId)
      .executeTakeFirst()
    if (!entry) throw new ProblemError('not_found', `No entry ${entryId} on list ${listId}`)
    if (entryStatus(entry, new Date()) !== 'active')
      throw new ProblemError('conflict', 'Only an active entry can be contributed.')
    return contributeRow(trx, tenantId, list.kind, entry, actor)
  })
}

/** Soft removal: the entry stays, stamped with when and by whom; its shared copy is withdrawn too. */
export async function removeEntry(db: Db, tenantId: string, listId: string, entryId: string, actor: Actor) {
  return db.transaction().execute(async (trx) => {
    await ownList(trx, tenantId, listId)
    const row = await trx
      .updateTable('list_entries')
      .set({ removed_at: sql`now()`, removed_by: actor.id })
      .where('tenant_id', '=', tenantId)
      .where('list_id', '=', listId)
      .where('id', '=', entryId)
      .where('removed_at', 'is', null)
      .returningAll()
      .executeTakeFirst()
    if (!row) {
      const exists = await trx
        .selectFrom('list_entries')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('list_id', '=', listId)
        .where('id', '=', entryId)
        .executeTakeFirst()
      throw exists
        ? new ProblemError('conflict', `Entry ${entryId} was already removed.`)
        : new ProblemError('not_found', `No entry ${entryId} on list ${listId}`)
    }
    await trx
      .updateTable('list_entries')
      .set({ removed_at: sql`now()`, removed_by: actor.id })
      .where('tenant_id', '=', SHARED_TENANT)
      .where('contributed_by', '=', tenantId)
      .where('origin_entry_id', '=', entryId)
      .where('removed_at', 'is', null)
      .execute()
    await recordAudit(trx, tenantId, actor, {
      action: 'list_entry.removed',
      entityType: 'list_entry',
      entityId: row.id,
      before: auditView(row),
    })
    return row
  })
}

export interface EntrySearch {
  subject?: ListSubject | undefined
  q?: string | undefined
  asOf: Date | null
  includeRemoved: boolean
  cursor?: string | undefined
  limit: number
}

// Pages by id (ids sort by creation time), not added_at: an import batch shares one timestamp with
// microseconds a JS Date cannot carry back, so a timestamp cursor would repeat or skip rows.
function encodeCursor(id: string): string {
  return Buffer.from(id).toString('base64url')
}

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString()
  if (!/^ent_[a-z0-9]+$/.test(id)) throw validationProblem(['cursor'], 'is not a cursor from a previous page')
  return id
}

/** A page of a list, newest first, as it was at asOf (null: now); removed and expired ones on request. */
export async function searchEntries(db: Db, tenantId: string, listId: string, search: EntrySearch) {
  await ownList(db, tenantId, listId)
  const cursor = search.cursor ? decodeCursor(search.cursor) : null
  const at = search.asOf
  const term = search.q?.trim().toLowerCase()
  const rows = await db
    .selectFrom('list_entries')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('list_id', '=', listId)
    .$if(search.subject !== undefined, (b) => b.where('subject', '=', search.subject as ListSubject))
    .$if(Boolean(term), (b) =>
      b.where(sql<SqlBool>`lower(value) like ${`%${(term ?? '').replace(/[\\%_]/g, (m) => `\\${m}`)}%`}`),
    )
    .$if(search.includeRemoved, (b) => b.where('added_at', '<=', at ?? sql<Date>`now()`))
    .$if(!search.includeRemoved, (b) => b.where(activeAt(at)))
    .$if(cursor !== null, (b) => b.where('id', '<', cursor ?? ''))
    .orderBy('id', 'desc')
    .limit(search.limit + 1)
    .execute()
  const page = rows.slice(0, search.limit)
  const last = page[page.length - 1]
  return {
    entries: page,
    next_cursor: rows.length > search.limit && last ? encodeCursor(last.id) : null,
  }
}

export interface ListMatch {
  list_id: string
  list_name: string
  kind: ListKind
  shared: boolean
  subject: string
  value: string
  /** the entry's own reason; on a shared entry another tenant contributed, withheld */
  reason: string | null
  /** the kind of reason: the entry's source (manual, import, review, chargeback, rule) */
  category: string
  added_at: Date
  expires_at: Date | null
  /** own entries: null; shared: "you" or "another member" — never who */
  contributed_by: 'you' | 'another member' | null
}

/** Which entries — own and, when the tenant reads them, shared — hold these values at asOf. */
export async function findMatches(
  db: Db,
  tenantId: string,
  asks: { subject: ListSubject; values: string[] }[],
  asOf: Date | null,
): Promise<ListMatch[]> {
  const wanted = asks.filter((a) => a.values.length)
  if (!wanted.length) return []
  const sharing = await readSharing(db, tenantId)
  const owners = sharing.reads_shared ? [tenantId, SHARED_TENANT] : [tenantId]
  const rows = await db
    .selectFrom('list_entries as e')
    .innerJoin('lists as l', (j) =>
      j.onRef('l.tenant_id', '=', 'e.tenant_id').onRef('l.id', '=', 'e.list_id'),
    )
    .select([
      'e.tenant_id',
      'e.list_id',
      'l.name',
      'l.kind',
      'e.subject',
      'e.value',
      'e.reason',
      'e.source',
      'e.added_at',
      'e.expires_at',
      'e.contributed_by',
    ])
    .where('e.tenant_id', 'in', owners)
    .where((eb) =>
      eb.or(
        wanted.map(({ subject, values }) =>
          eb.and([eb('e.subject', '=', subject), holdsValue('e', subject, values)]),
        ),
      ),
    )
    .where(inForce('e', asOf))
    .orderBy('e.added_at', 'desc')
    .execute()
  return rows.map((r) => {
    const shared = r.tenant_id === SHARED_TENANT
    const mine = !shared || r.contributed_by === tenantId
    return {
      list_id: shared ? `shared:${r.list_id}` : r.list_id,
      list_name: r.name,
      kind: r.kind as ListKind,
      shared,
      subject: r.subject,
      value: r.value,
      reason: mine ? r.reason : null,
      category: r.source,
      added_at: r.added_at,
      expires_at: r.expires_at,
      contributed_by: shared ? (mine ? 'you' : 'another member') : null,
    }
  })
}

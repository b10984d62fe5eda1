// /admin/v1/lists, /admin/v1/sharing and /admin/v1/list-matches: staff keep negative and positive
// lists (search, add, remove with history, CSV import and export), opt in to the shared lists, and
// see which entries — their own or another member's, unnamed — a value or a decision hits.
import { OpenAPIHono, z } from '@hono/zod-openapi'
import { stringify } from 'csv-stringify/sync'
import type { Db } from '../../db/connect.ts'
import type { ListEntry } from '../../db/schema.ts'
import { listSubjectValues } from '../../rules/facts.ts'
import type { CapturedRequest } from '../../rules/request.ts'
import { listKinds } from '../../rules/schema.ts'
import { type AdminEnv, adminProblems, adminRoute, conflict, notFound, unprocessable } from '../http/admin.ts'
import { defaultHook } from '../http/openapi.ts'
import { ProblemError, problemSchema, validationProblem } from '../http/problem.ts'
import { userNames } from '../staff/names.ts'
import { createImport, readImport, runImport } from './imports.ts'
import {
  activeAt,
  addEntry,
  contributeEntry,
  createList,
  entryStatus,
  findMatches,
  listLists,
  ownList,
  readSharing,
  removeEntry,
  searchEntries,
  writeSharing,
} from './store.ts'
import { entrySources, type ListSubject, listSubjects, normalizeListValue } from './subjects.ts'

const listSchema = z
  .object({
    id: z.string().openapi({ description: 'shared lists read shared:negative and shared:positive' }),
    name: z.string(),
    kind: z.enum(listKinds),
    description: z.string(),
    shared: z.boolean(),
    active_entries: z.number().int(),
    created_at: z.string(),
  })
  .openapi('List')

const staffNameSchema = z.object({ id: z.string(), email: z.string(), name: z.string() }).openapi('StaffName')

const entrySchema = z
  .object({
    id: z.string(),
    list_id: z.string(),
    subject: z.enum(listSubjects),
    value: z.string(),
    reason: z.string(),
    source: z.enum(entrySources),
    added_by: z.string().nullable(),
    // a union, not .nullable(): that would make the named schema itself nullable everywhere
    added_by_user: z
      .union([staffNameSchema, z.null()])
      .openapi({ description: 'who added it, when one of this workspace’s staff did' }),
    added_at: z.string(),
    expires_at: z.string().nullable(),
    removed_at: z.string().nullable(),
    removed_by: z.string().nullable(),
    removed_by_user: z.union([staffNameSchema, z.null()]),
    status: z.enum(['active', 'removed', 'expired']).openapi({ description: 'at as_of, or now' }),
  })
  .openapi('ListEntry')

const sharingSchema = z
  .object({
    reads_shared: z.boolean().openapi({ description: 'decisions also check the shared lists' }),
    contributes_shared: z.boolean().openapi({ description: 'entries may be copied to the shared lists' }),
  })
  .strict()
  .openapi('Sharing')

const importSchema = z
  .object({
    id: z.string(),
    list_id: z.string(),
    status: z.enum(['queued', 'running', 'completed', 'failed']),
    progress: z.number().openapi({ description: 'share of the file read, 0 to 1' }),
    total_rows: z
      .number()
      .int()
      .openapi({ description: 'data rows read so far (all of them once completed)' }),
    accepted: z.number().int(),
    duplicates: z.number().int().openapi({ description: 'rows whose value was already on the list' }),
    rejected: z.number().int(),
    rejections: z.array(z.object({ line: z.number().int(), message: z.string() })).openapi({
      description: 'the first 1,000 rejected rows, by line number in the file (the header is line 1)',
    }),
    error: z.string().nullable(),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
  })
  .openapi('ListImport')

const matchSchema = z
  .object({
    list_id: z.string(),
    list_name: z.string(),
    kind: z.enum(listKinds),
    shared: z.boolean(),
    subject: z.string(),
    value: z.string(),
    reason: z.string().nullable().openapi({ description: 'withheld on another member’s shared entry' }),
    category: z
      .string()
      .openapi({ description: 'the entry’s source: manual, import, review, chargeback or rule' }),
    added_at: z.string(),
    expires_at: z.string().nullable(),
    contributed_by: z.enum(['you', 'another member']).nullable(),
  })
  .openapi('ListMatch')

const listParam = z.object({ id: z.string().min(1).max(64) })
const entryParam = listParam.extend({ entry_id: z.string().min(1).max(64) })
const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } })

const getLists = adminRoute('viewer', {
  method: 'get',
  path: '/lists',
  tags: ['Lists'],
  summary: 'The tenant’s lists, and the shared ones when it reads them',
  responses: {
    200: { description: 'Lists', content: json(z.object({ lists: z.array(listSchema) })) },
    ...adminProblems,
  },
})

const postList = adminRoute('editor', {
  method: 'post',
  path: '/lists',
  tags: ['Lists'],
  summary: 'Create a list',
  request: {
    body: {
      required: true,
      content: json(
        z
          .object({
            id: z
              .string()
              .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, - and _')
              .optional(),
            name: z.string().trim().min(1).max(120),
            kind: z.enum(listKinds),
            description: z.string().max(500).default(''),
          })
          .strict(),
      ),
    },
  },
  responses: {
    201: { description: 'Created', content: json(listSchema) },
    ...adminProblems,
    ...conflict,
    ...unprocessable,
  },
})

const getEntries = adminRoute('viewer', {
  method: 'get',
  path: '/lists/{id}/entries',
  tags: ['Lists'],
  summary: 'Search a list, newest first, as it is now or as it was at as_of',
  request: {
    params: listParam,
    query: z.object({
      subject: z.enum(listSubjects).optional(),
      q: z.string().max(320).optional().openapi({ description: 'part of the value, case-insensitive' }),
      as_of: z.iso.datetime({ offset: true }).optional().openapi({ description: 'the list as it was then' }),
      include_removed: z
        .enum(['true', 'false'])
        .default('false')
        .openapi({ description: 'also removed and expired entries' }),
      limit: z.coerce.number().int().min(1).max(500).default(50),
      cursor: z.string().max(200).optional(),
    }),
  },
  responses: {
    200: {
      description: 'A page of entries',
      content: json(z.object({ entries: z.array(entrySchema), next_cursor: z.string().nullable() })),
    },
    ...adminProblems,
    ...notFound,
    ...unprocessable,
  },
})

const postEntry = adminRoute('analyst', {
  method: 'post',
  path: '/lists/{id}/entries',
  tags: ['Lists'],
  summary: 'Add an entry',
  description:
    'The value is validated and normalized for its subject: phone to E.164, ip an address or a CIDR range, card a fingerprint, bin 6–8 digits, email and email_domain lowercased, address as "country|postal code|line 1", name a full name. With contribute, the entry is also added to the shared list of the same kind (the tenant must contribute).',
  request: {
    params: listParam,
    body: {
      required: true,
      content: json(
        z
          .object({
            subject: z.enum(listSubjects),
            value: z.string().max(320),
            reason: z.string().max(500).default(''),
            source: z.enum(entrySources).default('manual'),
            expires_at: z.iso.datetime({ offset: true }).optional(),
            contribute: z.boolean().default(false),
          })
          .strict(),
      ),
    },
  },
  responses: {
    201: {
      description: 'Added',
      content: json(entrySchema.extend({ contributed: z.boolean() })),
    },
    ...adminProblems,
    ...notFound,
    ...conflict,
    ...unprocessable,
  },
})

const deleteEntry = adminRoute('analyst', {
  method: 'delete',
  path: '/lists/{id}/entries/{entry_id}',
  tags: ['Lists'],
  summary: 'Remove an entry (kept in the history; its shared copy is withdrawn too)',
  request: { params: entryParam },
  responses: {
    200: { description: 'Removed', content: json(entrySchema) },
    ...adminProblems,
    ...notFound,
    ...conflict,
  },
})

const postContribution = adminRoute('analyst', {
  method: 'post',
  path: '/lists/{id}/entries/{entry_id}/contribute',
  tags: ['Lists'],
  summary: 'Copy an entry to the shared list of the same kind, attributed to this tenant',
  request: { params: entryParam },
  responses: {
    201: {
      description: 'Contributed',
      content: json(z.object({ shared_list_id: z.string(), shared_entry_id: z.string() })),
    },
    ...adminProblems,
    ...notFound,
    ...conflict,
  },
})

const getSharing = adminRoute('admin', {
  method: 'get',
  path: '/sharing',
  tags: ['Lists'],
  summary: 'Whether this tenant reads and contributes to the shared lists',
  responses: { 200: { description: 'The opt-ins', content: json(sharingSchema) }, ...adminProblems },
})

const putSharing = adminRoute('admin', {
  method: 'put',
  path: '/sharing',
  tags: ['Lists'],
  summary: 'Opt in or out of reading and contributing to the shared lists',
  description:
    'Other members see a contributed entry’s value, list, source and date, and that it came from “another member” — never this tenant’s id, name, reason text or staff.',
  request: { body: { required: true, content: json(sharingSchema) } },
  responses: {
    200: { description: 'The opt-ins', content: json(sharingSchema) },
    ...adminProblems,
    ...unprocessable,
  },
})

const postImport = adminRoute('analyst', {
  method: 'post',
  path: '/lists/{id}/imports',
  tags: ['Lists'],
  summary: 'Import entries from CSV (up to 50 MiB), in the background',
  description:
    'The body is text/csv with a header line naming the columns subject, value and optionally reason and expires_at (other columns, such as an export’s, are ignored). Every row is validated; the valid ones are added with source "import", values already on the list are counted as duplicates, and rejected rows are reported with their line numbers. Poll GET /lists/{id}/imports/{import_id}.',
  request: {
    params: listParam,
    body: { required: true, content: { 'text/csv': { schema: z.string() } } },
  },
  responses: {
    202: { description: 'Queued', content: json(importSchema) },
    ...adminProblems,
    ...notFound,
    413: {
      description: 'Larger than 50 MiB',
      content: { 'application/problem+json': { schema: problemSchema } },
    },
    415: { description: 'Not text/csv', content: { 'application/problem+json': { schema: problemSchema } } },
  },
})

const getImport = adminRoute('viewer', {
  method: 'get',
  path: '/lists/{id}/imports/{import_id}',
  tags: ['Lists'],
  summary: 'An import’s progress, counts and rejected lines',
  request: { params: listParam.extend({ import_id: z.string().min(1).max(64) }) },
  responses: {
    200: { description: 'The import', content: json(importSchema) },
    ...adminProblems,
    ...notFound,
  },
})

const getExport = adminRoute('viewer', {
  method: 'get',
  path: '/lists/{id}/export.csv',
  tags: ['Lists'],
  summary: 'The list’s active entries as CSV, streamed (importable as it is)',
  request: { params: listParam },
  responses: {
    200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } },
    ...adminProblems,
    ...notFound,
  },
})

const getMatches = adminRoute('viewer', {
  method: 'get',
  path: '/list-matches',
  tags: ['Lists'],
  summary: 'Which list entries hold a value, or the values of a decision as it was decided',
  description:
    'Give decision_id, or subject and value (with as_of for another time). Shared entries show the shared list, the category, the date and “another member” — never who.',
  request: {
    query: z.object({
      decision_id: z.string().max(64).optional(),
      subject: z.enum(listSubjects).optional(),
      value: z.string().max(320).optional(),
      as_of: z.iso.datetime({ offset: true }).optional(),
    }),
  },
  responses: {
    200: { description: 'Matching entries', content: json(z.object({ matches: z.array(matchSchema) })) },
    ...adminProblems,
    ...notFound,
    ...unprocessable,
  },
})

const iso = (d: Date | null) => (d ? d.toISOString() : null)

/** Entries as the API answers them, with the staff who added or removed them named. */
async function entryBodies(db: Db, tenantId: string, entries: ListEntry[], at: Date) {
  const users = await userNames(
    db,
    tenantId,
    entries.flatMap((e) => [e.added_by, e.removed_by]),
  )
  const named = (id: string | null) => (id ? (users.get(id) ?? null) : null)
  return entries.map((e) => ({
    ...entryBody(e, at),
    added_by_user: named(e.added_by),
    removed_by_user: named(e.removed_by),
  }))
}

async function oneEntryBody(db: Db, tenantId: string, entry: ListEntry) {
  const [body] = await entryBodies(db, tenantId, [entry], new Date())
  if (!body) throw new Error('an entry without a body')
  return body
}

function entryBody(e: ListEntry, at: Date) {
  return {
    id: e.id,
    list_id: e.list_id,
    subject: e.subject as ListSubject,
    value: e.value,
    reason: e.reason,
    source: e.source as (typeof entrySources)[number],
    added_by: e.added_by,
    added_at: e.added_at.toISOString(),
    expires_at: iso(e.expires_at),
    removed_at: iso(e.removed_at),
    removed_by: e.removed_by,
    status: entryStatus(e, at),
  }
}

const EXPORT_PAGE_ROWS = 1_000
const exportColumns = ['subject', 'value', 'reason', 'expires_at', 'source', 'added_by', 'added_at']

/**
 * The active entries, page by page on the primary key (ids sort by creation): memory holds one
 * page at a time. Not by added_at: a batch shares one timestamp, finer than a JS Date can carry.
 */
function exportStream(db: Db, tenantId: string, listId: string): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  let after: string | null = null
  let headerSent = false
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true
        controller.enqueue(encoder.encode(stringify([exportColumns])))
      }
      const cursor = after
      const rows = await db
        .selectFrom('list_entries')
        .select(['subject', 'value', 'reason', 'expires_at', 'source', 'added_by', 'added_at', 'id'])
        .where('tenant_id', '=', tenantId)
        .where('list_id', '=', listId)
        .where(activeAt(null))
        .$if(cursor !== null, (b) => b.where('id', '>', cursor ?? ''))
        .orderBy('id', 'asc')
        .limit(EXPORT_PAGE_ROWS)
        .execute()
      if (rows.length)
        controller.enqueue(
          encoder.encode(
            stringify(
              rows.map((r) => [
                r.subject,
                r.value,
                r.reason,
                iso(r.expires_at) ?? '',
                r.source,
                r.added_by ?? '',
                iso(r.added_at),
              ]),
            ),
          ),
        )
      const last = rows[rows.length - 1]
      if (rows.length < EXPORT_PAGE_ROWS || !last) controller.close()
      else after = last.id
    },
  })
}

function importBody(row: NonNullable<Awaited<ReturnType<typeof readImport>>>) {
  const total = Number(row.total_bytes)
  return {
    id: row.id,
    list_id: row.list_id,
    status: row.status as 'queued' | 'running' | 'completed' | 'failed',
    progress: row.status === 'completed' ? 1 : total ? Math.min(1, Number(row.processed_bytes) / total) : 0,
    total_rows: row.total_rows,
    accepted: row.accepted,
    duplicates: row.duplicates,
    rejected: row.rejected,
    rejections: row.rejections as { line: number; message: string }[],
    error: row.error,
    created_at: row.created_at.toISOString(),
    started_at: iso(row.started_at),
    finished_at: iso(row.finished_at),
  }
}

export function listRoutes(db: Db) {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })
  const actorOf = (c: { get(key: 'staff'): { userId: string; email: string } }) => {
    const staff = c.get('staff')
    return { id: staff.userId, email: staff.email }
  }

  app.openapi(getLists, async (c) => {
    const lists = await listLists(db, c.get('staff').tenantId)
    return c.json({ lists: lists.map((l) => ({ ...l, created_at: l.created_at.toISOString() })) }, 200)
  })

  app.openapi(postList, async (c) => {
    const body = c.req.valid('json')
    const row = await createList(db, c.get('staff').tenantId, actorOf(c), body)
    return c.json(
      {
        id: row.id,
        name: row.name,
        kind: row.kind as (typeof listKinds)[number],
        description: row.description,
        shared: false,
        active_entries: 0,
        created_at: row.created_at.toISOString(),
      },
      201,
    )
  })

  app.openapi(getEntries, async (c) => {
    const { id } = c.req.valid('param')
    const q = c.req.valid('query')
    const asOf = q.as_of ? new Date(q.as_of) : null
    const page = await searchEntries(db, c.get('staff').tenantId, id, {
      subject: q.subject,
      q: q.q,
      asOf,
      includeRemoved: q.include_removed === 'true',
      cursor: q.cursor,
      limit: q.limit,
    })
    const at = asOf ?? new Date()
    const entries = await entryBodies(db, c.get('staff').tenantId, page.entries, at)
    return c.json({ entries, next_cursor: page.next_cursor }, 200)
  })

  app.openapi(postEntry, async (c) => {
    const { id } = c.req.valid('param')
    const body = c.req.valid('json')
    const normalized = normalizeListValue(body.subject, body.value)
    if (!normalized.ok) throw validationProblem(['value'], normalized.message)
    const expiresAt = body.expires_at ? new Date(body.expires_at) : null
    if (expiresAt && expiresAt.getTime() <= Date.now())
      throw validationProblem(['expires_at'], 'must be in the future')
    const { entry, contributed } = await addEntry(
      db,
      c.get('staff').tenantId,
      id,
      actorOf(c),
      {
        subject: body.subject,
        value: normalized.value,
        network: normalized.network,
        reason: body.reason.trim(),
        source: body.source,
        expires_at: expiresAt,
      },
      { contribute: body.contribute },
    )
    const added = await oneEntryBody(db, c.get('staff').tenantId, entry)
    return c.json({ ...added, contributed: contributed !== null }, 201)
  })

  app.openapi(deleteEntry, async (c) => {
    const { id, entry_id } = c.req.valid('param')
    const tenantId = c.get('staff').tenantId
    const row = await removeEntry(db, tenantId, id, entry_id, actorOf(c))
    return c.json(await oneEntryBody(db, tenantId, row), 200)
  })

  app.openapi(postContribution, async (c) => {
    const { id, entry_id } = c.req.valid('param')
    const shared = await contributeEntry(db, c.get('staff').tenantId, id, entry_id, actorOf(c))
    return c.json({ shared_list_id: `shared:${shared.list_id}`, shared_entry_id: shared.id }, 201)
  })

  app.openapi(getSharing, async (c) => c.json(await readSharing(db, c.get('staff').tenantId), 200))

  app.openapi(putSharing, async (c) =>
    c.json(await writeSharing(db, c.get('staff').tenantId, actorOf(c), c.req.valid('json')), 200),
  )

  app.openapi(postImport, async (c) => {
    const { id } = c.req.valid('param')
    const tenantId = c.get('staff').tenantId
    await ownList(db, tenantId, id)
    const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase()
    if (type !== 'text/csv')
      throw new ProblemError(
        'unsupported_media_type',
        `Send the CSV as text/csv (got "${type || 'nothing'}").`,
      )
    // the body limit middleware has capped it at 50 MiB; it is parsed as a stream in the background
    const body = new Uint8Array(await c.req.arrayBuffer())
    const actor = actorOf(c)
    const job = await createImport(db, tenantId, id, actor, body.byteLength)
    void runImport(db, { tenantId, listId: id, importId: job.id, actor }, body).catch((error: unknown) =>
      process.emitWarning(`list import ${job.id} could not record its failure: ${String(error)}`),
    )
    return c.json(importBody(job), 202)
  })

  app.openapi(getImport, async (c) => {
    const { id, import_id } = c.req.valid('param')
    const row = await readImport(db, c.get('staff').tenantId, id, import_id)
    if (!row) throw new ProblemError('not_found', `No import ${import_id} on list ${id}`)
    return c.json(importBody(row), 200)
  })

  app.openapi(getExport, async (c) => {
    const { id } = c.req.valid('param')
    const tenantId = c.get('staff').tenantId
    await ownList(db, tenantId, id)
    return c.body(exportStream(db, tenantId, id), 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${id}.csv"`,
    })
  })

  app.openapi(getMatches, async (c) => {
    const q = c.req.valid('query')
    const tenantId = c.get('staff').tenantId
    let asks: { subject: ListSubject; values: string[] }[]
    let asOf = q.as_of ? new Date(q.as_of) : null
    if (q.decision_id) {
      const decision = await db
        .selectFrom('decisions')
        .select(['request', 'created_at'])
        .where('tenant_id', '=', tenantId)
        .where('id', '=', q.decision_id)
        .executeTakeFirst()
      if (!decision) throw new ProblemError('not_found', `No decision ${q.decision_id}`)
      const request = decision.request as CapturedRequest
      asks = listSubjects.map((subject) => ({ subject, values: listSubjectValues(subject, request) }))
      asOf ??= decision.created_at
    } else {
      if (!q.subject) throw validationProblem(['subject'], 'is required without decision_id')
      if (q.value === undefined) throw validationProblem(['value'], 'is required without decision_id')
      const normalized = normalizeListValue(q.subject, q.value)
      if (!normalized.ok) throw validationProblem(['value'], normalized.message)
      asks = [{ subject: q.subject, values: [normalized.value] }]
    }
    const matches = await findMatches(db, tenantId, asks, asOf)
    return c.json(
      {
        matches: matches.map((m) => ({
          ...m,
          added_at: m.added_at.toISOString(),
          expires_at: iso(m.expires_at),
        })),
      },
      200,
    )
  })

  return app
}

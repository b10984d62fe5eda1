// /admin/v1/reference: the reference data behind the institution and BIN facts. Line types map
// E.164 prefixes and IP ranges to what they belong to (prison, pay phone …); BINs map the start of a
// card number to its issuing country and funding. Viewers read, analysts add, import and remove.
import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { Db } from '../../db/connect.ts'
import { institutionCategories } from '../../rules/facts/check-sources.ts'
import { cardFundings } from '../../rules/payment-checks.ts'
import { type AdminEnv, adminProblems, adminRoute, notFound, unprocessable } from '../http/admin.ts'
import { defaultHook } from '../http/openapi.ts'
import { ProblemError, problemSchema, validationProblem } from '../http/problem.ts'
import {
  addReferences,
  checkReference,
  type LineTypeKind,
  lineTypeKinds,
  listReferences,
  type ReferenceInput,
  type ReferenceKind,
  type ReferenceRow,
  readReferenceCsv,
  removeReference,
} from './store.ts'

/** The most a reference import may hold; the admin body limit lets it through up to this. */
export const REFERENCE_IMPORT_MAX_BYTES = 10 * 1024 * 1024

const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } })

const entrySchema = z
  .object({
    id: z.string(),
    kind: z.enum(['phone_prefix', 'ip_range', 'bin']),
    value: z.string().openapi({ description: 'E.164 prefix (+1212555), CIDR range, or BIN prefix' }),
    category: z.string(),
    country: z.string().nullable(),
    description: z.string(),
    source: z.string(),
    added_by: z.string().nullable(),
    added_at: z.string(),
    removed_at: z.string().nullable(),
    removed_by: z.string().nullable(),
  })
  .openapi('ReferenceEntry')

const importResultSchema = z
  .object({
    rows: z.number().int().openapi({ description: 'data rows read' }),
    added: z.number().int(),
    replaced: z.number().int().openapi({ description: 'values in force with other data, now superseded' }),
    unchanged: z.number().int(),
    rejected: z.number().int(),
    rejections: z
      .array(z.object({ line: z.number().int(), message: z.string() }))
      .openapi({ description: 'rejected rows by line number in the file (the header is line 1)' }),
  })
  .openapi('ReferenceImport')

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString())
const entryBody = (row: ReferenceRow): z.infer<typeof entrySchema> => ({
  id: row.id,
  kind: row.kind as ReferenceKind,
  value: row.value,
  category: row.category,
  country: row.country,
  description: row.description,
  source: row.source,
  added_by: row.added_by,
  added_at: new Date(row.added_at).toISOString(),
  removed_at: iso(row.removed_at),
  removed_by: row.removed_by,
})

interface Table {
  path: string
  tag: string
  what: string
  kinds: readonly ReferenceKind[]
  body: z.ZodType<ReferenceInput>
  columns: string
  /** a CSV row to an entry, or why it cannot be one */
  fromCsv(row: Record<string, string>): ReferenceInput | string
}

const lineTypes: Table = {
  path: '/reference/line-types',
  tag: 'Reference data',
  what: 'line types and institutions (phone prefixes and IP ranges)',
  kinds: lineTypeKinds,
  body: z
    .object({
      kind: z.enum(lineTypeKinds),
      value: z.string().min(1).max(64),
      category: z.enum(institutionCategories),
      description: z.string().max(500).optional(),
    })
    .strict(),
  columns: `kind (phone_prefix or ip_range), value, category (${institutionCategories.join(', ')}) and optionally description`,
  fromCsv(row) {
    const kind = row.kind ?? ''
    if (!(lineTypeKinds as readonly string[]).includes(kind)) return 'kind must be phone_prefix or ip_range'
    return {
      kind: kind as LineTypeKind,
      value: row.value ?? '',
      category: row.category ?? '',
      description: row.description,
    }
  },
}

const bins: Table = {
  path: '/reference/bins',
  tag: 'Reference data',
  what: 'BINs (issuing country and funding of card number prefixes)',
  kinds: ['bin'],
  body: z
    .object({
      bin: z.string().min(1).max(16),
      funding: z.enum(cardFundings),
      country: z.string().max(2).optional(),
      description: z.string().max(500).optional(),
    })
    .strict()
    .transform(
      (b): ReferenceInput => ({
        kind: 'bin',
        value: b.bin,
        category: b.funding,
        country: b.country,
        description: b.description,
      }),
    ),
  columns: `bin (4 to 6 digits), funding (${cardFundings.join(', ')}), country (ISO 3166 alpha-2) and optionally description`,
  fromCsv: (row) => ({
    kind: 'bin',
    value: row.bin ?? '',
    category: row.funding ?? '',
    country: row.country,
    description: row.description,
  }),
}

function tableRoutes(db: Db, app: OpenAPIHono<AdminEnv>, table: Table) {
  const list = adminRoute('viewer', {
    method: 'get',
    path: table.path,
    tags: [table.tag],
    summary: `The ${table.what} in force now, or at as_of`,
    request: {
      query: z.object({
        kind: z.enum(table.kinds as [ReferenceKind, ...ReferenceKind[]]).optional(),
        category: z.string().max(32).optional(),
        as_of: z.iso.datetime({ offset: true }).optional(),
        limit: z.coerce.number().int().min(1).max(5000).default(1000),
      }),
    },
    responses: {
      200: { description: 'Entries', content: json(z.object({ entries: z.array(entrySchema) })) },
      ...adminProblems,
    },
  })
  const add = adminRoute('analyst', {
    method: 'post',
    path: table.path,
    tags: [table.tag],
    summary: `Add one entry to the ${table.what}`,
    description: 'A value already in force with other data is superseded; its history stays.',
    request: { body: { required: true, content: json(table.body) } },
    responses: {
      201: { description: 'Added', content: json(entrySchema) },
      ...adminProblems,
      ...unprocessable,
    },
  })
  const importCsv = adminRoute('analyst', {
    method: 'post',
    path: `${table.path}/import`,
    tags: [table.tag],
    summary: `Import ${table.what} from CSV`,
    description: `The body is text/csv with a header naming the columns ${table.columns}. Every row is checked; valid rows are added (superseding other data for the same value) and rejected rows are reported with their line numbers.`,
    request: { body: { required: true, content: { 'text/csv': { schema: z.string() } } } },
    responses: {
      200: { description: 'Imported', content: json(importResultSchema) },
      ...adminProblems,
      ...unprocessable,
      415: {
        description: 'Not text/csv',
        content: { 'application/problem+json': { schema: problemSchema } },
      },
    },
  })
  const remove = adminRoute('analyst', {
    method: 'delete',
    path: `${table.path}/{id}`,
    tags: [table.tag],
    summary: 'Remove an entry (it stays in the history, for backtests)',
    request: { params: z.object({ id: z.string().min(1).max(64) }) },
    responses: {
      200: { description: 'Removed', content: json(entrySchema) },
      ...adminProblems,
      ...notFound,
    },
  })

  const actorOf = (c: { get(key: 'staff'): { userId: string; email: string } }) => ({
    id: c.get('staff').userId,
    email: c.get('staff').email,
  })

  app.openapi(list, async (c) => {
    const q = c.req.valid('query')
    const rows = await listReferences(db, c.get('staff').tenantId, table.kinds, {
      kind: q.kind,
      category: q.category,
      asOf: q.as_of ? new Date(q.as_of) : undefined,
      limit: q.limit,
    })
    return c.json({ entries: rows.map(entryBody) }, 200)
  })

  app.openapi(add, async (c) => {
    const checked = checkReference(c.req.valid('json'))
    if (!checked.ok)
      throw validationProblem(
        [table === bins && checked.field === 'value' ? 'bin' : checked.field],
        checked.message,
      )
    const result = await addReferences(db, c.get('staff').tenantId, actorOf(c), [checked.entry], 'manual')
    const row = result.added[0]
    if (!row) throw new ProblemError('conflict', 'This entry is already in force with the same data')
    return c.json(entryBody(row), 201)
  })

  app.openapi(importCsv, async (c) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase()
    if (type !== 'text/csv')
      throw new ProblemError(
        'unsupported_media_type',
        `Send the CSV as text/csv (got "${type || 'nothing'}").`,
      )
    const { entries, rejections, rows } = readReferenceCsv(await c.req.text(), table.fromCsv)
    const result = entries.length
      ? await addReferences(db, c.get('staff').tenantId, actorOf(c), entries, 'import')
      : { added: [], replaced: 0, unchanged: 0 }
    return c.json(
      {
        rows,
        added: result.added.length,
        replaced: result.replaced,
        unchanged: result.unchanged,
        rejected: rejections.length,
        rejections: rejections.slice(0, 1000),
      },
      200,
    )
  })

  app.openapi(remove, async (c) => {
    const row = await removeReference(
      db,
      c.get('staff').tenantId,
      table.kinds,
      c.req.valid('param').id,
      actorOf(c),
    )
    return c.json(entryBody(row), 200)
  })
}

export function referenceRoutes(db: Db) {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })
  tableRoutes(db, app, lineTypes)
  tableRoutes(db, app, bins)
  return app
}

/** Whether a request is a reference CSV import: the body limit and JSON-only rule give way to it. */
export function isReferenceImport(method: string, path: string): boolean {
  return method === 'POST' && /^\/admin\/v1\/reference\/(line-types|bins)\/import$/.test(path)
}

// CSV imports into a list: a job row with progress, the body parsed as a stream (csv-parse), every
// row validated by its subject, and bulk INSERTs of a thousand rows at a time. Rejected rows are
// counted and the first thousand kept with their line numbers; the rest of the file goes in.
import { Readable } from 'node:stream'
import { CsvError, parse } from 'csv-parse'
import { sql, type UpdateObject } from 'kysely'
import type { Db } from '../../db/connect.ts'
import { jsonb } from '../../db/json.ts'
import type { Database } from '../../db/schema.ts'
import { type Actor, recordAudit } from '../audit/audit.ts'
import { newId } from '../ids.ts'
import type { Logger } from '../logging.ts'
import { ownList } from './store.ts'
import { type ListSubject, listSubjects, normalizeListValue } from './subjects.ts'

export const IMPORT_BATCH_ROWS = 1_000
export const MAX_STORED_REJECTIONS = 1_000
export const IMPORT_MAX_BYTES = 50 * 1024 * 1024

export interface Rejection {
  line: number
  message: string
}

class ImportFormatError extends Error {}

function checkHeader(header: string[]) {
  if (!header.includes('subject') || !header.includes('value'))
    throw new ImportFormatError(
      'The first line must be a header naming at least the columns subject and value.',
    )
}

const SLICE_BYTES = 64 * 1024

function* slices(body: Uint8Array) {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  for (let at = 0; at < bytes.byteLength; at += SLICE_BYTES) yield bytes.subarray(at, at + SLICE_BYTES)
}

interface ImportRow {
  id: string
  subject: string
  value: string
  network: string | null
  reason: string
  expires_at: string | null
}

export async function createImport(
  db: Db,
  tenantId: string,
  listId: string,
  actor: Actor,
  totalBytes: number,
) {
  return db.transaction().execute(async (trx) => {
    await ownList(trx, tenantId, listId)
    const row = await trx
      .insertInto('list_imports')
      .values({
        tenant_id: tenantId,
        id: newId('imp'),
        list_id: listId,
        status: 'queued',
        total_bytes: totalBytes,
        created_by: actor.id,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    await recordAudit(trx, tenantId, actor, {
      action: 'list_import.started',
      entityType: 'list_import',
      entityId: row.id,
      after: { list_id: listId, bytes: totalBytes },
    })
    return row
  })
}

export async function readImport(db: Db, tenantId: string, listId: string, importId: string) {
  return db
    .selectFrom('list_imports')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('list_id', '=', listId)
    .where('id', '=', importId)
    .executeTakeFirst()
}

const isSubject = (s: string): s is ListSubject => (listSubjects as readonly string[]).includes(s)

/** Validates one CSV record into a row to insert, or says why not. */
function toRow(record: Record<string, string | undefined>): ImportRow | string {
  const subject = (record.subject ?? '').trim().toLowerCase()
  if (!isSubject(subject)) return `subject "${subject}" is not one of ${listSubjects.join(', ')}`
  const normalized = normalizeListValue(subject, record.value ?? '')
  if (!normalized.ok) return `value ${normalized.message}`
  const reason = (record.reason ?? '').trim()
  if (reason.length > 500) return 'reason is longer than 500 characters'
  const rawExpiry = (record.expires_at ?? '').trim()
  let expiresAt: string | null = null
  if (rawExpiry) {
    const date = new Date(rawExpiry)
    if (!/^\d{4}-\d{2}-\d{2}/.test(rawExpiry) || Number.isNaN(date.getTime()))
      return 'expires_at is not an ISO 8601 date or time'
    expiresAt = date.toISOString()
  }
  return {
    id: newId('ent'),
    subject,
    value: normalized.value,
    network: normalized.network,
    reason,
    expires_at: expiresAt,
  }
}

/** Inserts one batch; values already active on the list are skipped and counted as duplicates. */
async function insertBatch(db: Db, tenantId: string, listId: string, addedBy: string, rows: ImportRow[]) {
  const result = await sql<{ n: string }>`
    with inserted as (
      insert into list_entries
        (tenant_id, list_id, id, subject, value, network, reason, source, added_by, expires_at)
      select ${tenantId}, ${listId}, r.id, r.subject, r.value, cast(r.network as cidr), r.reason, 'import',
             ${addedBy}, r.expires_at
      from jsonb_to_recordset(cast(${JSON.stringify(rows)}::text as jsonb))
        as r(id text, subject text, value text, network text, reason text, expires_at timestamptz)
      on conflict (tenant_id, list_id, subject, value) where removed_at is null and contributed_by is null
      do nothing
      returning 1
    )
    select count(*) as n from inserted`.execute(db)
  return Number(result.rows[0]?.n ?? 0)
}

/**
 * Runs an import to its end. Each batch commits with the job's progress, so GET shows it growing;
 * a malformed file (an unclosed quote, no header) fails the job with the line it stopped at.
 */
export async function runImport(
  db: Db,
  job: { tenantId: string; listId: string; importId: string; actor: Actor },
  body: Uint8Array,
  logger?: Logger,
): Promise<void> {
  const { tenantId, listId, importId } = job
  const update = (on: Db, set: UpdateObject<Database, 'list_imports'>) =>
    on
      .updateTable('list_imports')
      .set(set)
      .where('tenant_id', '=', tenantId)
      .where('id', '=', importId)
      .execute()
  await update(db, { status: 'running', started_at: new Date() })

  const rejections: Rejection[] = []
  let totalRows = 0
  let accepted = 0
  let duplicates = 0
  let rejected = 0
  let batch: ImportRow[] = []
  let header: string[] = []
  const parser = parse({
    bom: true,
    columns: (line: string[]) => {
      header = line.map((h) => h.trim().toLowerCase())
      return header
    },
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
  })
  const reject = (line: number, message: string) => {
    rejected++
    if (rejections.length < MAX_STORED_REJECTIONS) rejections.push({ line, message })
  }
  const flush = async () => {
    const rows = batch
    batch = []
    // PGlite answers in-process, so without this the whole import would run before any request
    await new Promise((resolve) => setImmediate(resolve))
    await db.transaction().execute(async (trx) => {
      if (rows.length) {
        const inserted = await insertBatch(trx, tenantId, listId, job.actor.id, rows)
        accepted += inserted
        duplicates += rows.length - inserted
      }
      await update(trx, {
        processed_bytes: parser.info.bytes,
        total_rows: totalRows,
        accepted,
        duplicates,
        rejected,
        rejections: jsonb(rejections),
      })
    })
  }

  try {
    // fed in slices so the parser's backpressure holds only a few rows in memory, and its byte
    // count tells the progress
    Readable.from(slices(body)).pipe(parser)
    for await (const item of parser as AsyncIterable<{
      record: Record<string, string>
      info: { lines: number }
    }>) {
      if (totalRows === 0) checkHeader(header)
      totalRows++
      const row = toRow(item.record)
      if (typeof row === 'string') reject(item.info.lines, row)
      else batch.push(row)
      if (batch.length >= IMPORT_BATCH_ROWS) await flush()
    }
    checkHeader(header)
    await flush()
    await update(db, { status: 'completed', processed_bytes: body.byteLength, finished_at: new Date() })
    await recordAudit(db, tenantId, job.actor, {
      action: 'list_import.completed',
      entityType: 'list_import',
      entityId: importId,
      after: { list_id: listId, total_rows: totalRows, accepted, duplicates, rejected },
    })
  } catch (error) {
    parser.destroy()
    logger?.warn({ err: error, import_id: importId }, 'list import failed')
    // a malformed file is the uploader's to fix and csv-parse's message names the line; anything
    // else is ours and stays in the log
    const message =
      error instanceof CsvError || error instanceof ImportFormatError
        ? error.message
        : 'The import stopped on a server error; the rows before it were imported.'
    await update(db, {
      status: 'failed',
      error: message.slice(0, 500),
      total_rows: totalRows,
      accepted,
      duplicates,
      rejected,
      rejections: jsonb(rejections),
      finished_at: new Date(),
    })
  }
}

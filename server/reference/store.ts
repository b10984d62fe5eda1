// Reference data staff load: phone-number prefixes and IP ranges mapped to a line type or
// institution, and BINs mapped to their issuing country and funding. Entries are never deleted:
// removal stamps removed_at, so a backtest sees the data as it was at each decision.
import { CsvError, parse } from 'csv-parse/sync'
import type { Selectable } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { ReferenceRangesTable } from '../../db/schema.ts'
import { institutionCategories } from '../../rules/facts/check-sources.ts'
import { cardFundings } from '../../rules/payment-checks.ts'
import type { Actor } from '../audit/audit.ts'
import { recordAudit } from '../audit/audit.ts'
import { ProblemError } from '../http/problem.ts'
import { newId } from '../ids.ts'
import { normalizeListValue } from '../lists/subjects.ts'

export type ReferenceRow = Selectable<ReferenceRangesTable>
/** the line-type kinds, and the BIN table's one */
export const lineTypeKinds = ['phone_prefix', 'ip_range'] as const
export type LineTypeKind = (typeof lineTypeKinds)[number]
export type ReferenceKind = LineTypeKind | 'bin'

export interface ReferenceInput {
  kind: ReferenceKind
  value: string
  category: string
  country?: string | null | undefined
  description?: string | undefined
}

interface NormalizedReference {
  kind: ReferenceKind
  value: string
  network: string | null
  category: string
  country: string | null
  description: string
}

export type Checked = { ok: true; entry: NormalizedReference } | { ok: false; field: string; message: string }

const fail = (field: string, message: string): Checked => ({ ok: false, field, message })

/** Validates one entry and gives it the spelling the facts compare with; the message names the field. */
export function checkReference(input: ReferenceInput): Checked {
  const description = (input.description ?? '').trim()
  if (description.length > 500) return fail('description', 'is longer than 500 characters')
  const raw = input.value.trim()
  switch (input.kind) {
    case 'phone_prefix': {
      // a prefix of an E.164 number, as capture() spells numbers: + and up to 15 digits
      const value = raw.replace(/[\s().-]/g, '')
      if (!/^\+[1-9]\d{0,14}$/.test(value))
        return fail('value', 'is not an E.164 prefix: + and 1 to 15 digits, such as +1212555')
      if (!(institutionCategories as readonly string[]).includes(input.category))
        return fail('category', `must be one of ${institutionCategories.join(', ')}`)
      return {
        ok: true,
        entry: {
          kind: input.kind,
          value,
          network: null,
          category: input.category,
          country: null,
          description,
        },
      }
    }
    case 'ip_range': {
      const ip = normalizeListValue('ip', raw)
      if (!ip.ok) return fail('value', ip.message)
      if (!(institutionCategories as readonly string[]).includes(input.category))
        return fail('category', `must be one of ${institutionCategories.join(', ')}`)
      return {
        ok: true,
        entry: {
          kind: input.kind,
          value: ip.value,
          network: ip.network ?? ip.value,
          category: input.category,
          country: null,
          description,
        },
      }
    }
    case 'bin': {
      // capture() keeps the first six digits, so longer prefixes could never match
      if (!/^\d{4,6}$/.test(raw)) return fail('value', 'must be 4 to 6 digits (the start of the card number)')
      if (!(cardFundings as readonly string[]).includes(input.category))
        return fail('category', `must be one of ${cardFundings.join(', ')}`)
      const country = input.country?.trim().toUpperCase() || null
      if (country !== null && !/^[A-Z]{2}$/.test(country))
        return fail('country', 'must be an ISO 3166 alpha-2 code such as US')
      return {
        ok: true,
        entry: { kind: 'bin', value: raw, network: null, category: input.category, country, description },
      }
    }
  }
}

export interface AddResult {
  added: ReferenceRow[]
  /** an active entry for the value with another category or country, now removed in favour of the new one */
  replaced: number
  /** an active entry already said the same */
  unchanged: number
}

/** Adds entries in one transaction: a value already in force with other data is replaced, keeping history. */
export async function addReferences(
  db: Db,
  tenantId: string,
  actor: Actor,
  entries: NormalizedReference[],
  source: 'manual' | 'import',
): Promise<AddResult> {
  return db.transaction().execute(async (trx) => {
    const result: AddResult = { added: [], replaced: 0, unchanged: 0 }
    const now = new Date()
    // the last row for a value wins within one file
    const byValue = new Map(entries.map((e) => [`${e.kind}\u0000${e.value}`, e]))
    const unique = [...byValue.values()]
    for (let start = 0; start < unique.length; start += 500) {
      const chunk = unique.slice(start, start + 500)
      const active = await trx
        .selectFrom('reference_ranges')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('removed_at', 'is', null)
        .where((eb) => eb.or(chunk.map((e) => eb.and([eb('kind', '=', e.kind), eb('value', '=', e.value)]))))
        .execute()
      const activeByValue = new Map(active.map((row) => [`${row.kind}\u0000${row.value}`, row]))
      const toAdd: NormalizedReference[] = []
      const toRemove: string[] = []
      for (const entry of chunk) {
        const existing = activeByValue.get(`${entry.kind}\u0000${entry.value}`)
        if (existing && existing.category === entry.category && existing.country === entry.country) {
          result.unchanged += 1
          continue
        }
        if (existing) toRemove.push(existing.id)
        toAdd.push(entry)
      }
      if (toRemove.length) {
        await trx
          .updateTable('reference_ranges')
          .set({ removed_at: now, removed_by: actor.email })
          .where('tenant_id', '=', tenantId)
          .where('id', 'in', toRemove)
          .execute()
        result.replaced += toRemove.length
      }
      if (toAdd.length) {
        const rows = await trx
          .insertInto('reference_ranges')
          .values(
            toAdd.map((e) => ({
              tenant_id: tenantId,
              id: newId('ref'),
              kind: e.kind,
              value: e.value,
              network: e.network,
              category: e.category,
              country: e.country,
              description: e.description,
              source,
              added_by: actor.email,
              added_at: now,
            })),
          )
          .returningAll()
          .execute()
        result.added.push(...rows)
      }
    }
    await recordAudit(trx, tenantId, actor, {
      action: source === 'import' ? 'reference.import' : 'reference.add',
      entityType: 'reference_range',
      entityId: result.added[0]?.id ?? '-',
      after: { added: result.added.length, replaced: result.replaced, unchanged: result.unchanged },
    })
    return result
  })
}

export async function listReferences(
  db: Db,
  tenantId: string,
  kinds: readonly ReferenceKind[],
  filter: {
    kind?: ReferenceKind | undefined
    category?: string | undefined
    asOf?: Date | undefined
    limit: number
  },
): Promise<ReferenceRow[]> {
  const asOf = filter.asOf
  return db
    .selectFrom('reference_ranges')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('kind', 'in', filter.kind ? [filter.kind] : [...kinds])
    .$if(filter.category !== undefined, (q) => q.where('category', '=', filter.category as string))
    .where((eb) =>
      asOf
        ? eb.and([
            eb('added_at', '<=', asOf),
            eb.or([eb('removed_at', 'is', null), eb('removed_at', '>', asOf)]),
          ])
        : eb('removed_at', 'is', null),
    )
    .orderBy('kind')
    .orderBy('value')
    .limit(filter.limit)
    .execute()
}

export async function removeReference(
  db: Db,
  tenantId: string,
  kinds: readonly ReferenceKind[],
  id: string,
  actor: Actor,
): Promise<ReferenceRow> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('reference_ranges')
      .set({ removed_at: new Date(), removed_by: actor.email })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('kind', 'in', [...kinds])
      .where('removed_at', 'is', null)
      .returningAll()
      .executeTakeFirst()
    if (!row) throw new ProblemError('not_found', `No entry ${id} in force`)
    await recordAudit(trx, tenantId, actor, {
      action: 'reference.remove',
      entityType: 'reference_range',
      entityId: id,
      before: { kind: row.kind, value: row.value, category: row.category },
    })
    return row
  })
}

export interface CsvRejection {
  line: number
  message: string
}

/**
 * Reads a reference CSV: a header naming the columns, then one entry a line. Every row is checked;
 * the valid ones come back with the rejected ones' line numbers (the header is line 1).
 */
export function readReferenceCsv(
  text: string,
  toInput: (row: Record<string, string>) => ReferenceInput | string,
): { entries: NormalizedReference[]; rejections: CsvRejection[]; rows: number } {
  let records: { record: Record<string, string>; info: { lines: number } }[]
  try {
    records = parse(text, {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
      bom: true,
      info: true,
    })
  } catch (error) {
    if (error instanceof CsvError)
      throw new ProblemError('validation_failed', `The CSV could not be read: ${error.message}`)
    throw error
  }
  const entries: NormalizedReference[] = []
  const rejections: CsvRejection[] = []
  for (const { record, info } of records) {
    const input = toInput(record)
    if (typeof input === 'string') {
      rejections.push({ line: info.lines, message: input })
      continue
    }
    const checked = checkReference(input)
    if (checked.ok) entries.push(checked.entry)
    else rejections.push({ line: info.lines, message: `${checked.field} ${checked.message}` })
  }
  return { entries, rejections, rows: records.length }
}

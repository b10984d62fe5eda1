// The SQL side of the fact catalog: usage totals and list membership as of a given time. Live
// decisions pass asOf = null and see everything committed (never trusting clocks across processes);
// a backtest passes each recorded decision's time.
import { CompiledQuery, sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { ListKind, ListSubject, UsageSubject } from '../../rules/schema.ts'
import type { FactSources, UsageTotals } from '../../rules/types.ts'
import type { TimeRange } from '../../rules/windows.ts'
import { checkFactSources } from '../checks/sources.ts'
import { loadPurchaseValueLimit } from '../customers/purchase-limit.ts'
import { type Read, type ReadGatherer, reader } from '../decision-store/pipeline.ts'
import { askedTogether } from '../decision-store/together.ts'
import { holdsValue, inForce, readableBy, SHARED_TENANT } from '../lists/membership.ts'
import { recordedProviderSources } from '../providers/sources.ts'

const usageColumn: Record<UsageSubject, 'customer_id' | 'phone' | 'card_fingerprint' | 'ip'> = {
  customer: 'customer_id',
  phone: 'phone',
  card: 'card_fingerprint',
  ip: 'ip',
}

function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null
  return value instanceof Date ? value : new Date(String(value))
}

interface ListAsk {
  subject: ListSubject
  values: string[]
}

function totalsOf(ranges: unknown[], row: Record<string, unknown> | undefined): UsageTotals[] {
  return ranges.map(
    (_, i): UsageTotals => ({
      sessions: Number(row?.[`sessions_${i}`] ?? 0),
      purchases: Number(row?.[`purchases_${i}`] ?? 0),
      seconds: Number(row?.[`seconds_${i}`] ?? 0),
      amount: Number(row?.[`amount_${i}`] ?? 0),
      oldest: toDate(row?.[`oldest_${i}`]),
    }),
  )
}

// A live decision's usage query has one shape per (subject, number of windows), and every decision
// runs it: its text is written once per shape instead of built with Kysely each time (building
// and compiling the query cost more than running it). Same columns and meaning as the replay query
// below, with asOf absent: everything committed and not voided counts.
const liveUsageText = new Map<string, string>()

function liveUsage(
  read: Read,
  tenantId: string,
  subject: UsageSubject,
  value: string,
  ranges: TimeRange[],
  currency: string,
): Promise<Record<string, unknown> | undefined> {
  const shape = `${subject} ${ranges.length}`
  let text = liveUsageText.get(shape)
  if (!text) {
    // $1 tenant, $2 subject value, $3 currency, $4 the earliest start, $5… each window's start
    const columns = ranges.flatMap((_, i) => {
      const inRange = `occurred_at >= $${i + 5}`
      return [
        `coalesce(sum(sessions) filter (where ${inRange}), 0)::int8 as sessions_${i}`,
        `coalesce(sum(purchases) filter (where ${inRange}), 0)::int8 as purchases_${i}`,
        `coalesce(sum(seconds) filter (where ${inRange}), 0)::int8 as seconds_${i}`,
        `coalesce(sum(amount) filter (where ${inRange} and currency = $3), 0)::int8 as amount_${i}`,
        `min(occurred_at) filter (where ${inRange}) as oldest_${i}`,
      ]
    })
    text = `select ${columns.join(', ')} from usage_events
      where tenant_id = $1 and ${usageColumn[subject]} = $2 and occurred_at >= $4 and voided_at is null`
    liveUsageText.set(shape, text)
  }
  const starts = ranges.map((r) => r.start)
  const earliest = new Date(Math.min(...starts.map((d) => d.getTime())))
  return read<Record<string, unknown>>(
    CompiledQuery.raw(text, [tenantId, value, currency, earliest, ...starts]),
  ).then((rows) => rows[0])
}

// The live list lookup, written once per shape (the subjects asked and how many values each) for
// the same reason as the usage query: the same meaning as readableBy, holdsValue and inForce(null).
const liveListText = new Map<string, string>()

async function liveListHits(
  read: Read,
  tenantId: string,
  asks: { subject: ListSubject; values: string[] }[],
): Promise<{ subject: string; kind: string }[]> {
  const shape = asks.map((a) => `${a.subject}:${a.values.length}`).join(' ')
  const params: unknown[] = [tenantId, SHARED_TENANT]
  const next = (value: unknown) => {
    params.push(value)
    return `$${params.length}`
  }
  const matches = asks.map((ask) => {
    const subject = next(ask.subject)
    const values = ask.values.map(next)
    const contained =
      ask.subject === 'ip' ? values.map((v) => ` or e.network >>= cast(${v} as inet)`).join('') : ''
    return `(e.subject = ${subject} and (e.value in (${values.join(', ')})${contained}))`
  })
  let text = liveListText.get(shape)
  if (!text) {
    text = `select distinct e.subject, l.kind from list_entries e
      join lists l on l.tenant_id = e.tenant_id and l.id = e.list_id
      where e.tenant_id in (select $1::text union all
          select $2::text from tenant_sharing where tenant_id = $1 and reads_shared)
        and (${matches.join(' or ')})
        and e.removed_at is null and (e.expires_at is null or e.expires_at > now())`
    liveListText.set(shape, text)
  }
  return read<{ subject: string; kind: string }>(CompiledQuery.raw(text, params))
}

export function sqlFactSources(
  db: Db,
  tenantId: string,
  asOf: Date | null,
  /** a live decision's gatherer: its lookups of one turn go out as one statement */
  gather?: ReadGatherer,
): FactSources {
  const read = reader(db, gather)
  // Rules of one priority ask about several subjects at once (phone, ip, card …): the asks of one
  // turn of the event loop share a single query, since each round trip costs far more than the
  // lookup itself.
  const askLists = askedTogether(async (asks: ListAsk[]): Promise<Set<ListKind>[]> => {
    const rows =
      asOf === null
        ? await liveListHits(read, tenantId, asks)
        : await db
            .selectFrom('list_entries as e')
            .innerJoin('lists as l', (j) =>
              j.onRef('l.tenant_id', '=', 'e.tenant_id').onRef('l.id', '=', 'e.list_id'),
            )
            .select(['e.subject', 'l.kind'])
            .distinct()
            // the tenant's own lists and, when it reads them, the shared ones; ip entries may be ranges
            .where(readableBy('e', tenantId))
            .where((eb) =>
              eb.or(
                asks.map((ask) =>
                  eb.and([eb('e.subject', '=', ask.subject), holdsValue('e', ask.subject, ask.values)]),
                ),
              ),
            )
            .where(inForce('e', asOf))
            .execute()
    return asks.map(
      (ask) => new Set(rows.filter((r) => r.subject === ask.subject).map((r) => r.kind as ListKind)),
    )
  })

  return {
    // line types, institutions, BINs, known devices, recent mismatches, recorded gateway answers
    ...checkFactSources(db, tenantId, asOf, gather),
    // replays read the provider answers recorded with the decision; live, authorize() adds the callers
    ...recordedProviderSources(db, tenantId, asOf),
    purchaseValueLimit: (customerId, at) => loadPurchaseValueLimit(db, tenantId, customerId, at),
    async usage(subject, value, ranges, currency) {
      if (!ranges.length) return []
      if (asOf === null)
        return totalsOf(ranges, await liveUsage(read, tenantId, subject, value, ranges, currency))
      const earliest = new Date(Math.min(...ranges.map((r) => r.start.getTime())))
      const column = sql.ref(usageColumn[subject])
      // A replay: one pass over the subject's events before asOf answers every window it reads.
      const selections = ranges.flatMap((range, i) => {
        const inRange = sql`occurred_at >= ${range.start}`
        return [
          sql`coalesce(sum(sessions) filter (where ${inRange}), 0)::int8`.as(`sessions_${i}`),
          sql`coalesce(sum(purchases) filter (where ${inRange}), 0)::int8`.as(`purchases_${i}`),
          sql`coalesce(sum(seconds) filter (where ${inRange}), 0)::int8`.as(`seconds_${i}`),
          sql`coalesce(sum(amount) filter (where ${inRange} and currency = ${currency}), 0)::int8`.as(
            `amount_${i}`,
          ),
          sql`min(occurred_at) filter (where ${inRange})`.as(`oldest_${i}`),
        ]
      })
      const row = (await db
        .selectFrom('usage_events')
        .select(selections)
        .where('tenant_id', '=', tenantId)
        .where(column, '=', value)
        .where('occurred_at', '>=', earliest)
        .where('occurred_at', '<', asOf)
        .where((eb) => eb.or([eb('voided_at', 'is', null), eb('voided_at', '>', asOf)]))
        .executeTakeFirst()) as Record<string, unknown> | undefined
      return totalsOf(ranges, row)
    },

    listHits(subject, values) {
      return askLists({ subject, values })
    },
  }
}

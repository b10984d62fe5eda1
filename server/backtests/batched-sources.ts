// As-of fact sources for replaying many decisions at once. Each replay asks for usage and list
// membership as of its own decision time, exactly as sqlFactSources(db, tenant, asOf) answers;
// here the questions asked by all replays in flight are gathered for one turn of the event loop
// and answered by one query per kind, so a batch of hundreds of decisions costs a few round trips
// instead of several per decision.
import { sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { ListKind, ListSubject, UsageSubject } from '../../rules/schema.ts'
import type { FactSources, UsageTotals } from '../../rules/types.ts'
import type { TimeRange } from '../../rules/windows.ts'
import { checkFactSources } from '../checks/sources.ts'
import { inForce, readableBy } from '../lists/membership.ts'
import { recordedProviderSources } from '../providers/sources.ts'

const usageColumn: Record<UsageSubject, 'customer_id' | 'phone' | 'card_fingerprint' | 'ip'> = {
  customer: 'customer_id',
  phone: 'phone',
  card: 'card_fingerprint',
  ip: 'ip',
}

interface UsageAsk {
  subject: UsageSubject
  value: string
  ranges: TimeRange[]
  currency: string
  asOf: Date
  resolve(totals: UsageTotals[]): void
  reject(error: unknown): void
}

interface ListAsk {
  subject: ListSubject
  values: string[]
  asOf: Date
  resolve(kinds: Set<ListKind>): void
  reject(error: unknown): void
}

function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null
  return value instanceof Date ? value : new Date(String(value))
}

export class BatchedFactSources {
  private usageAsks: UsageAsk[] = []
  private listAsks: ListAsk[] = []
  private scheduled = false

  constructor(
    private readonly db: Db,
    private readonly tenantId: string,
  ) {}

  /** The sources one replayed decision sees: everything as of its own time. */
  asOf(asOf: Date): FactSources {
    return {
      // never a provider call: the answer recorded with the decision, one indexed read per ask
      // (only replays of decisions whose rules asked a provider get here)
      ...recordedProviderSources(this.db, this.tenantId, asOf),
      // the identity, institution and payment checks: one query each, asked as of the decision
      ...checkFactSources(this.db, this.tenantId, asOf),
      usage: (subject, value, ranges, currency) =>
        ranges.length
          ? new Promise<UsageTotals[]>((resolve, reject) => {
              this.usageAsks.push({ subject, value, ranges, currency, asOf, resolve, reject })
              this.schedule()
            })
          : Promise.resolve([]),
      listHits: (subject, values) =>
        values.length
          ? new Promise<Set<ListKind>>((resolve, reject) => {
              this.listAsks.push({ subject, values, asOf, resolve, reject })
              this.schedule()
            })
          : Promise.resolve(new Set<ListKind>()),
    }
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    // setImmediate runs after every pending microtask, so each replay in flight has asked by then
    setImmediate(() => {
      this.scheduled = false
      const usage = this.usageAsks
      const lists = this.listAsks
      this.usageAsks = []
      this.listAsks = []
      const byKey = new Map<string, UsageAsk[]>()
      for (const ask of usage) {
        const key = `${ask.subject}\u0000${ask.currency}`
        byKey.set(key, [...(byKey.get(key) ?? []), ask])
      }
      for (const asks of byKey.values()) void this.answerUsage(asks)
      if (lists.length) void this.answerLists(lists)
    })
  }

  private async answerUsage(asks: UsageAsk[]): Promise<void> {
    const first = asks[0]
    if (!first) return
    try {
      // one row per (ask, range): the window's totals counting only events before the ask's time
      // and not voided by then — the same predicate as sqlFactSources
      const rows = asks.flatMap((ask, a) =>
        ask.ranges.map((range, r) => ({
          k: `${a}.${r}`,
          value: ask.value,
          as_of: ask.asOf.toISOString(),
          start: range.start.toISOString(),
        })),
      )
      const column = sql.ref(`u.${usageColumn[first.subject]}`)
      const result = await sql<{
        k: string
        sessions: unknown
        purchases: unknown
        seconds: unknown
        amount: unknown
        oldest: unknown
      }>`
        select q.k, totals.*
        from jsonb_to_recordset(cast(${JSON.stringify(rows)}::text as jsonb))
          as q(k text, value text, as_of timestamptz, start timestamptz)
        -- lateral: one index range scan per ask, never a join over the tenant's whole history
        cross join lateral (
          select
            coalesce(sum(u.sessions), 0)::int8 as sessions,
            coalesce(sum(u.purchases), 0)::int8 as purchases,
            coalesce(sum(u.seconds), 0)::int8 as seconds,
            coalesce(sum(u.amount) filter (where u.currency = ${first.currency}), 0)::int8 as amount,
            min(u.occurred_at) as oldest
          from usage_events u
          where u.tenant_id = ${this.tenantId}
            and ${column} = q.value
            and u.occurred_at >= q.start
            and u.occurred_at < q.as_of
            and (u.voided_at is null or u.voided_at > q.as_of)
        ) totals
      `.execute(this.db)
      const byKey = new Map(result.rows.map((row) => [row.k, row]))
      for (const [a, ask] of asks.entries())
        ask.resolve(
          ask.ranges.map((_, r): UsageTotals => {
            const row = byKey.get(`${a}.${r}`)
            return {
              sessions: Number(row?.sessions ?? 0),
              purchases: Number(row?.purchases ?? 0),
              seconds: Number(row?.seconds ?? 0),
              amount: Number(row?.amount ?? 0),
              oldest: toDate(row?.oldest),
            }
          }),
        )
    } catch (error) {
      for (const ask of asks) ask.reject(error)
    }
  }

  private async answerLists(asks: ListAsk[]): Promise<void> {
    try {
      const rows = asks.flatMap((ask, a) =>
        ask.values.map((value) => ({
          a,
          subject: ask.subject,
          value,
          as_of: ask.asOf.toISOString(),
        })),
      )
      // an entry counts when it was added by then and neither removed nor expired by then; the
      // tenant reads the shared lists it opted into, and an IP matches the ranges that hold it,
      // as in the live source (server/lists/membership.ts)
      const result = await sql<{ a: number; kind: string }>`
        select distinct q.a, hit.kind
        from jsonb_to_recordset(cast(${JSON.stringify(rows)}::text as jsonb))
          as q(a int, subject text, value text, as_of timestamptz)
        cross join lateral (
          select l.kind
          from list_entries e
          join lists l on l.tenant_id = e.tenant_id and l.id = e.list_id
          where ${readableBy('e', this.tenantId)}
            and e.subject = q.subject
            and (e.value = q.value or (q.subject = 'ip' and e.network >>= cast(q.value as inet)))
            and ${inForce('e', sql<Date>`q.as_of`)}
        ) hit
      `.execute(this.db)
      const kinds = asks.map(() => new Set<ListKind>())
      for (const row of result.rows) kinds[Number(row.a)]?.add(row.kind as ListKind)
      for (const [a, ask] of asks.entries()) ask.resolve(kinds[a] ?? new Set<ListKind>())
    } catch (error) {
      for (const ask of asks) ask.reject(error)
    }
  }
}

// Take rates: how often offers made were accepted, by offer, segment and channel, with the revenue
// their orders captured. All time, the counters the ledger keeps (offer_stats: what arbitration
// learns propensity from); for a date range, the offers made in it (offer_presentations), since the
// counters carry no dates. An offer counts as made once the ledger has reserved it: one still being
// reserved (the ledger's transient statuses) is not counted yet. Days are the tenant's calendar days. summarise() is pure.
import { sql } from 'kysely'
import { DateTime } from 'luxon'
import type { Db } from '../../db/connect.ts'

export interface TakeRateCounts {
  /** offers made (stock and credit reserved), whatever became of them */
  presented: number
  accepted: number
  declined: number
  expired: number
  /** held out for measurement: chosen, never shown */
  control: number
}

export interface Revenue {
  currency: string
  /** minor units captured for the orders */
  amount: number
}

export interface TakeRateRow extends TakeRateCounts {
  offer_id: string
  sku: string
  name: string
  segment: string
  channel: string
  /** accepted ÷ presented; null when nothing was presented */
  take_rate: number | null
  revenue: Revenue[]
}

export interface TakeRateGroup extends TakeRateCounts {
  key: string
  /** the offer's name for by_offer; the key otherwise */
  label: string
  take_rate: number | null
  revenue: Revenue[]
}

export interface TakeRates {
  source: 'counters' | 'presentations'
  from: string | null
  to: string | null
  time_zone: string
  rows: TakeRateRow[]
  by_offer: TakeRateGroup[]
  by_segment: TakeRateGroup[]
  by_channel: TakeRateGroup[]
}

const rate = (counts: TakeRateCounts) => (counts.presented > 0 ? counts.accepted / counts.presented : null)

function addRevenue(into: Revenue[], more: Revenue[]): Revenue[] {
  const byCurrency = new Map(into.map((r) => [r.currency, r.amount]))
  for (const r of more) byCurrency.set(r.currency, (byCurrency.get(r.currency) ?? 0) + r.amount)
  return [...byCurrency]
    .map(([currency, amount]) => ({ currency, amount }))
    .sort((a, b) => a.currency.localeCompare(b.currency))
}

/** Rows summed by offer, by segment and by channel, each with its take rate; revenue stays per currency. */
export function summarise(rows: TakeRateRow[]): Pick<TakeRates, 'by_offer' | 'by_segment' | 'by_channel'> {
  const group = (keyOf: (row: TakeRateRow) => string, labelOf: (row: TakeRateRow) => string) => {
    const groups = new Map<string, TakeRateGroup>()
    for (const row of rows) {
      const key = keyOf(row)
      const g = groups.get(key) ?? {
        key,
        label: labelOf(row),
        presented: 0,
        accepted: 0,
        declined: 0,
        expired: 0,
        control: 0,
        take_rate: null,
        revenue: [],
      }
      g.presented += row.presented
      g.accepted += row.accepted
      g.declined += row.declined
      g.expired += row.expired
      g.control += row.control
      g.revenue = addRevenue(g.revenue, row.revenue)
      groups.set(key, g)
    }
    return [...groups.values()]
      .map((g) => ({ ...g, take_rate: rate(g) }))
      .sort((a, b) => b.presented - a.presented || a.label.localeCompare(b.label))
  }
  return {
    by_offer: group(
      (r) => r.offer_id,
      (r) => r.name,
    ),
    by_segment: group(
      (r) => r.segment,
      (r) => r.segment,
    ),
    by_channel: group(
      (r) => r.channel,
      (r) => r.channel,
    ),
  }
}

export interface TakeRateQuery {
  /** YYYY-MM-DD in the tenant's zone, inclusive; both or neither */
  from?: string | undefined
  to?: string | undefined
  offerId?: string | undefined
}

const key = (offerId: string, segment: string, channel: string) =>
  `${offerId}\u0000${segment}\u0000${channel}`

export async function readTakeRates(db: Db, tenantId: string, query: TakeRateQuery): Promise<TakeRates> {
  const tenant = await db
    .selectFrom('tenants')
    .select('time_zone')
    .where('tenant_id', '=', tenantId)
    .executeTakeFirstOrThrow()
  const zone = tenant.time_zone
  const ranged = query.from !== undefined && query.to !== undefined
  const start = ranged
    ? DateTime.fromISO(query.from ?? '', { zone })
        .startOf('day')
        .toJSDate()
    : null
  const end = ranged
    ? DateTime.fromISO(query.to ?? '', { zone })
        .plus({ days: 1 })
        .startOf('day')
        .toJSDate()
    : null

  const counts = ranged
    ? await db
        .selectFrom('offer_presentations')
        .select([
          'offer_id',
          'segment',
          'channel',
          sql<number>`count(*) filter (where status in ('presented', 'accepting', 'accepted', 'declined', 'expired'))::integer`.as(
            'presented',
          ),
          sql<number>`count(*) filter (where status = 'accepted')::integer`.as('accepted'),
          sql<number>`count(*) filter (where status = 'declined')::integer`.as('declined'),
          sql<number>`count(*) filter (where status = 'expired')::integer`.as('expired'),
          sql<number>`count(*) filter (where status = 'control')::integer`.as('control'),
        ])
        .where('tenant_id', '=', tenantId)
        .where('presented_at', '>=', start as Date)
        .where('presented_at', '<', end as Date)
        .$if(query.offerId !== undefined, (q) => q.where('offer_id', '=', query.offerId ?? ''))
        .groupBy(['offer_id', 'segment', 'channel'])
        .execute()
    : await db
        .selectFrom('offer_stats')
        .select(['offer_id', 'segment', 'channel', 'presented', 'accepted', 'declined', 'expired', 'control'])
        .where('tenant_id', '=', tenantId)
        .$if(query.offerId !== undefined, (q) => q.where('offer_id', '=', query.offerId ?? ''))
        .execute()

  // revenue: the orders of the offers made in the range (or ever), keyed like the counts
  const orders = await db
    .selectFrom('offer_orders as o')
    .innerJoin('offer_presentations as p', (j) =>
      j.onRef('p.tenant_id', '=', 'o.tenant_id').onRef('p.id', '=', 'o.presentation_id'),
    )
    .select(['o.offer_id', 'p.segment', 'p.channel', 'o.currency', sql<string>`sum(o.amount)`.as('amount')])
    .where('o.tenant_id', '=', tenantId)
    .$if(ranged, (q) =>
      q.where('p.presented_at', '>=', start as Date).where('p.presented_at', '<', end as Date),
    )
    .$if(query.offerId !== undefined, (q) => q.where('o.offer_id', '=', query.offerId ?? ''))
    .groupBy(['o.offer_id', 'p.segment', 'p.channel', 'o.currency'])
    .execute()

  const revenue = new Map<string, Revenue[]>()
  for (const o of orders) {
    const k = key(o.offer_id, o.segment, o.channel)
    revenue.set(k, addRevenue(revenue.get(k) ?? [], [{ currency: o.currency, amount: Number(o.amount) }]))
  }
  const keys = new Map(counts.map((c) => [key(c.offer_id, c.segment, c.channel), c]))
  // an order whose counters are missing still shows its revenue
  for (const o of orders) {
    const k = key(o.offer_id, o.segment, o.channel)
    if (!keys.has(k))
      keys.set(k, {
        offer_id: o.offer_id,
        segment: o.segment,
        channel: o.channel,
        presented: 0,
        accepted: 0,
        declined: 0,
        expired: 0,
        control: 0,
      })
  }
  const offerIds = [...new Set([...keys.values()].map((c) => c.offer_id))]
  const offers = offerIds.length
    ? await db
        .selectFrom('offers')
        .select(['id', 'sku', 'name'])
        .where('tenant_id', '=', tenantId)
        .where('id', 'in', offerIds)
        .execute()
    : []
  const offerById = new Map(offers.map((o) => [o.id, o]))

  const rows: TakeRateRow[] = [...keys.entries()]
    .map(([k, c]) => {
      const counts = {
        presented: Number(c.presented),
        accepted: Number(c.accepted),
        declined: Number(c.declined),
        expired: Number(c.expired),
        control: Number(c.control),
      }
      const offer = offerById.get(c.offer_id)
      return {
        offer_id: c.offer_id,
        sku: offer?.sku ?? c.offer_id,
        name: offer?.name ?? c.offer_id,
        segment: c.segment,
        channel: c.channel,
        ...counts,
        take_rate: rate(counts),
        revenue: revenue.get(k) ?? [],
      }
    })
    .sort(
      (a, b) =>
        a.sku.localeCompare(b.sku) ||
        a.segment.localeCompare(b.segment) ||
        a.channel.localeCompare(b.channel),
    )

  return {
    source: ranged ? 'presentations' : 'counters',
    from: ranged ? (query.from ?? null) : null,
    to: ranged ? (query.to ?? null) : null,
    time_zone: zone,
    rows,
    ...summarise(rows),
  }
}

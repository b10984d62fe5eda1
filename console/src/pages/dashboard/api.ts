// Dashboard figures: outcomes over time, rates, top rules and latency, from GET /admin/v1/stats.
import type { QueryParams, ResponseBody } from '../../api/types.ts'
import { api } from '../../lib/api.ts'

export type Stats = ResponseBody<'/admin/v1/stats', 'get'>
export type OutcomeCounts = Omit<Stats['totals'], 'total'>
/** the range a chart shows: every parameter given */
export type StatsRange = Required<QueryParams<'/admin/v1/stats', 'get'>>

export const readStats = (range: StatsRange) => api.get<Stats>('/stats', { ...range })

export const ranges = {
  '24h': { label: 'Last 24 hours', hours: 24, bucket: 'hour' },
  '7d': { label: 'Last 7 days', hours: 24 * 7, bucket: 'day' },
  '30d': { label: 'Last 30 days', hours: 24 * 30, bucket: 'day' },
} as const satisfies Record<string, { label: string; hours: number; bucket: StatsRange['bucket'] }>

export type RangeKey = keyof typeof ranges

export function rangeFor(key: RangeKey, now = new Date()): StatsRange {
  const range = ranges[key]
  return {
    from: new Date(now.getTime() - range.hours * 3_600_000).toISOString(),
    to: now.toISOString(),
    bucket: range.bucket,
  }
}

/**
 * Every hour or day of the range, with zeros where nothing was decided, so the chart's time axis
 * is even. Steps are aligned to the server's own bucket starts (its time zone, not ours).
 */
export function fillBuckets(buckets: Stats['buckets'], range: StatsRange): Stats['buckets'] {
  const first = buckets[0]
  if (!first) return buckets
  const step = range.bucket === 'hour' ? 3_600_000 : 86_400_000
  const known = new Map(buckets.map((b) => [new Date(b.start).getTime(), b]))
  const from = new Date(range.from).getTime()
  const to = new Date(range.to).getTime()
  // the first step whose bucket holds `from`
  const firstStart = new Date(first.start).getTime()
  const start = firstStart - Math.max(0, Math.ceil((firstStart - from) / step)) * step
  const filled: Stats['buckets'] = []
  for (let t = start; t <= to; t += step)
    filled.push(
      known.get(t) ?? {
        start: new Date(t).toISOString(),
        approve: 0,
        limit: 0,
        temporary_block: 0,
        block: 0,
        review: 0,
      },
    )
  // a bucket the server sent that falls off the even steps (a DST change) is kept as it came
  for (const b of buckets) if (!filled.includes(b)) filled.push(b)
  return filled.sort((a, b) => new Date(a.start).getTime() - new Date(b.start).getTime())
}

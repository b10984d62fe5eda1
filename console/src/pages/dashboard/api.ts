// Dashboard figures: outcomes over time, rates, top rules and latency, from GET /admin/v1/stats.
import { api } from '../../lib/api.ts'
import type { Outcome } from '../../lib/format.ts'

export type OutcomeCounts = Record<Outcome, number>

export interface Stats {
  buckets: ({ start: string } & OutcomeCounts)[]
  totals: { total: number } & OutcomeCounts
  rates: { block: number; review: number }
  top_rules: { rule: string; count: number }[]
  latency_ms: { p50: number | null; p95: number | null; p99: number | null }
}

export interface StatsRange {
  from: string
  to: string
  bucket: 'hour' | 'day'
}

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

// Payouts: what representatives earned in a period (days in the workspace's time zone, both
// included), per representative and currency, and the same report as a CSV file.
import type { QueryParams, Schema } from '../../api/types.ts'
import { API_BASE, api, withQuery } from '../../lib/api.ts'

export type PayoutReport = Schema<'PayoutReport'>
export type PayoutQuery = QueryParams<'/admin/v1/payouts', 'get'>

export const readPayouts = (query: PayoutQuery) => api.get<PayoutReport>('/payouts', { ...query })

/** The CSV export's address: a plain link, so the browser downloads it with the session cookie. */
export const payoutsCsvUrl = (query: PayoutQuery) => `${API_BASE}${withQuery('/payouts.csv', { ...query })}`

// Payments settings (admin): which payment provider takes the workspace's money, its secret key
// (write-only: the server says only whether one is stored and its last four), how a session's hold
// is settled when it ends, and how long a silent session may stay open.
import type { RequestBody, Schema } from '../../api/types.ts'
import { api } from '../../lib/api.ts'

export type BillingSettings = Schema<'BillingSettings'>
export type BillingSettingsChange = RequestBody<'/admin/v1/billing-settings', 'put'>

export const readBillingSettings = () => api.get<BillingSettings>('/billing-settings')
export const saveBillingSettings = (change: BillingSettingsChange) =>
  api.put<BillingSettings>('/billing-settings', change)

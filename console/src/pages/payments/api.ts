// Payments: the list with its filters, and one payment with its gateway calls and ledger entries.

import type { QueryParams, ResponseBody, Schema } from '../../api/types.ts'
import { api } from '../../lib/api.ts'

export type Payment = Schema<'Payment'>
export type PaymentWithOperations = Schema<'PaymentWithOperations'>
export type PaymentOperation = Schema<'PaymentOperation'>
export type LedgerEntry = Schema<'LedgerEntry'>
/** The filters as the page keeps them: text from the address bar, which the server checks. */
export type PaymentSearch = Omit<QueryParams<'/admin/v1/payments', 'get'>, 'status' | 'kind'> & {
  status?: string
  kind?: string
}
export type PaymentPage = ResponseBody<'/admin/v1/payments', 'get'>
export type PaymentDetail = ResponseBody<'/admin/v1/payments/{id}', 'get'>

export const searchPayments = (search: PaymentSearch) =>
  api.get<PaymentPage>('/payments', { limit: 50, ...search })

export const readPayment = (id: string) => api.get<PaymentDetail>(`/payments/${encodeURIComponent(id)}`)

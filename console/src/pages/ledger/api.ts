// The ledger: its entries with filters, and the balance check.

import type { QueryParams, ResponseBody } from '../../api/types.ts'
import { api } from '../../lib/api.ts'

export type LedgerSearch = QueryParams<'/admin/v1/ledger/entries', 'get'>
export type LedgerPage = ResponseBody<'/admin/v1/ledger/entries', 'get'>
export type LedgerCheck = ResponseBody<'/admin/v1/ledger/check', 'get'>

export const searchEntries = (search: LedgerSearch) =>
  api.get<LedgerPage>('/ledger/entries', { limit: 100, ...search })

export const readCheck = () => api.get<LedgerCheck>('/ledger/check')

// Sessions: live and past, and one session with its legs, rating, payments, ledger entries and pay.

import type { QueryParams, ResponseBody, Schema } from '../../api/types.ts'
import { api } from '../../lib/api.ts'

export type SessionSummary = Schema<'SessionSummary'>
export type SessionLeg = Schema<'SessionLeg'>
export type SessionRating = Schema<'SessionRating'>
export type PayAccrual = Schema<'PayAccrual'>
export type SessionSearch = Omit<QueryParams<'/admin/v1/sessions', 'get'>, 'status'> & { status?: string }
export type SessionPage = ResponseBody<'/admin/v1/sessions', 'get'>
export type SessionDetail = ResponseBody<'/admin/v1/sessions/{id}', 'get'>

export const searchSessions = (search: SessionSearch) =>
  api.get<SessionPage>('/sessions', { limit: 50, ...search })

export const readSession = (id: string) => api.get<SessionDetail>(`/sessions/${encodeURIComponent(id)}`)

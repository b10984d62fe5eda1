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

/** Who and what a session can be filtered by: representatives and service lines, inactive ones too. */
export async function sessionFilterChoices(): Promise<{
  representatives: { id: string; name: string }[]
  serviceLines: { id: string; name: string }[]
}> {
  const [reps, lines] = await Promise.all([
    api.get<{ representatives: { id: string; name: string }[] }>('/representatives', {
      include_inactive: 'true',
    }),
    api.get<{ service_lines: { id: string; name: string }[] }>('/service-lines', {
      include_inactive: 'true',
    }),
  ])
  return {
    representatives: reps.representatives.map((r) => ({ id: r.id, name: r.name })),
    serviceLines: lines.service_lines.map((l) => ({ id: l.id, name: l.name })),
  }
}

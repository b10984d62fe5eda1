// Representatives: who answers sessions, on which extension, and how they are paid; editors add,
// change and take them off the roster.
import type { RequestBody, Schema } from '../../api/types.ts'
import { api } from '../../lib/api.ts'

export type Representative = Schema<'Representative'>
export type PayPlan = Representative['pay']
export type NewRepresentative = RequestBody<'/admin/v1/representatives', 'post'>
export type RepresentativeChange = RequestBody<'/admin/v1/representatives/{id}', 'patch'>

const path = (id: string) => `/representatives/${encodeURIComponent(id)}`

export const listRepresentatives = (includeInactive = true) =>
  api
    .get<{ representatives: Representative[] }>('/representatives', {
      include_inactive: includeInactive ? 'true' : 'false',
    })
    .then((body) => body.representatives)
export const createRepresentative = (representative: NewRepresentative) =>
  api.post<Representative>('/representatives', representative)
export const updateRepresentative = (id: string, change: RepresentativeChange) =>
  api.patch<Representative>(path(id), change)
export const setRepresentativeActive = (id: string, active: boolean) =>
  api.post<Representative>(`${path(id)}/${active ? 'activate' : 'deactivate'}`, {})

// Service lines: what sessions are billed at. List (with the lines out of sale on request), add,
// change, take out of sale and put back.
import type { RequestBody, Schema } from '../../api/types.ts'
import { api } from '../../lib/api.ts'

export type ServiceLine = Schema<'ServiceLine'>
export type NewServiceLine = RequestBody<'/admin/v1/service-lines', 'post'>
export type ServiceLineChange = RequestBody<'/admin/v1/service-lines/{id}', 'patch'>

const linePath = (id: string) => `/service-lines/${encodeURIComponent(id)}`

export const listServiceLines = (includeInactive: boolean) =>
  api
    .get<{ service_lines: ServiceLine[] }>('/service-lines', {
      include_inactive: includeInactive ? 'true' : undefined,
    })
    .then((body) => body.service_lines)
export const createServiceLine = (line: NewServiceLine) => api.post<ServiceLine>('/service-lines', line)
export const updateServiceLine = (id: string, change: ServiceLineChange) =>
  api.patch<ServiceLine>(linePath(id), change)
export const deactivateServiceLine = (id: string) => api.post<ServiceLine>(`${linePath(id)}/deactivate`, {})

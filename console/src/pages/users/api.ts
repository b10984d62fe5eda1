// Staff of this workspace: list, add, change role or name, disable and enable again.
import type { RequestBody, Schema } from '../../api/types.ts'
import { api } from '../../lib/api.ts'

export type User = Schema<'User'>
export type NewUser = RequestBody<'/admin/v1/users', 'post'>

export const listUsers = () => api.get<{ users: User[] }>('/users').then((body) => body.users)
export const createUser = (user: NewUser) => api.post<User>('/users', user)
export const updateUser = (id: string, change: RequestBody<'/admin/v1/users/{id}', 'patch'>) =>
  api.patch<User>(`/users/${encodeURIComponent(id)}`, change)

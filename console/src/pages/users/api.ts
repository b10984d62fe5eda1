// Staff of this workspace: list, add, change role or name, disable and enable again.
import { api } from '../../lib/api.ts'
import type { Role } from '../../lib/roles.ts'

export interface User {
  id: string
  email: string
  name: string
  role: Role
  disabled: boolean
  created_at: string
}

export interface NewUser {
  email: string
  name: string
  role: Role
  password: string
}

export const listUsers = () => api.get<{ users: User[] }>('/users').then((body) => body.users)
export const createUser = (user: NewUser) => api.post<User>('/users', user)
export const updateUser = (id: string, change: Partial<Pick<User, 'role' | 'name' | 'disabled'>>) =>
  api.patch<User>(`/users/${encodeURIComponent(id)}`, change)

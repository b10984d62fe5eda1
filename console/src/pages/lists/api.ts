// Lists: the tenant's negative and positive lists, their entries (now or as of a time), adding and
// removing entries, CSV imports polled to the end, the export link and the shared-list opt-ins.
import { API_BASE, api } from '../../lib/api.ts'

export const listSubjects = [
  'phone',
  'ip',
  'card',
  'bin',
  'email',
  'email_domain',
  'device',
  'customer',
  'address',
  'name',
] as const
export type ListSubject = (typeof listSubjects)[number]

export const subjectLabels: Record<ListSubject, string> = {
  phone: 'Phone number',
  ip: 'IP address or range',
  card: 'Card fingerprint',
  bin: 'BIN',
  email: 'E-mail',
  email_domain: 'E-mail domain',
  device: 'Device id',
  customer: 'Customer id',
  address: 'Postal address',
  name: 'Name',
}

/** What the server expects a value to look like, shown under the value field. */
export const subjectHints: Record<ListSubject, string> = {
  phone: 'Any spelling; stored as +15555550100',
  ip: '203.0.113.7, or a range such as 203.0.113.0/24',
  card: 'The card fingerprint from a decision',
  bin: '6 to 8 digits',
  email: 'ann@example.com',
  email_domain: 'example.com',
  device: 'The device id the merchant sends',
  customer: 'The merchant’s customer id',
  address: 'country|postal code|line 1, e.g. US|94107|12 Main St',
  name: 'A full name',
}

export interface List {
  id: string
  name: string
  kind: 'negative' | 'positive'
  description: string
  shared: boolean
  active_entries: number
  created_at: string
}

export interface ListEntry {
  id: string
  list_id: string
  subject: ListSubject
  value: string
  reason: string
  source: string
  added_by: string | null
  /** who added it, named, when one of this workspace's staff did */
  added_by_user?: { id: string; email: string; name: string } | null
  added_at: string
  expires_at: string | null
  removed_at: string | null
  removed_by: string | null
  status: 'active' | 'removed' | 'expired'
}

export interface EntrySearch {
  subject?: string
  q?: string
  as_of?: string
  include_removed?: 'true'
  cursor?: string
}

export interface NewEntry {
  subject: ListSubject
  value: string
  reason: string
  expires_at?: string
}

export interface ListImport {
  id: string
  list_id: string
  status: 'queued' | 'running' | 'completed' | 'failed'
  progress: number
  total_rows: number
  accepted: number
  duplicates: number
  rejected: number
  rejections: { line: number; message: string }[]
  error: string | null
  created_at: string
  started_at: string | null
  finished_at: string | null
}

export interface Sharing {
  reads_shared: boolean
  contributes_shared: boolean
}

const listPath = (id: string) => `/lists/${encodeURIComponent(id)}`

export const listLists = () => api.get<{ lists: List[] }>('/lists').then((body) => body.lists)

export const searchEntries = (listId: string, search: EntrySearch) =>
  api.get<{ entries: ListEntry[]; next_cursor: string | null }>(`${listPath(listId)}/entries`, {
    limit: 50,
    ...search,
  })

export const addEntry = (listId: string, entry: NewEntry) =>
  api.post<ListEntry>(`${listPath(listId)}/entries`, entry)

export const removeEntry = (listId: string, entryId: string) =>
  api.delete<ListEntry>(`${listPath(listId)}/entries/${encodeURIComponent(entryId)}`)

export const startImport = (listId: string, csv: Blob | string) =>
  api.upload<ListImport>(`${listPath(listId)}/imports`, csv, 'text/csv')

export const readImport = (listId: string, importId: string) =>
  api.get<ListImport>(`${listPath(listId)}/imports/${encodeURIComponent(importId)}`)

/** A plain link: the browser downloads it with the session cookie, streamed by the server. */
export const exportHref = (listId: string) => `${API_BASE}${listPath(listId)}/export.csv`

export const readSharing = () => api.get<Sharing>('/sharing')
export const writeSharing = (sharing: Sharing) => api.put<Sharing>('/sharing', sharing)

// Lists: the tenant's negative and positive lists, their entries (now or as of a time), adding and
// removing entries, CSV imports polled to the end, the export link and the shared-list opt-ins.
import type { QueryParams, RequestBody, ResponseBody, Schema } from '../../api/types.ts'
import { API_BASE, api } from '../../lib/api.ts'

export type ListSubject = ListEntry['subject']

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
] as const satisfies readonly ListSubject[]

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

export type List = Schema<'List'>
export type ListEntry = Schema<'ListEntry'>
/** The search as the page keeps it: the subject is text from the address bar, which the server checks. */
export type EntrySearch = Omit<QueryParams<'/admin/v1/lists/{id}/entries', 'get'>, 'limit' | 'subject'> & {
  subject?: string
}
/** What the add form sends: always a reason, empty when none was given. */
export type NewEntry = RequestBody<'/admin/v1/lists/{id}/entries', 'post'> & { reason: string }
export type ListImport = Schema<'ListImport'>
export type Sharing = Schema<'Sharing'>

const listPath = (id: string) => `/lists/${encodeURIComponent(id)}`

export const listLists = () =>
  api.get<ResponseBody<'/admin/v1/lists', 'get'>>('/lists').then((body) => body.lists)

export const searchEntries = (listId: string, search: EntrySearch) =>
  api.get<ResponseBody<'/admin/v1/lists/{id}/entries', 'get'>>(`${listPath(listId)}/entries`, {
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

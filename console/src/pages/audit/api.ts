// The audit log: every change with who, when, and what it was before and after.
import { api } from '../../lib/api.ts'

export interface AuditEntry {
  id: number
  at: string
  actor: { id: string | null; email: string | null }
  action: string
  entity_type: string
  entity_id: string
  before: unknown
  after: unknown
}

export interface AuditPage {
  entries: AuditEntry[]
  next_before: number | null
}

export const PAGE_SIZE = 50

export const readAudit = (before: number | undefined) =>
  api.get<AuditPage>('/audit', { limit: PAGE_SIZE, before })

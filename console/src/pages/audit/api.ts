// The audit log: every change with who, when, and what it was before and after.
import { api } from '../../lib/api.ts'

export interface AuditFieldChange {
  field: string
  before: unknown
  after: unknown
}

export interface AuditRuleRef {
  id: string
  name: string | null
}

export interface AuditEntry {
  id: number
  at: string
  actor: { id: string | null; email: string | null; name: string | null }
  action: string
  entity_type: string
  entity_id: string
  /** what the entry is about, named by the server: a rule set's name, a user's name and e-mail… */
  entity_label: string | null
  /** the change field by field, people and lists already named */
  changes: AuditFieldChange[]
  /** a rule set definition's change */
  rules: {
    added: AuditRuleRef[]
    removed: AuditRuleRef[]
    changed: (AuditRuleRef & { changes: AuditFieldChange[] })[]
  } | null
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

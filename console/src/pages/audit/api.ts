// The audit log: every change with who, when, and what it was before and after.
import type { ResponseBody, Schema } from '../../api/types.ts'
import { api } from '../../lib/api.ts'

export type AuditEntry = Schema<'AuditEntry'>
export type AuditPage = ResponseBody<'/admin/v1/audit', 'get'>
export type AuditFieldChange = AuditEntry['changes'][number]
export type AuditRuleRef = NonNullable<AuditEntry['rules']>['added'][number]

export const PAGE_SIZE = 50

export const readAudit = (before: number | undefined) =>
  api.get<AuditPage>('/audit', { limit: PAGE_SIZE, before })

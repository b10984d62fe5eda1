// The audit trail: who changed what, when, with the before and after. Written in the same
// transaction as the change it records.
import type { Db } from '../../db/connect.ts'
import { jsonb } from '../../db/json.ts'

export interface Actor {
  id: string
  email: string
}

export async function recordAudit(
  db: Db,
  tenantId: string,
  actor: Actor | null,
  entry: { action: string; entityType: string; entityId: string; before?: unknown; after?: unknown },
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      tenant_id: tenantId,
      actor_id: actor?.id ?? null,
      actor_email: actor?.email ?? null,
      action: entry.action,
      entity_type: entry.entityType,
      entity_id: entry.entityId,
      before: entry.before === undefined ? null : jsonb(entry.before),
      after: entry.after === undefined ? null : jsonb(entry.after),
    })
    .execute()
}

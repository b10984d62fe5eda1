// Staff members as people read them (name and e-mail) in place of their ids, for the admin API's
// answers: the audit log's actors and changes, and who added or removed a list entry.
import type { Db } from '../../db/connect.ts'

export interface UserName {
  id: string
  email: string
  name: string
}

/** The tenant's users among these ids; an id of another tenant or of nobody is left out. */
export async function userNames(
  db: Db,
  tenantId: string,
  ids: (string | null)[],
): Promise<Map<string, UserName>> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))]
  if (!wanted.length) return new Map()
  const rows = await db
    .selectFrom('users')
    .select(['id', 'email', 'name'])
    .where('tenant_id', '=', tenantId)
    .where('id', 'in', wanted)
    .execute()
  return new Map(rows.map((r) => [r.id, r] as const))
}

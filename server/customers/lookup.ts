// A read-only twin of identifyCustomer: who this request would be recognised as, without creating
// the customer or touching last-seen times. For simulation, where nothing may be written.
import type { Db } from '../../db/connect.ts'
import type { CapturedRequest } from '../../rules/request.ts'
import { type IdentifiedCustomer, identityKeys } from './identify.ts'

export async function findCustomer(
  db: Db,
  tenantId: string,
  request: CapturedRequest,
): Promise<IdentifiedCustomer | null> {
  const keys = identityKeys(request)
  if (!keys.length) return null
  const found = await db
    .selectFrom('customer_identifiers')
    .select(['kind', 'value', 'customer_id'])
    .where('tenant_id', '=', tenantId)
    .where((eb) =>
      eb.or(keys.map(([kind, value]) => eb.and([eb('kind', '=', kind), eb('value', '=', value)]))),
    )
    .execute()
  // the strongest key wins, as it does for a live decision
  const strongest = keys
    .map(([kind, value]) => found.find((f) => f.kind === kind && f.value === value))
    .find(Boolean)
  return strongest ? { id: strongest.customer_id, returning: true } : null
}

// The two conditions every "is this value on a list" query shares, for the live fact source, the
// admin lookups and anything else that asks: whose entries count (the tenant's own, and the shared
// lists' when the tenant reads them) and how a value matches (IP ranges by cidr containment).
import { type RawBuilder, type SqlBool, sql } from 'kysely'
import type { ListSubject } from '../../rules/schema.ts'

/** The tenant id the shared lists live under; createTenant and API keys refuse it. */
export const SHARED_TENANT = 'shared'

/** `alias`.tenant_id is the tenant's, or the shared lists' when the tenant has opted in to read them. */
export function readableBy(alias: string, tenantId: string) {
  return sql<SqlBool>`${sql.ref(`${alias}.tenant_id`)} in (select ${tenantId}::text union all
    select ${SHARED_TENANT}::text from tenant_sharing where tenant_id = ${tenantId} and reads_shared)`
}

/** `alias` holds one of the values: by equality, or for ip by a range (or address) that contains it. */
export function holdsValue(alias: string, subject: ListSubject, values: string[]) {
  const value = sql.ref(`${alias}.value`)
  if (subject !== 'ip') return sql<SqlBool>`${value} in (${sql.join(values)})`
  const network = sql.ref(`${alias}.network`)
  const contained = values.map((v) => sql<SqlBool>`${network} >>= cast(${v} as inet)`)
  return sql<SqlBool>`(${value} in (${sql.join(values)}) or ${sql.join(contained, sql` or `)})`
}

/**
 * `alias` counts at `at`: added by then and neither removed nor expired by then. A live decision
 * passes null and sees every committed entry that is neither removed nor expired now, never
 * trusting clocks across processes; a backtest passes the decision's time, or a column of it.
 */
export function inForce(alias: string, at: Date | RawBuilder<Date> | null) {
  const column = (name: string) => sql.ref(`${alias}.${name}`)
  if (at === null)
    return sql<SqlBool>`(${column('removed_at')} is null and (${column('expires_at')} is null or ${column('expires_at')} > now()))`
  return sql<SqlBool>`(${column('added_at')} <= ${at} and (${column('removed_at')} is null or ${column('removed_at')} > ${at})
    and (${column('expires_at')} is null or ${column('expires_at')} > ${at}))`
}

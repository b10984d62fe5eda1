// The SQL side of the identity, institution and payment facts (rules/facts/check-sources.ts), as of
// a time like every fact source: live decisions pass asOf = null and see everything committed; a
// backtest or shadow run passes the decision's time. Reference data is the tenant's own plus the
// product-wide entries kept under the reserved "shared" tenant; at equal length the tenant's wins.
import { type ExpressionBuilder, sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { Database } from '../../db/schema.ts'
import type { CheckSources, MismatchSubject } from '../../rules/facts/check-sources.ts'
import {
  type AvsResult,
  avsResults,
  type CvcResult,
  cvcResults,
  type PaymentVerification,
} from '../../rules/payment-checks.ts'
import { SHARED_TENANT } from '../lists/membership.ts'

const mismatchColumn: Record<MismatchSubject, 'customer_id' | 'phone' | 'ip'> = {
  customer: 'customer_id',
  phone: 'phone',
  ip: 'ip',
}

/** Every prefix of a value from `shortest` characters on, longest first: the candidates of a longest-prefix match. */
export function prefixesOf(value: string, shortest: number): string[] {
  const prefixes: string[] = []
  for (let length = value.length; length >= shortest; length--) prefixes.push(value.slice(0, length))
  return prefixes
}

function isAvsResult(value: string): value is AvsResult {
  return (avsResults as readonly string[]).includes(value)
}
function isCvcResult(value: string): value is CvcResult {
  return (cvcResults as readonly string[]).includes(value)
}

export function checkFactSources(db: Db, tenantId: string, asOf: Date | null): Required<CheckSources> {
  // an entry counts when it was added by then and not removed by then
  const inForce = (eb: ExpressionBuilder<Database, 'reference_ranges'>) =>
    asOf
      ? eb.and([
          eb('added_at', '<=', asOf),
          eb.or([eb('removed_at', 'is', null), eb('removed_at', '>', asOf)]),
        ])
      : eb('removed_at', 'is', null)
  const ownFirst = sql`case when tenant_id = ${tenantId} then 0 else 1 end`

  return {
    async referenceCategory(kind, value) {
      const query = db
        .selectFrom('reference_ranges')
        .select('category')
        .where('tenant_id', 'in', [tenantId, SHARED_TENANT])
        .where('kind', '=', kind)
        .where(inForce)
      const row =
        kind === 'phone_prefix'
          ? await query
              .where('value', 'in', prefixesOf(value, 2))
              .orderBy(sql`length(value)`, 'desc')
              .orderBy(ownFirst)
              .limit(1)
              .executeTakeFirst()
          : await query
              .where(sql<boolean>`network >>= cast(${value} as inet)`)
              .orderBy(sql`masklen(network)`, 'desc')
              .orderBy(ownFirst)
              .limit(1)
              .executeTakeFirst()
      return row?.category ?? null
    },

    async binInfo(bin) {
      const row = await db
        .selectFrom('reference_ranges')
        .select(['category', 'country'])
        .where('tenant_id', 'in', [tenantId, SHARED_TENANT])
        .where('kind', '=', 'bin')
        .where('value', 'in', prefixesOf(bin, 4))
        .where(inForce)
        .orderBy(sql`length(value)`, 'desc')
        .orderBy(ownFirst)
        .limit(1)
        .executeTakeFirst()
      return row ? { country: row.country, funding: row.category } : null
    },

    async deviceSeenBefore(customerId, deviceId, before) {
      const row = await db
        .selectFrom('customer_identifiers')
        .select('first_seen_at')
        .where('tenant_id', '=', tenantId)
        .where('kind', '=', 'device')
        .where('value', '=', deviceId)
        .where('customer_id', '=', customerId)
        .where('first_seen_at', '<', asOf && asOf < before ? asOf : before)
        .executeTakeFirst()
      return row !== undefined
    },

    async recentMismatches(subject, value, since) {
      const row = await db
        .selectFrom('identity_mismatches')
        .select((eb) => eb.fn.countAll<string | number | bigint>().as('n'))
        .where('tenant_id', '=', tenantId)
        .where(mismatchColumn[subject], '=', value)
        .where('occurred_at', '>=', since)
        .$if(asOf !== null, (q) => q.where('occurred_at', '<', asOf as Date))
        .executeTakeFirst()
      return Number(row?.n ?? 0)
    },

    // Only the recorded answer: a live decision's gateway call is made by the live source that
    // service.ts puts in front of this one. A replay without a recorded answer sees "unavailable".
    async paymentVerification(request, at) {
      const fingerprint = request.payment_method?.card?.fingerprint
      if (!fingerprint || asOf === null) return null
      const row = await db
        .selectFrom('payment_verifications')
        .select(['avs_code', 'avs_result', 'cvc_result', 'name_match'])
        .where('tenant_id', '=', tenantId)
        .where('decided_at', '=', at)
        .where('fingerprint', '=', fingerprint)
        .executeTakeFirst()
      if (!row) return null
      const verification: PaymentVerification = {
        avs_code: row.avs_code,
        avs_result: isAvsResult(row.avs_result) ? row.avs_result : 'unavailable',
        cvc_result: isCvcResult(row.cvc_result) ? row.cvc_result : 'unavailable',
        name_match: row.name_match,
      }
      return verification
    },
  }
}

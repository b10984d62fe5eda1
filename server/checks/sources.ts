// The SQL side of the identity, institution and payment facts (rules/facts/check-sources.ts), as of
// a time like every fact source: live decisions pass asOf = null and see everything committed; a
// backtest or shadow run passes the decision's time. Reference data is the tenant's own plus the
// product-wide entries kept under the reserved "shared" tenant; at equal length the tenant's wins.
import { CompiledQuery, sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { CheckSources, MismatchSubject } from '../../rules/facts/check-sources.ts'
import {
  type AvsResult,
  avsResults,
  type CvcResult,
  cvcResults,
  type PaymentVerification,
} from '../../rules/payment-checks.ts'
import { type ReadGatherer, reader } from '../decision-store/pipeline.ts'
import { askedTogether } from '../decision-store/together.ts'
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

interface ReferenceAsk {
  kind: 'phone_prefix' | 'ip_range' | 'bin'
  value: string
  prefixes: string[]
}

type ReferenceRow = { category: string; country: string | null } | null

export function checkFactSources(
  db: Db,
  tenantId: string,
  asOf: Date | null,
  /** a live decision's gatherer: these lookups join the others of their turn in one statement */
  gather?: ReadGatherer,
): Required<CheckSources> {
  const read = reader(db, gather)
  // The line-type, IP-institution and BIN questions of one turn of the event loop share one query:
  // a lateral lookup per question, longest prefix (or narrowest range) first, the tenant's own
  // entry before the shared one at equal length.
  const askReference = askedTogether(async (asks: ReferenceAsk[]): Promise<ReferenceRow[]> => {
    const questions = asks.map((ask, i) => ({
      i,
      kind: ask.kind,
      value: ask.value,
      prefixes: ask.prefixes,
    }))
    const inForceSql = asOf
      ? sql`r.added_at <= ${asOf} and (r.removed_at is null or r.removed_at > ${asOf})`
      : sql`r.removed_at is null`
    const rows = await read<{ i: number; category: string; country: string | null }>(
      sql`
        select q.i, hit.category, hit.country
        from jsonb_to_recordset(cast(${JSON.stringify(questions)}::text as jsonb))
          as q(i int, kind text, value text, prefixes jsonb)
        cross join lateral (
          select r.category, r.country
          from reference_ranges r
          where r.tenant_id in (${tenantId}, ${SHARED_TENANT})
            and r.kind = q.kind
            and ${inForceSql}
            and case when q.kind = 'ip_range'
                  then r.network >>= cast(q.value as inet)
                  else r.value in (select jsonb_array_elements_text(q.prefixes)) end
          order by case when q.kind = 'ip_range' then masklen(r.network) else length(r.value) end desc,
                   case when r.tenant_id = ${tenantId} then 0 else 1 end
          limit 1
        ) hit`.compile(db),
    )
    const byAsk = new Map(rows.map((row) => [Number(row.i), row]))
    return asks.map((_, i) => {
      const row = byAsk.get(i)
      return row ? { category: row.category, country: row.country } : null
    })
  })

  return {
    referenceCategory(kind, value) {
      return askReference({
        kind,
        value,
        prefixes: kind === 'phone_prefix' ? prefixesOf(value, 2) : [],
      }).then((row) => row?.category ?? null)
    },

    binInfo(bin) {
      return askReference({ kind: 'bin', value: bin, prefixes: prefixesOf(bin, 4) }).then((row) =>
        row ? { country: row.country, funding: row.category } : null,
      )
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

    async customerVerified(customerId, before) {
      // a replay sees only what was decided and resolved before the decision it replays
      const at = asOf && asOf < before ? asOf : before
      const rows = await read<{ verified: number }>(
        CompiledQuery.raw(
          `select 1 as verified from decisions where tenant_id = $1 and customer_id = $2 and created_at < $3 and (outcome in ('approve', 'limit') or (resolution ->> 'outcome' = 'approve' and cast(resolution ->> 'resolved_at' as timestamptz) < $3)) limit 1`,
          [tenantId, customerId, at],
        ),
      )
      return rows.length > 0
    },

    async recentMismatches(subject, value, since) {
      // fixed text per subject, as the usage and list lookups: building it with Kysely for every
      // decision cost more than running it
      const [row] = await read<{ n: string | number }>(
        CompiledQuery.raw(
          `select count(*) as n from identity_mismatches where tenant_id = $1 and ${mismatchColumn[subject]} = $2 and occurred_at >= $3${asOf === null ? '' : ' and occurred_at < $4'}`,
          asOf === null ? [tenantId, value, since] : [tenantId, value, since, asOf],
        ),
      )
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

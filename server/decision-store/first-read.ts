// What a decision reads once its subject locks are held — an earlier decision with the same
// Idempotency-Key, the rows the request's keys identify, the API key it came with and where its
// tenant's deciding version is — and the lock on the customer those rows point at, so requests
// reaching one customer through different keys still queue behind each other. The usage that lock
// protects is read by later statements, which see what the decisions before this one committed.
//
// The decisions of one batch (batcher.ts) ask together, in one statement of fixed text:
// their questions travel as JSON rows (json_to_recordset), so PostgreSQL prepares and plans it
// once per connection however many decisions a batch has. The customer locks of a batch are taken
// in ascending order, like the subject locks, so two batches never wait on each other in a cycle.
import { CompiledQuery } from 'kysely'
import type { FoundIdentifier } from '../customers/identify.ts'
import { lockKeyText } from '../locks.ts'
import type { RuleSetPointer } from '../rule-sets/active.ts'
import type { Pipeline } from './pipeline.ts'
import { askedTogether } from './together.ts'

export type KeyRow = RuleSetPointer & { id: string; revoked_at: string | null }

export interface FirstReadAsk {
  tenantId: string
  /** the request's identity keys, strongest first */
  keys: [kind: string, value: string][]
  idempotencyKey: string | undefined
  /** an API key taken from this process's cache, read again here */
  keyId: string | undefined
}

export interface FirstRead {
  prior: { response: unknown; request_hash: string | null } | null
  found: FoundIdentifier[]
  key: KeyRow | null
}

const statement = `with u as (
    select * from json_to_recordset($1::text::json) as u(n int, tenant_id text, idempotency_key text, key_id text)
  ), k as (
    select * from json_to_recordset($2::text::json) as k(n int, kind text, value text, rank int)
  ), found as (
    -- each key by the primary key, in a lateral subquery whose LIMIT keeps the planner from making
    -- it a join it might cache as a scan of the tenant's whole table
    select k.n, k.rank, i.tenant_id, i.kind, i.value, i.customer_id, i.last_seen_at,
        c.last_seen_at as customer_last_seen_at, c.external_id as customer_external_id
      from k join u on u.n = k.n
      cross join lateral (select * from customer_identifiers
        where tenant_id = u.tenant_id and kind = k.kind and value = k.value limit 1) i
      cross join lateral (select last_seen_at, external_id from customers
        where tenant_id = i.tenant_id and id = i.customer_id limit 1) c
  ), strongest as (
    select distinct on (n) n, tenant_id, customer_id from found order by n, rank
  ), locked as (
    select count(pg_advisory_xact_lock(s.key)) as customers from (
      select distinct ${lockKeyText('tenant_id', `'customer:' || customer_id`)} as key from strongest order by 1
    ) s
  )
  select u.n,
    (select row_to_json(p) from (select d.response, d.request_hash from decisions d
      where d.tenant_id = u.tenant_id and d.idempotency_key = u.idempotency_key) p) as prior,
    (select coalesce(json_agg(json_build_object('kind', f.kind, 'value', f.value,
        'customer_id', f.customer_id, 'last_seen_at', f.last_seen_at,
        'customer_last_seen_at', f.customer_last_seen_at,
        'customer_external_id', f.customer_external_id)), '[]'::json)
      from found f where f.n = u.n) as found,
    (select row_to_json(a) from (select ak.id, ak.revoked_at, t.time_zone, rs.id as rule_set_id,
        rs.active_version, rs.shadow_version
      from api_keys ak join tenants t on t.tenant_id = ak.tenant_id
      left join rule_sets rs on rs.tenant_id = t.tenant_id and rs.id = t.decision_rule_set_id
      where ak.tenant_id = u.tenant_id and ak.id = u.key_id) a) as key
  from u cross join locked
  order by u.n`

const parse = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T

/** Collects the first reads asked in one turn on one transaction, and sends them as one statement. */
export class FirstReads {
  readonly read: (ask: FirstReadAsk) => Promise<FirstRead>

  constructor(pipeline: Pipeline) {
    // the decisions of a batch all ask as they start, in the same turn
    this.read = askedTogether(async (asks: FirstReadAsk[]): Promise<FirstRead[]> => {
      const units = asks.map((ask, n) => ({
        n,
        tenant_id: ask.tenantId,
        idempotency_key: ask.idempotencyKey ?? null,
        key_id: ask.keyId ?? null,
      }))
      const keys = asks.flatMap((ask, n) => ask.keys.map(([kind, value], rank) => ({ n, kind, value, rank })))
      const { rows } = await pipeline.send(
        CompiledQuery.raw(statement, [JSON.stringify(units), JSON.stringify(keys)]),
      )
      const reads: FirstRead[] = []
      for (const row of rows as { n: number; prior: unknown; found: unknown; key: unknown }[])
        reads[row.n] = {
          prior: parse(row.prior) ?? null,
          found: parse(row.found) ?? [],
          key: parse(row.key) ?? null,
        }
      return reads
    })
  }
}

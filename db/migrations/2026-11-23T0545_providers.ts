// External data providers (figure 10, steps 1014–1016): each tenant's configured providers — an
// ANI / line-type database, a credit bureau, a check approval service — and every call a decision
// made to one, with its outcome and timings, so the explanation shows what happened and replays
// read the recorded answer instead of calling again.
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and never import application types
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`

  // url: absolute, or a path resolved against the server's own base URL (the demo's sandbox).
  // fail_policy: fail_open | fail_closed. secret_sealed: the auth header's token, sealed with the
  // deployment key; null sends none.
  await db.schema
    .createTable('data_providers')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('timeout_ms', 'integer', (c) => c.notNull())
    .addColumn('retries', 'integer', (c) => c.notNull())
    .addColumn('fail_policy', 'text', (c) => c.notNull())
    .addColumn('cache_ttl_seconds', 'integer', (c) => c.notNull())
    .addColumn('breaker_threshold', 'integer', (c) => c.notNull())
    .addColumn('breaker_reset_ms', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull())
    .addColumn('secret_sealed', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('data_providers_pk', ['tenant_id', 'id'])
    .execute()
  // one enabled provider per kind: the facts name a kind, not a provider
  await sql`create unique index data_providers_enabled_kind on data_providers (tenant_id, kind)
            where enabled`.execute(db)

  // One row per provider a decision asked. query_key is a hash of the normalized query (never a
  // card or account number); replays find the answer by decision time and query_key.
  await db.schema
    .createTable('provider_calls')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('decision_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('provider_id', 'text', (c) => c.notNull())
    .addColumn('decided_at', 'timestamptz', (c) => c.notNull())
    .addColumn('query_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('fail_policy', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('answer', 'jsonb')
    .addColumn('error', 'text')
    .addPrimaryKeyConstraint('provider_calls_pk', ['tenant_id', 'decision_id', 'kind'])
    .execute()
  await db.schema
    .createIndex('provider_calls_replay')
    .on('provider_calls')
    .columns(['tenant_id', 'decided_at', 'kind', 'query_key'])
    .execute()
}

// biome-ignore lint/suspicious/noExplicitAny: as above
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('provider_calls').execute()
  await db.schema.dropTable('data_providers').execute()
}

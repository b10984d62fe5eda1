// The review desk's queue, merchants' webhook endpoints with their durable deliveries and attempts,
// and the purchase value limits established per customer (figure 10, steps 1025–1030).
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and never import application types
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`

  // unclaimed reviews older than this escalate; null means the default (15 minutes)
  await db.schema.alterTable('tenants').addColumn('review_escalation_minutes', 'integer').execute()

  await db.schema
    .createTable('reviews')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('decision_id', 'text', (c) => c.notNull())
    /** open | claimed | escalated | resolved */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_at', 'timestamptz')
    .addColumn('escalated_at', 'timestamptz')
    .addColumn('resolved_by', 'text')
    .addColumn('resolved_at', 'timestamptz')
    /** approve | approve_with_limit | block */
    .addColumn('resolution', 'text')
    .addColumn('note', 'text')
    .addColumn('limits', 'jsonb')
    .addPrimaryKeyConstraint('reviews_pk', ['tenant_id', 'decision_id'])
    .addForeignKeyConstraint('reviews_decision_fk', ['tenant_id', 'decision_id'], 'decisions', [
      'tenant_id',
      'id',
    ])
    .execute()
  await db.schema
    .createIndex('reviews_queue')
    .on('reviews')
    .columns(['tenant_id', 'status', 'created_at'])
    .execute()
  // the escalation sweep looks across tenants at open reviews only
  await sql`create index reviews_unclaimed on reviews (created_at) where status = 'open'`.execute(db)

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('events', 'jsonb', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    /** the signing secret, sealed with the server's key (AES-256-GCM) */
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('deleted_at', 'timestamptz')
    .addPrimaryKeyConstraint('webhook_endpoints_pk', ['tenant_id', 'id'])
    .execute()

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    /** the exact bytes sent (and signed), so a retry or replay sends the same event */
    .addColumn('body', 'text', (c) => c.notNull())
    /** pending | succeeded | failed */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'timestamptz')
    .addColumn('last_attempt_at', 'timestamptz')
    .addColumn('delivered_at', 'timestamptz')
    .addColumn('replay_of', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('webhook_deliveries_pk', ['tenant_id', 'id'])
    .addForeignKeyConstraint(
      'webhook_deliveries_endpoint_fk',
      ['tenant_id', 'endpoint_id'],
      'webhook_endpoints',
      ['tenant_id', 'id'],
    )
    .execute()
  await db.schema
    .createIndex('webhook_deliveries_by_endpoint')
    .on('webhook_deliveries')
    .columns(['tenant_id', 'endpoint_id', 'created_at'])
    .execute()
  // the dispatcher's scan: due deliveries across tenants
  await sql`create index webhook_deliveries_due on webhook_deliveries (next_attempt_at)
            where status = 'pending'`.execute(db)

  await db.schema
    .createTable('webhook_attempts')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('response_excerpt', 'text')
    .addColumn('error', 'text')
    .addPrimaryKeyConstraint('webhook_attempts_pk', ['tenant_id', 'delivery_id', 'attempt'])
    .execute()

  await db.schema
    .createTable('customer_limits')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    /** purchase_value */
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('amount', 'int8', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('established_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    /** rule_set | staff */
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('set_by', 'text')
    .addColumn('decision_id', 'text')
    .addColumn('note', 'text')
    .addPrimaryKeyConstraint('customer_limits_pk', ['tenant_id', 'customer_id', 'kind'])
    .execute()
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'customer_limits',
    'webhook_attempts',
    'webhook_deliveries',
    'webhook_endpoints',
    'reviews',
  ])
    await db.schema.dropTable(table).ifExists().execute()
  await db.schema.alterTable('tenants').dropColumn('review_escalation_minutes').execute()
}

// The first schema: tenants, keys, staff, customers and their identifiers, payment methods,
// rule sets, decisions, usage and lists. Every primary key and index leads with tenant_id.
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and never import application types
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`

  await db.schema
    .createTable('tenants')
    .addColumn('tenant_id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull().defaultTo('UTC'))
    .addColumn('default_currency', 'text', (c) => c.notNull().defaultTo('USD'))
    // the rule set whose active version decides this tenant's authorizations
    .addColumn('decision_rule_set_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute()

  await db.schema
    .createTable('api_keys')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.tenant_id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('revoked_at', 'timestamptz')
    .addPrimaryKeyConstraint('api_keys_pk', ['tenant_id', 'id'])
    .addUniqueConstraint('api_keys_hash_uq', ['tenant_id', 'key_hash'])
    .execute()

  await db.schema
    .createTable('users')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.tenant_id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('disabled_at', 'timestamptz')
    .addPrimaryKeyConstraint('users_pk', ['tenant_id', 'id'])
    .addUniqueConstraint('users_email_uq', ['tenant_id', 'email'])
    .execute()

  await db.schema
    .createTable('customers')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.tenant_id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('customers_pk', ['tenant_id', 'id'])
    .execute()

  await db.schema
    .createTable('customer_identifiers')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('customer_identifiers_pk', ['tenant_id', 'kind', 'value'])
    .addForeignKeyConstraint('customer_identifiers_customer_fk', ['tenant_id', 'customer_id'], 'customers', [
      'tenant_id',
      'id',
    ])
    .execute()
  await db.schema
    .createIndex('customer_identifiers_by_customer')
    .on('customer_identifiers')
    .columns(['tenant_id', 'customer_id'])
    .execute()

  await db.schema
    .createTable('payment_methods')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('bin', 'text')
    .addColumn('last4', 'text')
    .addColumn('brand', 'text')
    .addColumn('exp_month', 'integer')
    .addColumn('exp_year', 'integer')
    .addColumn('billing_postal_code', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('last_used_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('payment_methods_pk', ['tenant_id', 'id'])
    .addUniqueConstraint('payment_methods_fingerprint_uq', ['tenant_id', 'fingerprint'])
    .addForeignKeyConstraint('payment_methods_customer_fk', ['tenant_id', 'customer_id'], 'customers', [
      'tenant_id',
      'id',
    ])
    .execute()

  await db.schema
    .createTable('rule_sets')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.tenant_id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('active_version', 'integer')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('rule_sets_pk', ['tenant_id', 'id'])
    .execute()

  await db.schema
    .createTable('rule_set_versions')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('rule_set_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('definition', 'jsonb', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('published_at', 'timestamptz')
    .addPrimaryKeyConstraint('rule_set_versions_pk', ['tenant_id', 'rule_set_id', 'version'])
    .addForeignKeyConstraint('rule_set_versions_rule_set_fk', ['tenant_id', 'rule_set_id'], 'rule_sets', [
      'tenant_id',
      'id',
    ])
    .execute()

  await db.schema
    .createTable('decisions')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text')
    .addColumn('amount_value', 'int8')
    .addColumn('currency', 'text')
    .addColumn('rule_set_id', 'text')
    .addColumn('rule_set_version', 'integer')
    .addColumn('request', 'jsonb', (c) => c.notNull())
    .addColumn('facts', 'jsonb', (c) => c.notNull())
    .addColumn('fired_rules', 'jsonb', (c) => c.notNull())
    .addColumn('response', 'json', (c) => c.notNull())
    .addColumn('idempotency_key', 'text')
    .addColumn('request_hash', 'text')
    .addColumn('evaluation_micros', 'integer', (c) => c.notNull())
    .addColumn('resolution', 'jsonb')
    .addPrimaryKeyConstraint('decisions_pk', ['tenant_id', 'id'])
    .execute()
  await sql`create unique index decisions_idempotency_uq on decisions (tenant_id, idempotency_key)
            where idempotency_key is not null`.execute(db)
  await db.schema
    .createIndex('decisions_by_time')
    .on('decisions')
    .columns(['tenant_id', 'created_at'])
    .execute()
  await db.schema
    .createIndex('decisions_by_customer')
    .on('decisions')
    .columns(['tenant_id', 'customer_id', 'created_at'])
    .execute()

  await db.schema
    .createTable('usage_events')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'int8', (c) => c.generatedAlwaysAsIdentity())
    .addColumn('decision_id', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('customer_id', 'text')
    .addColumn('phone', 'text')
    .addColumn('card_fingerprint', 'text')
    .addColumn('ip', 'text')
    .addColumn('sessions', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('purchases', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('seconds', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('amount', 'int8', (c) => c.notNull().defaultTo(0))
    .addColumn('currency', 'text')
    .addColumn('voided_at', 'timestamptz')
    .addPrimaryKeyConstraint('usage_events_pk', ['tenant_id', 'id'])
    .execute()
  for (const subject of ['customer_id', 'phone', 'card_fingerprint', 'ip']) {
    await db.schema
      .createIndex(`usage_events_by_${subject}`)
      .on('usage_events')
      .columns(['tenant_id', subject, 'occurred_at'])
      .where(sql.ref(subject), 'is not', null)
      .execute()
  }

  await db.schema
    .createTable('lists')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('lists_pk', ['tenant_id', 'id'])
    .execute()

  await db.schema
    .createTable('list_entries')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('list_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('added_by', 'text')
    .addColumn('added_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('removed_at', 'timestamptz')
    .addColumn('expires_at', 'timestamptz')
    .addPrimaryKeyConstraint('list_entries_pk', ['tenant_id', 'list_id', 'id'])
    .addForeignKeyConstraint('list_entries_list_fk', ['tenant_id', 'list_id'], 'lists', ['tenant_id', 'id'])
    .execute()
  // "Is this value on a list as of time T" is the hot lookup: subject and value first.
  await db.schema
    .createIndex('list_entries_lookup')
    .on('list_entries')
    .columns(['tenant_id', 'subject', 'value', 'added_at'])
    .execute()
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'list_entries',
    'lists',
    'usage_events',
    'decisions',
    'rule_set_versions',
    'rule_sets',
    'payment_methods',
    'customer_identifiers',
    'customers',
    'users',
    'api_keys',
    'tenants',
  ]) {
    await db.schema.dropTable(table).ifExists().execute()
  }
}

// Staff sessions and login throttling, the audit log, the rule-set version lifecycle (authors,
// four eyes, shadow), and backtests with their changed decisions and shadow comparisons.
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and never import application types
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`

  await db.schema
    .createTable('staff_sessions')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .addPrimaryKeyConstraint('staff_sessions_pk', ['tenant_id', 'id'])
    .addUniqueConstraint('staff_sessions_token_uq', ['tenant_id', 'token_hash'])
    .execute()
  await db.schema
    .createIndex('staff_sessions_by_user')
    .on('staff_sessions')
    .columns(['tenant_id', 'user_id'])
    .execute()

  await db.schema
    .createTable('login_failures')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('first_failed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('locked_until', 'timestamptz')
    .addPrimaryKeyConstraint('login_failures_pk', ['tenant_id', 'email'])
    .execute()

  await db.schema
    .createTable('audit_log')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'int8', (c) => c.generatedAlwaysAsIdentity())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('actor_id', 'text')
    .addColumn('actor_email', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('before', 'jsonb')
    .addColumn('after', 'jsonb')
    .addPrimaryKeyConstraint('audit_log_pk', ['tenant_id', 'id'])
    .execute()
  await db.schema.createIndex('audit_log_by_time').on('audit_log').columns(['tenant_id', 'at']).execute()
  await db.schema
    .createIndex('audit_log_by_entity')
    .on('audit_log')
    .columns(['tenant_id', 'entity_type', 'entity_id', 'at'])
    .execute()

  await db.schema
    .alterTable('rule_sets')
    .addColumn('four_eyes', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute()
  await db.schema.alterTable('rule_sets').addColumn('shadow_version', 'integer').execute()
  await db.schema.alterTable('rule_set_versions').addColumn('based_on', 'integer').execute()
  await db.schema.alterTable('rule_set_versions').addColumn('last_edited_by', 'text').execute()
  await db.schema
    .alterTable('rule_set_versions')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute()
  await db.schema.alterTable('rule_set_versions').addColumn('published_by', 'text').execute()

  await db.schema
    .createTable('backtests')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('rule_set_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('range_from', 'timestamptz', (c) => c.notNull())
    .addColumn('range_to', 'timestamptz', (c) => c.notNull())
    .addColumn('sample_rate', 'float8')
    /** queued | running | completed | cancelled | failed */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('processed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('changed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rate_per_second', 'float8')
    /** the last decision replayed, (created_at, id), so a restarted server resumes where it stopped */
    .addColumn('cursor_at', 'timestamptz')
    .addColumn('cursor_id', 'text')
    .addColumn('matrix', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('rule_hits', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('error', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addColumn('lease_until', 'timestamptz')
    .addPrimaryKeyConstraint('backtests_pk', ['tenant_id', 'id'])
    .execute()
  await db.schema
    .createIndex('backtests_by_status')
    .on('backtests')
    .columns(['status', 'lease_until'])
    .execute()

  await db.schema
    .createTable('backtest_changes')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('backtest_id', 'text', (c) => c.notNull())
    .addColumn('decision_id', 'text', (c) => c.notNull())
    .addColumn('decided_at', 'timestamptz', (c) => c.notNull())
    .addColumn('old_outcome', 'text', (c) => c.notNull())
    .addColumn('new_outcome', 'text', (c) => c.notNull())
    .addColumn('new_rules', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('backtest_changes_pk', ['tenant_id', 'backtest_id', 'decision_id'])
    .execute()

  await db.schema
    .createTable('shadow_results')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('rule_set_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('decision_id', 'text', (c) => c.notNull())
    .addColumn('decided_at', 'timestamptz', (c) => c.notNull())
    .addColumn('live_outcome', 'text', (c) => c.notNull())
    .addColumn('shadow_outcome', 'text', (c) => c.notNull())
    .addColumn('shadow_rules', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('shadow_results_pk', ['tenant_id', 'rule_set_id', 'version', 'decision_id'])
    .execute()
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'shadow_results',
    'backtest_changes',
    'backtests',
    'audit_log',
    'login_failures',
    'staff_sessions',
  ])
    await db.schema.dropTable(table).ifExists().execute()
  for (const column of ['four_eyes', 'shadow_version'])
    await db.schema.alterTable('rule_sets').dropColumn(column).execute()
  for (const column of ['based_on', 'last_edited_by', 'updated_at', 'published_by'])
    await db.schema.alterTable('rule_set_versions').dropColumn(column).execute()
}

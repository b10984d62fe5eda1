// Money (step 6): service lines and their rating, the tenant's billing settings, payments and every
// call made to the gateway for them, the append-only double-entry ledger, billable sessions and
// their legs, representatives and their pay. Amounts are integer minor units of `currency`, whose
// exponent (0, 2 or 3 decimals) comes from ISO 4217.
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and never import application types
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`

  // What a session is billed at. Billing increments: the first period is billed whole once
  // connected, then each increment begun (60/60, 30/6, 6/6, 1/1). hold_policy: fixed (hold_amount)
  // or minutes (connect fee + rate × hold_minutes). mode: conference (billed from the first
  // representative's connect to the last one's disconnect) or chat_room (the customer's own leg).
  await db.schema
    .createTable('service_lines')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('rate_per_minute', 'int8', (c) => c.notNull())
    .addColumn('connect_fee', 'int8', (c) => c.notNull().defaultTo(0))
    .addColumn('first_period_seconds', 'integer', (c) => c.notNull())
    .addColumn('increment_seconds', 'integer', (c) => c.notNull())
    .addColumn('hold_policy', 'text', (c) => c.notNull())
    .addColumn('hold_amount', 'int8')
    .addColumn('hold_minutes', 'integer')
    .addColumn('mode', 'text', (c) => c.notNull().defaultTo('conference'))
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('service_lines_pk', ['tenant_id', 'id'])
    .execute()

  // One row per tenant. gateway: sandbox | stripe; gateway_secret_sealed: the gateway's secret
  // key sealed with TOLLGATE_SECRET. settlement: capture_and_release | reverse_and_recharge |
  // credit_difference. heartbeat_timeout_seconds: a live session silent this long is ended.
  await db.schema
    .createTable('billing_settings')
    .addColumn('tenant_id', 'text', (c) => c.notNull().primaryKey())
    .addColumn('gateway', 'text', (c) => c.notNull().defaultTo('sandbox'))
    .addColumn('gateway_secret_sealed', 'text')
    .addColumn('gateway_account', 'text')
    .addColumn('settlement', 'text', (c) => c.notNull().defaultTo('capture_and_release'))
    .addColumn('heartbeat_timeout_seconds', 'integer', (c) => c.notNull().defaultTo(90))
    .addColumn('updated_by', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute()

  // A payment: a hold (authorized, then captured / voided / expired) or a direct charge.
  // status: pending | authorized | captured | voided | expired | refunded | failed | unknown.
  // amount_authorized is what the hold covers; captured and refunded only grow.
  await db.schema
    .createTable('payments')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('decision_id', 'text')
    .addColumn('session_id', 'text')
    .addColumn('customer_id', 'text')
    .addColumn('payment_method_id', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount_authorized', 'int8', (c) => c.notNull().defaultTo(0))
    .addColumn('amount_captured', 'int8', (c) => c.notNull().defaultTo(0))
    .addColumn('amount_refunded', 'int8', (c) => c.notNull().defaultTo(0))
    .addColumn('gateway', 'text', (c) => c.notNull())
    .addColumn('gateway_reference', 'text')
    .addColumn('failure_code', 'text')
    .addColumn('failure_message', 'text')
    .addColumn('expires_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('payments_pk', ['tenant_id', 'id'])
    .execute()
  await db.schema
    .createIndex('payments_decision')
    .on('payments')
    .columns(['tenant_id', 'decision_id'])
    .execute()
  await db.schema
    .createIndex('payments_session')
    .on('payments')
    .columns(['tenant_id', 'session_id'])
    .execute()
  await sql`create index payments_open on payments (tenant_id, status) where status in ('pending', 'authorized', 'unknown')`.execute(
    db,
  )

  // Every call to the gateway, written with its idempotency key before the call is made, so a retry
  // (or the reconciler after a crash) sends the same key and is never charged twice.
  // operation: authorize | capture | void | refund | charge | increment.
  // status: pending | succeeded | declined | failed | unknown.
  await db.schema
    .createTable('payment_operations')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('payment_id', 'text', (c) => c.notNull())
    .addColumn('operation', 'text', (c) => c.notNull())
    .addColumn('amount', 'int8', (c) => c.notNull().defaultTo(0))
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('gateway_reference', 'text')
    .addColumn('decline_code', 'text')
    .addColumn('message', 'text')
    .addColumn('requested_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('completed_at', 'timestamptz')
    .addColumn('next_check_at', 'timestamptz')
    .addPrimaryKeyConstraint('payment_operations_pk', ['tenant_id', 'id'])
    .addUniqueConstraint('payment_operations_key', ['tenant_id', 'idempotency_key'])
    .execute()
  await db.schema
    .createIndex('payment_operations_payment')
    .on('payment_operations')
    .columns(['tenant_id', 'payment_id'])
    .execute()
  await sql`create index payment_operations_unsettled on payment_operations (next_check_at)
            where status in ('pending', 'unknown')`.execute(db)

  // The double-entry ledger: a transaction is two or more entries whose debits equal its credits
  // per currency. Append-only: balances are sums, nothing is updated or deleted.
  await db.schema
    .createTable('ledger_entries')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'int8', (c) => c.generatedAlwaysAsIdentity())
    .addColumn('transaction_id', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('debit', 'int8', (c) => c.notNull().defaultTo(0))
    .addColumn('credit', 'int8', (c) => c.notNull().defaultTo(0))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payment_id', 'text')
    .addColumn('session_id', 'text')
    .addColumn('representative_id', 'text')
    .addColumn('memo', 'text', (c) => c.notNull().defaultTo(''))
    .addPrimaryKeyConstraint('ledger_entries_pk', ['tenant_id', 'id'])
    .addCheckConstraint(
      'ledger_entries_one_side',
      sql`(debit > 0 and credit = 0) or (credit > 0 and debit = 0)`,
    )
    .execute()
  await db.schema
    .createIndex('ledger_entries_transaction')
    .on('ledger_entries')
    .columns(['tenant_id', 'transaction_id'])
    .execute()
  await db.schema
    .createIndex('ledger_entries_payment')
    .on('ledger_entries')
    .columns(['tenant_id', 'payment_id'])
    .execute()
  await db.schema
    .createIndex('ledger_entries_session')
    .on('ledger_entries')
    .columns(['tenant_id', 'session_id'])
    .execute()
  await sql`create function ledger_entries_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'ledger entries are append-only';
    end $$`.execute(db)
  await sql`create trigger ledger_entries_append_only before update or delete on ledger_entries
            for each row execute function ledger_entries_append_only()`.execute(db)

  // A billable session. status: live | ended | settled. mode: conference | chat_room.
  // granted_seconds and reserved_amount are reserved against the allowances while live; settlement
  // replaces them with billed_seconds and charge_amount. rating: the itemised charge.
  await db.schema
    .createTable('sessions')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('decision_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text')
    .addColumn('payment_method_id', 'text')
    .addColumn('service_line_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('hold_payment_id', 'text')
    .addColumn('granted_seconds', 'integer')
    .addColumn('reserved_amount', 'int8', (c) => c.notNull().defaultTo(0))
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_heartbeat_at', 'timestamptz', (c) => c.notNull())
    .addColumn('billing_started_at', 'timestamptz')
    .addColumn('billing_ended_at', 'timestamptz')
    .addColumn('ended_at', 'timestamptz')
    .addColumn('end_reason', 'text')
    .addColumn('billed_seconds', 'integer')
    .addColumn('charge_amount', 'int8')
    .addColumn('rating', 'jsonb')
    .addColumn('settled_at', 'timestamptz')
    .addColumn('settlement', 'text')
    .addColumn('idempotency_key', 'text')
    .addColumn('request_hash', 'text')
    .addPrimaryKeyConstraint('sessions_pk', ['tenant_id', 'id'])
    .execute()
  await sql`create unique index sessions_idempotency on sessions (tenant_id, idempotency_key)
            where idempotency_key is not null`.execute(db)
  await sql`create index sessions_live on sessions (last_heartbeat_at) where status = 'live'`.execute(db)
  await db.schema
    .createIndex('sessions_started')
    .on('sessions')
    .columns(['tenant_id', 'started_at'])
    .execute()

  // A party's time on a session. party: representative | customer.
  await db.schema
    .createTable('session_legs')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('party', 'text', (c) => c.notNull())
    .addColumn('representative_id', 'text')
    .addColumn('connected_at', 'timestamptz', (c) => c.notNull())
    .addColumn('disconnected_at', 'timestamptz')
    .addPrimaryKeyConstraint('session_legs_pk', ['tenant_id', 'session_id', 'id'])
    .execute()
  await db.schema
    .createIndex('session_legs_representative')
    .on('session_legs')
    .columns(['tenant_id', 'representative_id', 'connected_at'])
    .execute()

  // pay_plan: share (pay_share_bps of the session's billing, in basis points) | per_minute
  // (pay_rate_per_minute of their own connected time, in pay_currency).
  await db.schema
    .createTable('representatives')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('extension', 'text', (c) => c.notNull())
    .addColumn('pay_plan', 'text', (c) => c.notNull())
    .addColumn('pay_share_bps', 'integer')
    .addColumn('pay_rate_per_minute', 'int8')
    .addColumn('pay_currency', 'text', (c) => c.notNull())
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('representatives_pk', ['tenant_id', 'id'])
    .addUniqueConstraint('representatives_extension', ['tenant_id', 'extension'])
    .execute()

  // What a representative earned for one leg of one session, accrued at settlement (and on the ledger).
  await db.schema
    .createTable('pay_accruals')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('representative_id', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('leg_id', 'text', (c) => c.notNull())
    .addColumn('seconds', 'integer', (c) => c.notNull())
    .addColumn('amount', 'int8', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('pay_plan', 'text', (c) => c.notNull())
    .addColumn('accrued_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('pay_accruals_pk', ['tenant_id', 'id'])
    .addUniqueConstraint('pay_accruals_leg', ['tenant_id', 'session_id', 'leg_id'])
    .execute()
  await db.schema
    .createIndex('pay_accruals_period')
    .on('pay_accruals')
    .columns(['tenant_id', 'accrued_at', 'representative_id'])
    .execute()

  // A stored form of payment is charged again through the gateway's token for it (never the number).
  await db.schema.alterTable('payment_methods').addColumn('gateway', 'text').execute()
  await db.schema.alterTable('payment_methods').addColumn('gateway_token', 'text').execute()
}

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and never import application types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('payment_methods').dropColumn('gateway_token').execute()
  await db.schema.alterTable('payment_methods').dropColumn('gateway').execute()
  for (const table of [
    'pay_accruals',
    'representatives',
    'session_legs',
    'sessions',
    'ledger_entries',
    'payment_operations',
    'payments',
    'billing_settings',
    'service_lines',
  ])
    await db.schema.dropTable(table).execute()
  await sql`drop function ledger_entries_append_only()`.execute(db)
}

// The sandbox money gateway's own books (step 6). The sandbox stands in for a real gateway, so its
// state lives apart from Tollgate's payments and survives a server restart the way a gateway's
// would: its payment intents, the answers it gave per idempotency key (a retry with the same key
// gets the same answer and moves nothing twice), and the tokens it issued for stored methods.
// `account` plays the part of a gateway account: one per tenant, so tenants' keys never meet.
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and never import application types
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`

  // status: requires_capture | succeeded | canceled. An uncaptured hold past expires_at has lapsed.
  // behaviour: what the card does when charged again through its token (never the number).
  await db.schema
    .createTable('sandbox_gateway_payments')
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('reference', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount_authorized', 'int8', (c) => c.notNull())
    .addColumn('amount_captured', 'int8', (c) => c.notNull().defaultTo(0))
    .addColumn('amount_refunded', 'int8', (c) => c.notNull().defaultTo(0))
    .addColumn('behaviour', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('sandbox_gateway_payments_pk', ['account', 'reference'])
    .execute()

  // One row per idempotency key: the request's fingerprint and the answer given to it.
  await db.schema
    .createTable('sandbox_gateway_requests')
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('operation', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('answer', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('sandbox_gateway_requests_pk', ['account', 'idempotency_key'])
    .execute()

  await db.schema
    .createTable('sandbox_gateway_tokens')
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('behaviour', 'text', (c) => c.notNull())
    .addColumn('last4', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('sandbox_gateway_tokens_pk', ['account', 'token'])
    .execute()
}

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and never import application types
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['sandbox_gateway_tokens', 'sandbox_gateway_requests', 'sandbox_gateway_payments'])
    await db.schema.dropTable(table).execute()
}

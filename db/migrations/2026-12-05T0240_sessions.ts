// Sessions (step 6), beyond the foundation's tables: the billing terms a session was started on
// (a service line edited mid-call must not change what a live caller was promised), why a session
// failed to start, a bank account sealed for the one direct charge made at the end, and when the
// sweeper next tries to settle a session whose settlement could not finish.
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and never import application types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('sessions')
    // the service line's rate, fee, increments and hold policy as they were at the start
    .addColumn('terms', 'jsonb')
    .addColumn('failure_code', 'text')
    .addColumn('failure_message', 'text')
    // checking / EFT only: the account sealed with TOLLGATE_SECRET until the charge at the end, then erased
    .addColumn('payment_source_sealed', 'text')
    .addColumn('settle_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_settle_at', 'timestamptz')
    .execute()
  await sql`create index sessions_unsettled on sessions (next_settle_at) where status in ('opening', 'ended')`.execute(
    db,
  )
}

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and never import application types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('sessions_unsettled').execute()
  for (const column of [
    'next_settle_at',
    'settle_attempts',
    'payment_source_sealed',
    'failure_message',
    'failure_code',
    'terms',
  ])
    await db.schema.alterTable('sessions').dropColumn(column).execute()
}

// The offers' ledger (step 8): what it needs beyond the foundation's tables to settle every offer
// exactly once across crashes and processes.
// - Two transient presentation statuses: reserving (its stock is reserved, the hold on the customer's
//   method is being asked; written BEFORE the money call, so a crash leaves a row the sweeper finishes
//   or undoes) and accepting (claimed by one accept; its capture is being made outside any row lock).
// - hold_released_at: when the hold of a declined or expired offer was voided. The status change and
//   the stock release commit first; the void follows, and the sweeper retries it until this is set.
// - reserved_quantity: the units this presentation holds in offers.stock_reserved (0 when the offer's
//   stock is not tracked, or once released or taken): every release sets it to 0 in the statement
//   that gives the units back, so they are given back once, whatever the offer's stock mode became.
// - accept_key: the merchant's Idempotency-Key of the accept that claimed the offer, so the same key
//   sent for another offer is refused.
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and never import application types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('offer_presentations')
    .addColumn('hold_released_at', 'timestamptz')
    .addColumn('accept_key', 'text')
    .addColumn('reserved_quantity', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await sql`create unique index offer_presentations_accept_key on offer_presentations (tenant_id, accept_key)
            where accept_key is not null`.execute(db)
  // what the sweeper looks for besides expiry: unfinished reservations and accepts, holds left to void
  await sql`create index offer_presentations_unsettled on offer_presentations (presented_at)
            where status in ('reserving', 'accepting')
               or (status in ('declined', 'expired') and payment_id is not null and hold_released_at is null)`.execute(
    db,
  )
}

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and never import application types
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists offer_presentations_unsettled`.execute(db)
  await sql`drop index if exists offer_presentations_accept_key`.execute(db)
  await db.schema
    .alterTable('offer_presentations')
    .dropColumn('reserved_quantity')
    .dropColumn('accept_key')
    .dropColumn('hold_released_at')
    .execute()
}

// Call-out and e-mail campaigns at work (step 8): when each contact was last attempted (pacing counts
// the attempts begun in the last minute, across every bridge, from this column), the name its
// e-mail greets, and the indexes the dialer's and the sender's claims read. A contact is open —
// still to be contacted — while next_attempt_at is set (pending, or a retry after no_answer / busy /
// failed) or while it is claimed (status dialing for a call, sending for an e-mail, until
// claimed_until). Final statuses add do_not_call (the customer asked by key) and sending to the
// migration 2026-12-07T0100_offers's list.
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and never import application types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('campaign_contacts')
    .addColumn('last_attempt_at', 'timestamptz')
    .addColumn('name', 'text')
    .execute()
  await sql`create index campaign_contacts_open on campaign_contacts (tenant_id, campaign_id, next_attempt_at)
            where next_attempt_at is not null`.execute(db)
  await sql`create index campaign_contacts_claimed on campaign_contacts (tenant_id, campaign_id, claimed_until)
            where status in ('dialing', 'sending')`.execute(db)
  await db.schema
    .createIndex('campaign_contacts_attempted')
    .on('campaign_contacts')
    .columns(['tenant_id', 'campaign_id', 'last_attempt_at'])
    .execute()
  await db.schema.createIndex('campaigns_status').on('campaigns').columns(['status', 'channel']).execute()
}

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and never import application types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('campaigns_status').execute()
  await db.schema.dropIndex('campaign_contacts_attempted').execute()
  await db.schema.dropIndex('campaign_contacts_claimed').execute()
  await db.schema.dropIndex('campaign_contacts_open').execute()
  await db.schema.alterTable('campaign_contacts').dropColumn('name').dropColumn('last_attempt_at').execute()
}

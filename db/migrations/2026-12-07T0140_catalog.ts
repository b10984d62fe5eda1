// The catalog's take rates over a date range (step 8): the offers made in a tenant's days are read
// by when they were made, so they are indexed so.
import type { Kysely } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and never import application types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('offer_presentations_presented')
    .on('offer_presentations')
    .columns(['tenant_id', 'presented_at'])
    .execute()
}

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and never import application types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('offer_presentations_presented').execute()
}

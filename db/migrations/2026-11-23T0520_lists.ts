// Lists grow up: IP ranges as cidr with a GiST index for containment, who removed an entry, shared
// lists under the reserved tenant "shared" with each contribution attributed, each tenant's opt-in
// to read and to contribute, and CSV import jobs with their progress and rejected lines.
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and never import application types
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`

  await db.schema.alterTable('list_entries').addColumn('network', sql`cidr`).execute()
  await db.schema.alterTable('list_entries').addColumn('removed_by', 'text').execute()
  // on an entry of a shared list: the tenant that contributed it and the entry it was copied from
  await db.schema.alterTable('list_entries').addColumn('contributed_by', 'text').execute()
  await db.schema.alterTable('list_entries').addColumn('origin_entry_id', 'text').execute()

  // Earlier ip entries were single addresses stored as text; give each its network, skipping any
  // value PostgreSQL would not read as an address rather than failing the migration.
  await sql`
    do $$
    declare r record;
    begin
      for r in select tenant_id, list_id, id, value from list_entries where subject = 'ip' loop
        begin
          update list_entries set network = cast(cast(r.value as inet) as cidr)
            where tenant_id = r.tenant_id and list_id = r.list_id and id = r.id;
        exception when others then null;
        end;
      end loop;
    end $$`.execute(db)

  // "Which ranges contain this address": GiST over inet_ops answers >>= without a scan.
  await sql`create index list_entries_network on list_entries using gist (network inet_ops)
            where network is not null`.execute(db)
  // One active entry per value in a tenant's own list; on a shared list, one per contributor.
  await sql`create unique index list_entries_active_uq on list_entries (tenant_id, list_id, subject, value)
            where removed_at is null and contributed_by is null`.execute(db)
  await sql`create unique index list_entries_shared_active_uq
            on list_entries (tenant_id, list_id, subject, value, contributed_by)
            where removed_at is null and contributed_by is not null`.execute(db)

  await db.schema
    .createTable('tenant_sharing')
    .addColumn('tenant_id', 'text', (c) => c.primaryKey())
    .addColumn('reads_shared', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('contributes_shared', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('updated_by', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute()

  // The shared lists live under the reserved tenant id "shared", which no real tenant may take.
  await sql`insert into lists (tenant_id, id, name, kind, description) values
    ('shared', 'negative', 'Shared negative list', 'negative', 'Contributed by member tenants'),
    ('shared', 'positive', 'Shared positive list', 'positive', 'Contributed by member tenants')
    on conflict do nothing`.execute(db)

  await db.schema
    .createTable('list_imports')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('list_id', 'text', (c) => c.notNull())
    /** queued | running | completed | failed */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('total_bytes', 'int8', (c) => c.notNull().defaultTo(0))
    .addColumn('processed_bytes', 'int8', (c) => c.notNull().defaultTo(0))
    .addColumn('total_rows', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('accepted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('duplicates', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rejected', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rejections', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('error', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addPrimaryKeyConstraint('list_imports_pk', ['tenant_id', 'id'])
    .execute()
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('list_imports').ifExists().execute()
  await db.schema.dropTable('tenant_sharing').ifExists().execute()
  await sql`delete from list_entries where tenant_id = 'shared'`.execute(db)
  await sql`delete from lists where tenant_id = 'shared'`.execute(db)
  for (const index of ['list_entries_shared_active_uq', 'list_entries_active_uq'])
    await db.schema.dropIndex(index).ifExists().execute()
  await db.schema.dropIndex('list_entries_network').ifExists().execute()
  for (const column of ['origin_entry_id', 'contributed_by', 'removed_by', 'network'])
    await db.schema.alterTable('list_entries').dropColumn(column).execute()
}

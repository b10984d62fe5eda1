// The ACD (step 7): a representative's keypad PIN locks after repeated wrong entries, so the
// representatives' line cannot be used to try all ten thousand four-digit PINs.
// pin_failures counts wrong PINs since pin_first_failed_at (a window); pin_locked_until refuses
// every PIN, right or wrong, until then.
import type { Kysely } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and never import application types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('representatives')
    .addColumn('pin_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema.alterTable('representatives').addColumn('pin_first_failed_at', 'timestamptz').execute()
  await db.schema.alterTable('representatives').addColumn('pin_locked_until', 'timestamptz').execute()
}

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and never import application types
export async function down(db: Kysely<any>): Promise<void> {
  for (const column of ['pin_locked_until', 'pin_first_failed_at', 'pin_failures'])
    await db.schema.alterTable('representatives').dropColumn(column).execute()
}

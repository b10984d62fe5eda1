// A decision row carries about 4 KB of JSON (the captured request, the facts, the fired rules and
// the response), past the 2 KB at which PostgreSQL compresses a row's largest values. Its default
// compression, pglz, was the largest single cost of writing a decision (BENCHMARKS.md); lz4 takes
// about a third of that time and stores the rows in less space. Servers built without lz4 (PGlite
// among them) keep pglz. Only rows written from now on are affected.
import { type Kysely, sql } from 'kysely'

const columns = ['request', 'facts', 'fired_rules', 'response']

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and never import application types
export async function up(db: Kysely<any>): Promise<void> {
  const { rows } = await sql<{ lz4: boolean }>`select 'lz4' = any(enumvals) as lz4
    from pg_settings where name = 'default_toast_compression'`.execute(db)
  if (!rows[0]?.lz4) return
  const alterations = columns.map((column) => sql`alter column ${sql.ref(column)} set compression lz4`)
  await sql`alter table decisions ${sql.join(alterations)}`.execute(db)
}

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and never import application types
export async function down(db: Kysely<any>): Promise<void> {
  const alterations = columns.map((column) => sql`alter column ${sql.ref(column)} set compression default`)
  await sql`alter table decisions ${sql.join(alterations)}`.execute(db)
}

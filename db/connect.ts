// Opens the database: PostgreSQL through postgres.js when a URL is given, else an embedded PGlite.
import { PGlite } from '@electric-sql/pglite'
import { Kysely } from 'kysely'
import { PostgresJSDialect } from 'kysely-postgres-js'
import postgres from 'postgres'
import { PGliteDialect } from './pglite-dialect.ts'
import type { Database } from './schema.ts'

export type Db = Kysely<Database>

export interface DatabaseHandle {
  db: Db
  engine: 'postgres' | 'pglite'
  close(): Promise<void>
}

export interface ConnectOptions {
  /** postgres://… ; when absent an embedded PGlite is used */
  url?: string | undefined
  /** PGlite data directory; absent means in memory */
  dataDir?: string | undefined
  /** postgres.js pool size */
  poolSize?: number
}

export async function connect(options: ConnectOptions): Promise<DatabaseHandle> {
  if (options.url) {
    const client = postgres(options.url, {
      max: options.poolSize ?? 10,
      onnotice: () => {},
      // int8 stays a string (exact); callers convert with Number() where the range is known to be safe
      connection: {
        // JIT compiling a plan takes tens of milliseconds (80 ms measured here), and PostgreSQL
        // starts it once a plan's estimated cost passes 100,000 — which a statement reading
        // json_to_recordset rows, whose count the planner guesses at 100, can pass while it
        // really runs in half a millisecond. Every statement here is short; none gains from JIT.
        jit: 'off',
      },
    })
    const db = new Kysely<Database>({ dialect: new PostgresJSDialect({ postgres: client }) })
    return { db, engine: 'postgres', close: () => db.destroy() }
  }
  // PGlite is one connection: the dialect lends it to one transaction or query at a time.
  const pglite = options.dataDir ? new PGlite(options.dataDir) : new PGlite()
  await pglite.waitReady
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) })
  return { db, engine: 'pglite', close: () => db.destroy() }
}

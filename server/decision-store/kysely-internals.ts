// The one place that reaches past Kysely's query-building API into its execution layer: a pooled
// connection held for the whole of a pipelined transaction, and a Transaction whose queries all go
// to that connection. test/storage/kysely-internals.test.ts fails if a Kysely upgrade changes either.
import { type DatabaseConnection, Transaction } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { Database } from '../../db/schema.ts'

/** Holds one pooled connection while `use` runs (PGlite's one connection: every other query waits). */
export function withConnection<T>(db: Db, use: (connection: DatabaseConnection) => Promise<T>): Promise<T> {
  return db.getExecutor().provideConnection(use)
}

/**
 * A Transaction for building and running queries on `connection`, which must already be inside
 * BEGIN. Kysely's own would send BEGIN and COMMIT itself, one round trip each; this one only runs
 * queries, so the config, dialect and driver Kysely reads for migrations, introspection or nested
 * transactions are left empty.
 */
export function transactionOn(db: Db, connection: DatabaseConnection): Transaction<Database> {
  return new Transaction<Database>({
    config: {},
    dialect: {},
    driver: {},
    executor: db
      .getExecutor()
      .withConnectionProvider({ provideConnection: (consume) => consume(connection) }),
  } as unknown as ConstructorParameters<typeof Transaction<Database>>[0])
}

// Kysely dialect for PGlite, the embedded PostgreSQL. PGlite is one connection inside this process,
// so the driver lends it to one holder at a time, in the order asked: a transaction keeps it from
// BEGIN to COMMIT and every other query waits its turn. The SQL is PostgreSQL's, so the adapter,
// compiler and introspector are Kysely's own PostgreSQL ones.
import type { PGlite } from '@electric-sql/pglite'
import {
  AbortedTransactionError,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  CompiledQuery as Query,
  type QueryResult,
  type TransactionSettings,
} from 'kysely'

class PGliteAdapter extends PostgresAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true
  }
  // The migrator's lock is PostgreSQL's advisory lock on a pooled server; here the migrator
  // already holds the only connection from start to end.
  override async acquireMigrationLock(): Promise<void> {}
  override async releaseMigrationLock(): Promise<void> {}
}

class PGliteConnection implements DatabaseConnection {
  constructor(private readonly pglite: PGlite) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.pglite.query<R>(query.sql, query.parameters as unknown[], { rowMode: 'object' })
    return {
      rows: result.rows,
      numAffectedRows: result.affectedRows == null ? undefined : BigInt(result.affectedRows),
    }
  }

  // biome-ignore lint/correctness/useYield: streaming is refused before anything is read
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('PGlite does not stream query results.')
  }
}

class PGliteDriver implements Driver {
  readonly #pglite: PGlite
  readonly #connection: PGliteConnection
  /** the holders waiting for the connection, first come first served */
  readonly #waiting: (() => void)[] = []
  #held = false

  constructor(pglite: PGlite) {
    this.#pglite = pglite
    this.#connection = new PGliteConnection(pglite)
  }

  async init(): Promise<void> {
    await this.#pglite.waitReady
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#held) await new Promise<void>((resolve) => this.#waiting.push(resolve))
    this.#held = true
    return this.#connection
  }

  async releaseConnection(): Promise<void> {
    const next = this.#waiting.shift()
    // handed straight to the next holder, so nobody can slip in between
    if (next) next()
    else this.#held = false
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const mode = [
      settings.isolationLevel ? `isolation level ${settings.isolationLevel}` : '',
      settings.accessMode ?? '',
    ]
      .filter(Boolean)
      .join(' ')
    await connection.executeQuery(Query.raw(mode ? `start transaction ${mode}` : 'begin'))
  }

  async commitTransaction(): Promise<void> {
    // PostgreSQL answers COMMIT with a ROLLBACK tag when an earlier statement aborted the transaction
    const { command } = await this.#pglite.query('commit')
    if (command === 'ROLLBACK') throw new AbortedTransactionError()
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(Query.raw('rollback'))
  }

  async destroy(): Promise<void> {
    if (!this.#pglite.closed) await this.#pglite.close()
  }
}

export class PGliteDialect implements Dialect {
  constructor(private readonly config: { pglite: PGlite }) {}

  createAdapter() {
    return new PGliteAdapter()
  }

  createDriver(): Driver {
    return new PGliteDriver(this.config.pglite)
  }

  createQueryCompiler() {
    return new PostgresQueryCompiler()
  }

  // biome-ignore lint/suspicious/noExplicitAny: Kysely's Dialect interface takes any database
  createIntrospector(db: Kysely<any>) {
    return new PostgresIntrospector(db)
  }
}

// The writes of one unit of work, sent as one statement. On this path a round trip to the database
// costs more than the write it carries, so a decision gathers its inserts and updates and sends
// them together, as data-modifying CTEs, just before it commits.
import { type Compilable, type CompiledQuery, type OperationNodeSource, sql, type Transaction } from 'kysely'
import type { Database } from '../db/schema.ts'

type WriteQuery = Compilable & OperationNodeSource

export class WriteBatch {
  private queries: WriteQuery[] = []

  /** db builds the queries (it is the transaction they will run in); nothing runs until flush(). */
  constructor(readonly db: Transaction<Database>) {}

  add(query: WriteQuery): void {
    this.queries.push(query)
  }

  /**
   * Runs every gathered write in one statement. They all see the same snapshot and their
   * constraints are checked at the end of it, so a row and the rows that reference it may be
   * written side by side; no two writes may touch the same row.
   */
  async flush(): Promise<void> {
    const statement = this.take()
    if (statement) await this.db.executeQuery(statement)
  }

  /** The gathered writes as one statement, for a caller that sends it itself; null when none. */
  take(): CompiledQuery | null {
    const queries = this.queries
    this.queries = []
    if (!queries.length) return null
    const ctes = queries.map((query, i) => sql`${sql.id(`write_${i}`)} as (${query})`)
    return sql`with ${sql.join(ctes)} select 1`.compile(this.db)
  }
}

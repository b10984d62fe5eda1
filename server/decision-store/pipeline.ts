// A transaction whose statements are pipelined: sent as soon as they are made, without waiting for
// the answer to the one before. On this hot path a round trip to PostgreSQL costs more than the
// statements it carries (a socket write and a wake-up on each side), and Kysely's own transactions
// send one statement per round trip: BEGIN, each query, COMMIT. Here BEGIN travels with the first
// statements, and COMMIT with the last writes, and independent reads of one turn share a trip.
//
// PostgreSQL runs pipelined statements one after another, in the order they were sent, each with
// a snapshot taken when it starts: so a read sent after a lock statement sees everything committed
// by whoever held the lock before, exactly as if it had waited. If one fails, the ones after it in
// the transaction fail too, and COMMIT turns into ROLLBACK, which is what we want.
//
// PGlite runs in process, where a round trip costs nothing: there the same statements simply run
// one after another (Kysely holds its one connection for the whole transaction).

import {
  type CompiledQuery,
  type DatabaseConnection,
  CompiledQuery as Query,
  type QueryResult,
  type Transaction,
} from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { Database } from '../../db/schema.ts'
import { transactionOn, withConnection } from './kysely-internals.ts'

export interface Pipeline {
  /** the transaction, for queries built and run the usual way; those of one turn share a round trip */
  trx: Transaction<Database>
  /** reads gathered into one statement: see ReadGatherer */
  gather: ReadGatherer
  /** sends a statement now, ahead of anything sent after this call */
  send<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>
  /** sends a statement now whose answer nobody waits for; it must succeed for the commit to happen */
  sendBeforeCommit(query: CompiledQuery): void
}

function isAborted(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '25P02'
}

function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {})
  return promise
}

export async function pipelinedTransaction<T>(db: Db, work: (pipeline: Pipeline) => Promise<T>): Promise<T> {
  return withConnection(db, async (pooled) => {
    // The first statement to fail is the cause; the ones after it only say the transaction is
    // aborted (25P02), which is what a caller awaiting one of them would otherwise report.
    let cause: unknown
    // once COMMIT or ROLLBACK is sent the connection may go back to the pool: a statement made
    // after that would run in whatever uses it next, so it is refused instead
    let ended = false
    const connection = {
      executeQuery: <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
        if (ended) return Promise.reject(new Error('statement sent after its transaction ended'))
        return pooled.executeQuery<R>(query).catch((error: unknown) => {
          cause ??= error
          throw error
        })
      },
      streamQuery: <R>(query: CompiledQuery, chunkSize: number) => pooled.streamQuery<R>(query, chunkSize),
    } satisfies DatabaseConnection
    const run = (statement: string) => quiet(connection.executeQuery(Query.raw(statement)))
    const end = (statement: 'commit' | 'rollback') => {
      const sent = run(statement)
      ended = true
      return sent
    }
    const pending: Promise<unknown>[] = [run('begin')]
    // every query of the transaction goes straight to the one connection, in the order it is made
    const trx = transactionOn(db, connection)
    const pipeline: Pipeline = {
      trx,
      gather: new ReadGatherer((query) => connection.executeQuery(query)),
      send: (query) => connection.executeQuery(query),
      sendBeforeCommit: (query) => {
        pending.push(quiet(connection.executeQuery(query)))
      },
    }
    let result: T
    try {
      result = await work(pipeline)
    } catch (error) {
      await end('rollback')
      await Promise.allSettled(pending)
      throw isAborted(error) && cause ? cause : error
    }
    // COMMIT follows the last writes in the same round trip; a failed write makes it a ROLLBACK
    const committed = end('commit')
    const outcomes = await Promise.allSettled([...pending, committed])
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')
    if (failed) throw cause ?? failed.reason
    return result
  })
}

// A read's column in a gathered statement, for its text, where its parameters start and its
// place: the same few reads recur in every decision, so each is written once, not per decision.
// Keyed by the text itself first: those are mostly the same string each time, whose hash V8 keeps.
const columns = new Map<string, Map<number, string>>()

function column(sql: string, offset: number, i: number): string {
  let bySlot = columns.get(sql)
  if (!bySlot) {
    // bounded: a read whose text is made anew each time (values written into it) must not grow this
    if (columns.size >= 5_000) columns.clear()
    bySlot = new Map()
    columns.set(sql, bySlot)
  }
  const slot = offset * 1024 + i
  let text = bySlot.get(slot)
  if (text === undefined) {
    // each read numbers its parameters from $1; in the combined statement they follow the earlier ones'
    const renumbered = sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)
    text = `(select coalesce(json_agg(t), '[]'::json) from (${renumbered}) t) as r${i}`
    bySlot.set(slot, text)
  }
  return text
}

/**
 * Reads made in one turn of the event loop, sent as one statement: each becomes a column that
 * aggregates its rows as JSON. Every statement costs both sides a fixed price (BENCHMARKS.md, "The
 * cost model"), so the half-dozen lookups a decision makes before it evaluates go as one. Rows come back as JSON values: numbers as numbers (int8 included),
 * timestamps as ISO strings, json and jsonb as objects.
 */
export class ReadGatherer {
  private pending: { query: CompiledQuery; resolve(rows: unknown[]): void; reject(error: unknown): void }[] =
    []

  constructor(private readonly send: (query: CompiledQuery) => Promise<QueryResult<unknown>>) {}

  rows<R>(query: CompiledQuery): Promise<R[]> {
    return new Promise<R[]>((resolve, reject) => {
      this.pending.push({ query, resolve: resolve as (rows: unknown[]) => void, reject })
      // asks made from setImmediate callbacks of this turn (the batched lookups) still join
      if (this.pending.length === 1) setImmediate(() => setImmediate(() => this.flush()))
    })
  }

  private async flush(): Promise<void> {
    const asks = this.pending
    this.pending = []
    const parameters: unknown[] = []
    const columns = asks.map(({ query }, i) => {
      const offset = parameters.length
      parameters.push(...query.parameters)
      return column(query.sql, offset, i)
    })
    try {
      const { rows } = await this.send(Query.raw(`select ${columns.join(', ')}`, parameters))
      const row = (rows[0] ?? {}) as Record<string, unknown>
      for (const [i, ask] of asks.entries()) {
        const value = row[`r${i}`]
        ask.resolve((typeof value === 'string' ? JSON.parse(value) : value) as unknown[])
      }
    } catch (error) {
      for (const ask of asks) ask.reject(error)
    }
  }
}

/** Runs a read: through a live decision's gatherer when there is one (rows as JSON), else on db. */
export type Read = <R>(query: CompiledQuery) => Promise<R[]>

export function reader(db: Db, gather: ReadGatherer | undefined): Read {
  return gather
    ? (query) => gather.rows(query)
    : async <R>(query: CompiledQuery) => (await db.executeQuery<R>(query)).rows
}

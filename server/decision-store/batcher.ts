// Decisions in batches: the decisions that arrive while others are being decided share one
// transaction — one BEGIN, one statement of locks, one statement of first reads (first-read.ts),
// one statement of writes (writes.ts) and one COMMIT — instead of each paying for its own; each
// decision still sends its own statement of lookups. A statement, a round trip and above all a
// commit cost far more than the rows they carry,
// so under load this is where most of a decision's database time and socket writes went
// (BENCHMARKS.md, "The cost model"). At the end of this file, the DecisionStore (store.ts) it makes.
//
// Decisions of one batch never touch the same subject: a unit of work names its lock keys, and a
// batch takes only units whose keys no other unit of the batch, nor any batch still running in
// this process, holds. The rest wait for a later batch. What a unit learns only from the database
// (the customer its keys point at) it claims while it runs; a unit whose claim another already
// holds gives up with Conflict and runs again in a later batch, before it has written anything.
// Other processes are kept apart by PostgreSQL's advisory locks, as for a single decision.
//
// A unit that would wait long for something outside the database (an outside provider's answer)
// leaves its transaction instead (Later), before it has written anything: it waits holding no
// connection and no lock, and runs again in a later batch once the answer is in. Waiting inside,
// a few such units would hold every pooled connection — PGlite has one — and stop all the others.
//
// A batch whose transaction fails (a statement of one unit failed, a deadlock with another
// process) is not retried as a batch: each of its units runs again alone, so one bad unit fails
// only itself. A unit that fails in JavaScript (a problem to answer, say) fails alone, and the
// batch commits the others' work without any of its writes.
import type { Db } from '../../db/connect.ts'
import { advisoryLocks, lockKey } from '../locks.ts'
import { FirstReads } from './first-read.ts'
import { type Pipeline, pipelinedTransaction, ReadGatherer } from './pipeline.ts'
import {
  Conflict,
  type DecisionStore,
  type DecisionTransaction,
  type EnabledProvidersRead,
  Later,
} from './store.ts'
import { WriteBatch } from './writes.ts'

/** What a unit of work gets: the shared transaction, its own writes, and a way to claim a subject. */
export interface Unit {
  pipeline: Pipeline
  /**
   * run by a Batcher: rather than wait long for something outside the database, this unit may leave
   * its transaction (throw Later) and run again in a later batch. Others may share the transaction:
   * whatever this one waits for there, they wait for too.
   */
  mayLeave: boolean
  /** one value for every unit of this transaction, made by the first to ask (a collector of reads, say) */
  together<T>(key: object, make: () => T): T
  /** this unit's writes; they reach the database with COMMIT, and only if the unit succeeds */
  writes: WriteBatch
  /**
   * Claims a lock key found while running. False when another unit of this batch holds it: the
   * caller then throws Conflict, and runs again in a later batch.
   */
  claim(key: bigint): boolean
}

export type Work<T> = (unit: Unit) => Promise<T>

interface Item {
  keys: bigint[]
  work: Work<unknown>
  resolve(value: unknown): void
  reject(error: unknown): void
}

/**
 * One unit of work in a transaction of its own: its locks first, its writes with COMMIT. Outside a
 * Batcher (mayLeave false) it waits for whatever it needs inside the transaction.
 */
export function runAlone<T>(db: Db, keys: bigint[], work: Work<T>, mayLeave = false): Promise<T> {
  return pipelinedTransaction(db, async (pipeline) => {
    const locks = advisoryLocks(keys)
    if (locks) void pipeline.send(locks).catch(() => {})
    const writes = new WriteBatch()
    const result = await work({
      pipeline,
      writes,
      mayLeave,
      claim: () => true,
      together: <T>(_key: object, make: () => T) => make(),
    })
    const statement = writes.take()
    if (statement) pipeline.sendBeforeCommit(statement)
    return result
  })
}

export interface BatcherOptions {
  /** units in one transaction at most (each adds its parameters to the batch's statements) */
  maxSize?: number
  /** transactions running at once, each on a pooled connection */
  maxRunning?: number
  /** told the size of every batch that runs */
  onBatch?: (size: number) => void
  /** told of every unit that runs again, and why: it gave way, waited outside, or its batch failed */
  onRetry?: (reason: 'conflict' | 'later' | 'failed') => void
}

export class Batcher {
  private readonly queue: Item[] = []
  /** lock keys of the units in running batches, with how many hold each */
  private readonly held = new Map<bigint, number>()
  private running = 0
  private scheduled = false
  private readonly maxSize: number
  private readonly maxRunning: number
  private readonly onBatch: (size: number) => void
  private readonly onRetry: (reason: 'conflict' | 'later' | 'failed') => void

  constructor(
    private readonly db: Db,
    options: BatcherOptions = {},
  ) {
    this.maxSize = options.maxSize ?? 32
    this.maxRunning = options.maxRunning ?? 2
    this.onBatch = options.onBatch ?? (() => {})
    this.onRetry = options.onRetry ?? (() => {})
  }

  /** Runs work in the next batch whose other units hold none of keys; settles when it commits. */
  run<T>(keys: bigint[], work: Work<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ keys, work, resolve: resolve as (value: unknown) => void, reject })
      this.schedule()
    })
  }

  private schedule(): void {
    if (this.scheduled || this.running >= this.maxRunning || !this.queue.length) return
    this.scheduled = true
    // after this turn's I/O callbacks: requests that arrived together start together
    setImmediate(() => {
      this.scheduled = false
      this.start()
    })
  }

  private start(): void {
    while (this.running < this.maxRunning) {
      const batch = this.take()
      if (!batch.length) return
      this.running++
      for (const item of batch) for (const key of item.keys) this.held.set(key, (this.held.get(key) ?? 0) + 1)
      void this.runBatch(batch).finally(() => {
        for (const item of batch)
          for (const key of item.keys) {
            const left = (this.held.get(key) ?? 1) - 1
            if (left) this.held.set(key, left)
            else this.held.delete(key)
          }
        this.running--
        this.schedule()
      })
    }
  }

  /** The oldest queued units that share no key with each other nor with a running batch. */
  private take(): Item[] {
    const batch: Item[] = []
    const taken = new Set<bigint>()
    for (let i = 0; i < this.queue.length && batch.length < this.maxSize; ) {
      const item = this.queue[i] as Item
      if (item.keys.some((key) => taken.has(key) || this.held.has(key))) {
        i++
        continue
      }
      for (const key of item.keys) taken.add(key)
      batch.push(item)
      this.queue.splice(i, 1)
    }
    return batch
  }

  private async runBatch(items: Item[]): Promise<void> {
    this.onBatch(items.length)
    if (items.length === 1) {
      await this.alone(items[0] as Item)
      return
    }
    let settled: PromiseSettledResult<unknown>[]
    try {
      settled = await pipelinedTransaction(this.db, async (pipeline) => {
        const locks = advisoryLocks(items.flatMap((item) => item.keys))
        if (locks) void pipeline.send(locks).catch(() => {})
        const owners = new Map<bigint, Item>()
        for (const item of items) for (const key of item.keys) owners.set(key, item)
        const writes = items.map(() => new WriteBatch())
        const common = new Map<object, unknown>()
        const results = await Promise.allSettled(
          items.map((item, i) =>
            item.work({
              // each unit gathers its own reads: the statements of one shape keep one text, which
              // PostgreSQL prepares and plans once per connection (merging the reads of a whole
              // batch made a new text each time, planned anew: BENCHMARKS.md, fourth session)
              pipeline: { ...pipeline, gather: new ReadGatherer(pipeline.send) },
              mayLeave: true,
              together: <T>(key: object, make: () => T): T => {
                if (!common.has(key)) common.set(key, make())
                return common.get(key) as T
              },
              writes: writes[i] as WriteBatch,
              claim: (key) => {
                const owner = owners.get(key)
                if (owner && owner !== item) return false
                owners.set(key, item)
                return true
              },
            }),
          ),
        )
        // the writes of every unit that succeeded, in one statement (its text depends only on
        // which kinds of rows there are, so it is prepared once however many decisions it carries)
        const all = new WriteBatch()
        for (const [i, result] of results.entries())
          if (result.status === 'fulfilled') all.absorb(writes[i] as WriteBatch)
        const statement = all.take()
        if (statement) pipeline.sendBeforeCommit(statement)
        return results
      })
    } catch {
      // the transaction failed as a whole: each unit runs again alone, and fails only for itself
      for (const _ of items) this.onRetry('failed')
      await Promise.all(items.map((item) => this.alone(item)))
      return
    }
    for (const [i, result] of settled.entries()) {
      const item = items[i] as Item
      if (result.status === 'fulfilled') item.resolve(result.value)
      else if (result.reason instanceof Conflict) {
        this.onRetry('conflict')
        this.requeue(item)
      } else this.settleFailed(item, result.reason)
    }
  }

  /** Runs a unit in a transaction of its own (a batch of one, or a unit of a failed batch). */
  private alone(item: Item): Promise<void> {
    return runAlone(this.db, item.keys, item.work, true).then(item.resolve, (error: unknown) =>
      this.settleFailed(item, error),
    )
  }

  /** A unit that left to wait outside joins the queue again once it may go on; any other failure is its own. */
  private settleFailed(item: Item, error: unknown): void {
    if (!(error instanceof Later)) {
      item.reject(error)
      return
    }
    this.onRetry('later')
    const again = () => {
      this.requeue(item)
      this.schedule()
    }
    error.until.then(again, again)
  }

  /** A unit that gave way to another of its batch, or waited outside, goes first in the queue. */
  private requeue(item: Item): void {
    this.queue.unshift(item)
  }
}

/** one collector of first reads per transaction */
const firstReadsKey = {}
/** each tenant's enabled providers, read once per transaction */
const enabledProvidersKey = {}

/** The DecisionStore whose transactions are shared by the decisions that arrive together. */
export function batchedDecisionStore(db: Db, options: BatcherOptions = {}): DecisionStore {
  const batcher = new Batcher(db, options)
  return {
    run: (lockKeys, decide) => batcher.run(lockKeys, (unit) => decide(decisionTransaction(unit))),
  }
}

/** A unit of a batch as one decision sees it: its own transaction, as far as it can tell. */
function decisionTransaction({ pipeline, writes, mayLeave, claim, together }: Unit): DecisionTransaction {
  return {
    db: pipeline.trx,
    gather: pipeline.gather,
    mayLeave,
    enabledProviders: together(enabledProvidersKey, (): EnabledProvidersRead => new Map()),
    async firstRead(ask) {
      // the first reads of a batch's decisions go as one statement
      const read = await together(firstReadsKey, () => new FirstReads(pipeline)).read(ask)
      // the customer the strongest key found, as the statement locked it: another decision of this
      // batch may have reached it through another key, and this one must see that one's usage
      const strongest = ask.keys
        .map(([kind, value]) => read.found.find((f) => f.kind === kind && f.value === value))
        .find((found) => found !== undefined)
      if (strongest && !claim(lockKey(ask.tenantId, `customer:${strongest.customer_id}`)))
        throw new Conflict()
      return read
    },
    record(record) {
      const { customer } = record
      if (customer?.created) writes.add('customer', customer.created)
      if (customer?.seen) writes.add('customerSeen', customer.seen)
      for (const identifier of customer?.identifiers ?? []) writes.add('identifier', identifier)
      if (record.paymentMethod) writes.add('paymentMethod', record.paymentMethod)
      writes.add('decision', record.decision)
      if (record.review) writes.add('review', record.review)
      for (const call of record.providerCalls) writes.add('providerCall', call)
      if (record.mismatch) writes.add('mismatch', record.mismatch)
      if (record.verification) writes.add('verification', record.verification)
      if (record.purchaseLimit) writes.add('customerLimit', record.purchaseLimit)
      if (record.usage) writes.add('usage', record.usage)
      if (record.hold) {
        const { payment, operation, ledger, gateway } = record.hold
        writes.add('payment', payment)
        writes.add('paymentOperation', operation)
        for (const entry of ledger) writes.add('ledgerEntry', entry)
        writes.add('sandboxRequest', gateway.request)
        writes.add('sandboxPayment', gateway.payment)
        if (gateway.token) writes.add('sandboxToken', gateway.token)
      }
    },
  }
}

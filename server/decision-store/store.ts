// What the decision pipeline (server/authorizations/service.ts) needs of the database, and nothing
// more: a transaction that holds a decision's lock keys, the reads its facts need, and one typed
// record of what it writes. The batching implementation (batcher.ts) shares transactions between
// concurrent decisions; the pipeline cannot tell, and is written as if each ran alone.
//
// Two exceptions cross this interface, and only these: Conflict and Later. Each ends a decision's
// run before it has written anything, and the store runs it again in a later transaction; the
// pipeline never catches them.
import type { Db } from '../../db/connect.ts'
import type { CustomerRecord } from '../customers/identify.ts'
import type { ProviderRow } from '../providers/store.ts'
import type { FirstRead, FirstReadAsk } from './first-read.ts'
import type { ReadGatherer } from './pipeline.ts'
import type { ShapeRow } from './writes.ts'

export type { CustomerRecord } from '../customers/identify.ts'
export type { FirstRead, FirstReadAsk } from './first-read.ts'
/** A row of the record, typed from its table's Kysely insert type. */
export type { ShapeRow as RecordRow } from './writes.ts'

export interface DecisionStore {
  /**
   * Runs decide in a transaction that holds lockKeys (advisory locks: no other decision about the
   * same subjects runs at the same time, in this process or another) and settles once the record
   * it made is committed. decide's own errors fail it alone, with nothing written.
   */
  run<T>(lockKeys: bigint[], decide: (transaction: DecisionTransaction) => Promise<T>): Promise<T>
}

export interface DecisionTransaction {
  /**
   * The decision's first reads, once its locks are held: an earlier decision with its Idempotency-Key,
   * the customers its identity keys point at, and the API key to confirm. It also locks the customer
   * those rows point at; when another decision of this transaction holds that customer, it ends this
   * run with Conflict.
   */
  firstRead(ask: FirstReadAsk): Promise<FirstRead>
  /** queries built with Kysely, run in this transaction */
  db: Db
  /** the fact sources' lookups: those of one turn of the event loop go as one statement */
  gather: ReadGatherer
  /** each tenant's enabled outside providers, read once per transaction */
  enabledProviders: EnabledProvidersRead
  /**
   * true when this run may leave its transaction (Later) rather than wait long for something
   * outside the database: others may share the transaction, and would wait too
   */
  mayLeave: boolean
  /** what the decision writes; it reaches the database with COMMIT, and only if decide succeeds */
  record(record: DecisionRecord): void
}

/** Each tenant's enabled providers by kind, as read in one transaction. */
export type EnabledProvidersRead = Map<string, Promise<Map<string, ProviderRow>>>

/** Thrown by firstRead when another decision of the transaction holds the same customer. */
export class Conflict extends Error {
  constructor() {
    super('another decision of this batch holds the same subject')
  }
}

/**
 * Thrown by a decision about to wait long for something outside the database (an outside provider's
 * answer), when mayLeave: it leaves its transaction before it has written anything, and runs again
 * in a later one once `until` has settled.
 */
export class Later extends Error {
  constructor(readonly until: Promise<unknown>) {
    super('this decision waits for an outside answer; it runs again once the answer is in')
  }
}

/** Everything one decision writes, in one record: it reaches the database at once, or not at all. */
export interface DecisionRecord {
  decision: ShapeRow<'decision'>
  /** the customer identified, when the request named any identity */
  customer: CustomerRecord | null
  /** a card the customer paid with: its last use, and an expiry or billing postal code that changed */
  paymentMethod: ShapeRow<'paymentMethod'> | null
  /** a decision with outcome review waits in the review queue */
  review: ShapeRow<'review'> | null
  /** what each outside provider's call came to, for replays */
  providerCalls: ShapeRow<'providerCall'>[]
  /** an identity mismatch that temporarily blocked, counted by recent_mismatches */
  mismatch: ShapeRow<'mismatch'> | null
  /** the gateway's verification of the card, for replays */
  verification: ShapeRow<'verification'> | null
  /** a purchase value limit an approval established; it replaces an expired one, never one in force */
  purchaseLimit: ShapeRow<'customerLimit'> | null
  /** what an approval reserves against the allowances */
  usage: ShapeRow<'usage'> | null
  /**
   * an approved purchase's hold, when its gateway keeps its books in this database
   * (server/payments/hold-in-record.ts); null when it is placed after the commit, or not at all
   */
  hold: HoldRecord | null
}

/** Everything a hold placed in the decision's record writes: Tollgate's books and the gateway's. */
export interface HoldRecord {
  payment: ShapeRow<'payment'>
  operation: ShapeRow<'paymentOperation'>
  ledger: ShapeRow<'ledgerEntry'>[]
  gateway: {
    request: ShapeRow<'sandboxRequest'>
    payment: ShapeRow<'sandboxPayment'>
    token: ShapeRow<'sandboxToken'> | null
  }
}

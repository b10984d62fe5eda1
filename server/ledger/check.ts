// The ledger's balance check: in double-entry bookkeeping every transaction's debits equal its
// credits, currency by currency, so the whole book balances per currency too. The check sums what
// is there (entries are append-only; balances are derived, never stored) and lists whatever is off,
// so staff and tests see "balanced" or exactly which transactions are not.
import { type Kysely, sql } from 'kysely'
import type { Database } from '../../db/schema.ts'

/** Totals of one currency across a tenant's whole ledger, in minor units. */
export interface CurrencyTotals {
  currency: string
  debits: number
  credits: number
  /** debits − credits; 0 when balanced */
  difference: number
  transactions: number
  entries: number
}

/** A transaction whose entries do not balance in one of its currencies. */
export interface UnbalancedTransaction {
  transaction_id: string
  currency: string
  debits: number
  credits: number
  difference: number
  entries: number
  /** when its first entry was written */
  at: Date
}

export interface LedgerCheck {
  balanced: boolean
  currencies: CurrencyTotals[]
  /** the transactions that are off, oldest first, at most `limit` of them */
  unbalanced_transactions: UnbalancedTransaction[]
  /** how many transactions are off in all (the list above may be cut short) */
  unbalanced_count: number
  checked_at: Date
}

// Sums of int8 come back from PostgreSQL as numeric text; minor units stay far below 2^53.
const toNumber = (value: string | number | bigint | null | undefined): number => Number(value ?? 0)

/**
 * Checks one tenant's ledger: per currency debits = credits, and every transaction balanced per
 * currency. Read-only; any Kysely (a transaction, too) will do.
 */
export async function checkLedger(
  db: Kysely<Database>,
  tenantId: string,
  options: { limit?: number } = {},
): Promise<LedgerCheck> {
  const limit = options.limit ?? 100
  const currencies = await db
    .selectFrom('ledger_entries')
    .select([
      'currency',
      sql<string>`coalesce(sum(debit), 0)`.as('debits'),
      sql<string>`coalesce(sum(credit), 0)`.as('credits'),
      sql<string>`count(distinct transaction_id)`.as('transactions'),
      sql<string>`count(*)`.as('entries'),
    ])
    .where('tenant_id', '=', tenantId)
    .groupBy('currency')
    .orderBy('currency')
    .execute()

  const offByTransaction = db
    .selectFrom('ledger_entries')
    .select([
      'transaction_id',
      'currency',
      sql<string>`sum(debit)`.as('debits'),
      sql<string>`sum(credit)`.as('credits'),
      sql<string>`count(*)`.as('entries'),
      sql<Date>`min(at)`.as('at'),
    ])
    .where('tenant_id', '=', tenantId)
    .groupBy(['transaction_id', 'currency'])
    .having(sql<boolean>`sum(debit) <> sum(credit)`)

  const [off, count] = await Promise.all([
    offByTransaction.orderBy('at').orderBy('transaction_id').limit(limit).execute(),
    db
      .selectFrom(offByTransaction.as('off'))
      .select(sql<string>`count(distinct transaction_id)`.as('count'))
      .executeTakeFirstOrThrow(),
  ])

  const totals: CurrencyTotals[] = currencies.map((row) => {
    const debits = toNumber(row.debits)
    const credits = toNumber(row.credits)
    return {
      currency: row.currency,
      debits,
      credits,
      difference: debits - credits,
      transactions: toNumber(row.transactions),
      entries: toNumber(row.entries),
    }
  })
  const unbalanced = off.map((row) => {
    const debits = toNumber(row.debits)
    const credits = toNumber(row.credits)
    return {
      transaction_id: row.transaction_id,
      currency: row.currency,
      debits,
      credits,
      difference: debits - credits,
      entries: toNumber(row.entries),
      at: new Date(row.at),
    }
  })
  const unbalancedCount = toNumber(count.count)
  return {
    balanced: unbalancedCount === 0 && totals.every((t) => t.difference === 0),
    currencies: totals,
    unbalanced_transactions: unbalanced,
    unbalanced_count: unbalancedCount,
    checked_at: new Date(),
  }
}

/** Balances per account and currency (debits − credits), derived from the entries. */
export async function accountBalances(
  db: Kysely<Database>,
  tenantId: string,
): Promise<{ account: string; currency: string; debits: number; credits: number; balance: number }[]> {
  const rows = await db
    .selectFrom('ledger_entries')
    .select([
      'account',
      'currency',
      sql<string>`sum(debit)`.as('debits'),
      sql<string>`sum(credit)`.as('credits'),
    ])
    .where('tenant_id', '=', tenantId)
    .groupBy(['account', 'currency'])
    .orderBy('account')
    .orderBy('currency')
    .execute()
  return rows.map((row) => {
    const debits = toNumber(row.debits)
    const credits = toNumber(row.credits)
    return { account: row.account, currency: row.currency, debits, credits, balance: debits - credits }
  })
}

/** Every tenant's ledger at once, for tests and operators: the tenants whose books are off. */
export async function tenantsWithUnbalancedLedgers(db: Kysely<Database>): Promise<string[]> {
  const rows = await db
    .selectFrom('ledger_entries')
    .select('tenant_id')
    .groupBy(['tenant_id', 'transaction_id', 'currency'])
    .having(sql<boolean>`sum(debit) <> sum(credit)`)
    .execute()
  return [...new Set(rows.map((r) => r.tenant_id))].sort()
}

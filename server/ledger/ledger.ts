// The double-entry ledger: every money movement is a transaction of two or more entries whose
// debits equal its credits, in one currency, in integer minor units. Entries are only ever
// inserted (a trigger refuses updates and deletes); balances are sums, never stored.
//
// Chart of accounts (the same names in every tenant and currency):
//
//   holds                        Money set aside on customers' accounts by an open hold. Not ours
//                                yet: a memorandum pair with holds_offset, so the books show what
//                                is held without counting it as revenue. Debited when a hold is
//                                placed or raised; credited when it is captured, released,
//                                reversed (voided) or lapses. Its balance per payment is that
//                                payment's open hold.
//   holds_offset                 The other side of `holds` (credit balance, always equal and opposite).
//   gateway_receivable           Money the gateway took for us and owes us until it pays out:
//                                debited on capture and direct charge, credited on refund.
//   revenue                      What customers were charged: credited on capture and direct charge.
//   refunds                      Money given back (contra-revenue): debited on refund.
//   representative_pay_expense   Representatives' pay earned (an expense): debited on accrual.
//   representative_pay_payable   Pay owed to representatives until paid out: credited on accrual.
//
// Transaction kinds: hold, hold_increment, capture, release (the uncaptured rest of a hold, or a
// lapsed hold), reversal (a voided hold), charge, refund, pay_accrual.
import type { Transaction } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { Database } from '../../db/schema.ts'
import { newId } from '../ids.ts'

export const accounts = {
  holds: 'holds',
  holdsOffset: 'holds_offset',
  gatewayReceivable: 'gateway_receivable',
  revenue: 'revenue',
  refunds: 'refunds',
  representativePay: 'representative_pay_expense',
  representativePayPayable: 'representative_pay_payable',
} as const
export type Account = (typeof accounts)[keyof typeof accounts]

export type LedgerKind =
  | 'hold'
  | 'hold_increment'
  | 'capture'
  | 'release'
  | 'reversal'
  | 'charge'
  | 'refund'
  | 'pay_accrual'

export interface LedgerEntryInput {
  account: Account
  debit?: number
  credit?: number
}

export interface LedgerTransaction {
  tenantId: string
  kind: LedgerKind
  currency: string
  entries: LedgerEntryInput[]
  paymentId?: string | null | undefined
  sessionId?: string | null | undefined
  representativeId?: string | null | undefined
  memo?: string | undefined
  /** when it happened; the database's clock when not given */
  at?: Date | undefined
}

/** A transaction the ledger refuses: empty, unbalanced, or an entry that is not one positive amount. */
export class UnbalancedTransaction extends Error {
  override name = 'UnbalancedTransaction'
}

const knownAccounts = new Set<string>(Object.values(accounts))

function checkTransaction(tx: LedgerTransaction): void {
  if (tx.entries.length < 2) throw new UnbalancedTransaction(`a ${tx.kind} needs two or more entries`)
  let debits = 0
  let credits = 0
  for (const entry of tx.entries) {
    if (!knownAccounts.has(entry.account)) throw new UnbalancedTransaction(`unknown account ${entry.account}`)
    const debit = entry.debit ?? 0
    const credit = entry.credit ?? 0
    for (const amount of [debit, credit])
      if (!Number.isSafeInteger(amount) || amount < 0)
        throw new UnbalancedTransaction(`${entry.account}: amounts are non-negative integer minor units`)
    if (debit > 0 === credit > 0)
      throw new UnbalancedTransaction(`${entry.account}: an entry is a debit or a credit, above zero`)
    debits += debit
    credits += credit
  }
  if (debits !== credits)
    throw new UnbalancedTransaction(`a ${tx.kind} must balance: debits ${debits}, credits ${credits}`)
}

/**
 * Appends one balanced transaction and returns its id. Call it inside the transaction that makes
 * the change it records, so the books and the change commit together.
 */
export async function postTransaction(
  trx: Transaction<Database> | Db,
  tx: LedgerTransaction,
): Promise<string> {
  checkTransaction(tx)
  const transactionId = newId('ltx')
  await trx
    .insertInto('ledger_entries')
    .values(
      tx.entries.map((entry) => ({
        tenant_id: tx.tenantId,
        transaction_id: transactionId,
        ...(tx.at ? { at: tx.at } : {}),
        account: entry.account,
        currency: tx.currency,
        debit: entry.debit ?? 0,
        credit: entry.credit ?? 0,
        kind: tx.kind,
        payment_id: tx.paymentId ?? null,
        session_id: tx.sessionId ?? null,
        representative_id: tx.representativeId ?? null,
        memo: tx.memo ?? '',
      })),
    )
    .execute()
  return transactionId
}

/** An account's balance as debits minus credits, for one tenant and currency (optionally one payment). */
export async function accountBalance(
  db: Transaction<Database> | Db,
  tenantId: string,
  account: Account,
  currency: string,
  paymentId?: string,
): Promise<number> {
  let query = db
    .selectFrom('ledger_entries')
    .select((eb) => [
      eb.fn.sum<string | number | bigint>('debit').as('debits'),
      eb.fn.sum<string | number | bigint>('credit').as('credits'),
    ])
    .where('tenant_id', '=', tenantId)
    .where('account', '=', account)
    .where('currency', '=', currency)
  if (paymentId !== undefined) query = query.where('payment_id', '=', paymentId)
  const row = await query.executeTakeFirst()
  return Number(row?.debits ?? 0) - Number(row?.credits ?? 0)
}

/** One payment's standing on the books: its open hold, what was captured from it, and refunded. */
export async function paymentBooks(
  db: Transaction<Database> | Db,
  tenantId: string,
  paymentId: string,
): Promise<{ held: number; captured: number; refunded: number }> {
  const rows = await db
    .selectFrom('ledger_entries')
    .select((eb) => [
      'account',
      eb.fn.sum<string | number | bigint>('debit').as('debits'),
      eb.fn.sum<string | number | bigint>('credit').as('credits'),
    ])
    .where('tenant_id', '=', tenantId)
    .where('payment_id', '=', paymentId)
    .where('account', 'in', [accounts.holds, accounts.revenue, accounts.refunds])
    .groupBy('account')
    .execute()
  const net = (account: Account) => {
    const row = rows.find((r) => r.account === account)
    return row ? Number(row.debits) - Number(row.credits) : 0
  }
  return { held: net(accounts.holds), captured: 0 - net(accounts.revenue), refunded: net(accounts.refunds) }
}

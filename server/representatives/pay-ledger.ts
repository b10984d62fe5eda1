// A stand-in for server/ledger/ledger.ts's postTransaction (owned by the pay work), with the same
// signature, so pay accruals post balanced entries before that module lands. Replaced by the real
// one on merge; nothing else imports this file.
import type { Transaction } from 'kysely'
import type { Database } from '../../db/schema.ts'
import { newId } from '../ids.ts'

export interface LedgerTransactionInput {
  tenantId: string
  kind: string
  currency: string
  entries: { account: string; debit?: number; credit?: number }[]
  paymentId?: string
  sessionId?: string
  representativeId?: string
  memo?: string
}

/** Inserts a balanced transaction's entries; refuses an empty or unbalanced one. */
export async function postTransaction(
  trx: Transaction<Database>,
  input: LedgerTransactionInput,
): Promise<string> {
  const debits = input.entries.reduce((sum, e) => sum + (e.debit ?? 0), 0)
  const credits = input.entries.reduce((sum, e) => sum + (e.credit ?? 0), 0)
  if (input.entries.length === 0 || debits !== credits || debits === 0)
    throw new Error(`unbalanced ledger transaction: debits ${debits}, credits ${credits}`)
  const transactionId = newId('ltx')
  await trx
    .insertInto('ledger_entries')
    .values(
      input.entries.map((e) => ({
        tenant_id: input.tenantId,
        transaction_id: transactionId,
        account: e.account,
        currency: input.currency,
        debit: e.debit ?? 0,
        credit: e.credit ?? 0,
        kind: input.kind,
        payment_id: input.paymentId ?? null,
        session_id: input.sessionId ?? null,
        representative_id: input.representativeId ?? null,
        memo: input.memo ?? '',
      })),
    )
    .execute()
  return transactionId
}

// Money test helpers: payment sources by test card number, and the ledger's balance per currency.
import type { Db } from '../../db/connect.ts'
import type { PaymentSource } from '../../server/payments/port.ts'

export function card(number: string): PaymentSource {
  return {
    type: 'card',
    card: { number, exp_month: 12, exp_year: 2030, cvc: '123', holder_name: 'Ann Lee' },
    billing_address: { line1: '12 Main St', postal_code: '94107', country: 'US' },
  }
}

export function bankAccount(accountNumber: string): PaymentSource {
  return {
    type: 'bank_account',
    routing_number: '110000000',
    account_number: accountNumber,
    holder_name: 'Ann Lee',
  }
}

/** Transactions and currencies whose debits differ from their credits: empty when the books balance. */
export async function unbalanced(db: Db, tenantId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('ledger_entries')
    .select((eb) => [
      'transaction_id',
      'currency',
      eb.fn.sum<string>('debit').as('debits'),
      eb.fn.sum<string>('credit').as('credits'),
    ])
    .where('tenant_id', '=', tenantId)
    .groupBy(['transaction_id', 'currency'])
    .execute()
  return rows
    .filter((r) => Number(r.debits) !== Number(r.credits))
    .map((r) => `${r.transaction_id} ${r.currency}: ${r.debits} ≠ ${r.credits}`)
}

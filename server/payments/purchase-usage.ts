// A purchase's usage row kept at what its payment holds or took (server/payments/purchases.ts tells
// why), in the transaction that records each of the payment's answers.
import type { Transaction } from 'kysely'
import type { Database } from '../../db/schema.ts'
import type { Payment } from './payment.ts'

/**
 * Keeps a purchase's usage row at what its payment holds or took, in the transaction that records
 * the payment's new state. Sessions keep their own usage rows (server/sessions): not touched here.
 */
export async function purchaseUsage(
  trx: Transaction<Database>,
  tenantId: string,
  payment: Payment,
  now: Date,
) {
  if (!payment.decision_id || payment.session_id) return
  const counted =
    payment.status === 'authorized'
      ? payment.amount_authorized
      : payment.status === 'captured' || payment.status === 'refunded'
        ? payment.amount_captured - payment.amount_refunded
        : payment.status === 'unknown' || payment.status === 'pending'
          ? null
          : 0
  if (counted === null) return
  await trx
    .updateTable('usage_events')
    .set(counted > 0 ? { amount: counted, voided_at: null } : { voided_at: now })
    .where('tenant_id', '=', tenantId)
    .where('decision_id', '=', payment.decision_id)
    .where('purchases', '=', 1)
    .execute()
}

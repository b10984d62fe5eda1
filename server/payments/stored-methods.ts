// Stored forms of payment: a card a customer paid with before, kept as the gateway's token for it
// (never the number) on its payment_methods row, so a returning customer can be charged again by
// choosing it by id. Queries take the database first and lead with the tenant: another tenant's
// method id finds nothing.
import type { Db } from '../../db/connect.ts'
import type { PaymentMethod } from '../../db/schema.ts'
import type { PaymentSource } from './port.ts'

/**
 * Keeps the token a gateway gave for a hold or charge on the payment method it was made with — found
 * by its id, or by the card's keyed fingerprint (what a decision knows). Payments call it after a
 * successful hold or charge whose answer carries a token. Returns whether a method was found.
 */
export async function rememberToken(
  db: Db,
  call: { tenantId: string; gateway: string; token: string } & (
    | { paymentMethodId: string; fingerprint?: undefined }
    | { fingerprint: string; paymentMethodId?: undefined }
  ),
): Promise<boolean> {
  let update = db
    .updateTable('payment_methods')
    .set({ gateway: call.gateway, gateway_token: call.token })
    .where('tenant_id', '=', call.tenantId)
  update =
    call.paymentMethodId !== undefined
      ? update.where('id', '=', call.paymentMethodId)
      : update.where('fingerprint', '=', call.fingerprint)
  const result = await update.executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/** What the merchant API shows of a stored method: never the token, never a number. */
export interface StoredMethodView {
  id: string
  type: string
  brand: string | null
  last4: string | null
  exp_month: number | null
  exp_year: number | null
  last_used_at: string
}

export function viewStoredMethod(row: PaymentMethod): StoredMethodView {
  return {
    id: row.id,
    type: row.type,
    brand: row.brand,
    last4: row.last4,
    exp_month: row.exp_month,
    exp_year: row.exp_year,
    last_used_at: row.last_used_at.toISOString(),
  }
}

export type StoredMethodQuery = { customerId: string } | { ani: string } | { email: string }

/**
 * A returning customer's methods that can be charged again (those with a gateway token), most
 * recently used first — found by the merchant's customer id, the caller's number or the e-mail, as
 * decisions recognise customers (customer_identifiers).
 */
export async function findStoredMethods(
  db: Db,
  tenantId: string,
  query: StoredMethodQuery,
): Promise<PaymentMethod[]> {
  const [kind, value] =
    'customerId' in query
      ? (['customer_id', query.customerId] as const)
      : 'ani' in query
        ? (['phone', query.ani] as const)
        : (['email', query.email.toLowerCase()] as const)
  return db
    .selectFrom('payment_methods')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('customer_id', 'in', (eb) =>
      eb
        .selectFrom('customer_identifiers')
        .select('customer_id')
        .where('tenant_id', '=', tenantId)
        .where('kind', '=', kind)
        .where('value', '=', value),
    )
    .where('gateway_token', 'is not', null)
    .orderBy('last_used_at', 'desc')
    .orderBy('id')
    .limit(50)
    .execute()
}

/** One of the tenant's stored methods that can be charged again; undefined for any other id. */
export function findStoredMethod(db: Db, tenantId: string, id: string): Promise<PaymentMethod | undefined> {
  return db
    .selectFrom('payment_methods')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('gateway_token', 'is not', null)
    .executeTakeFirst()
}

/**
 * How a stored method is charged: its token, through the gateway that issued it. A token is only
 * good with its own gateway; a tenant that switched gateways since must take the card again.
 */
export function storedMethodSource(row: PaymentMethod): { gateway: string; source: PaymentSource } | null {
  if (!row.gateway || !row.gateway_token) return null
  return { gateway: row.gateway, source: { type: 'token', token: row.gateway_token } }
}

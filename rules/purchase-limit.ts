// The purchase value limit of figure 10 (steps 1025–1030): a customer who passes screening gets an
// established limit on the value of a purchase; later purchases above it are limited until staff
// raise it or it expires. Pure: the stored limit arrives through FactSources.
import type { Settings } from './schema.ts'
import type { FiredEvent, PurchaseValueLimit, PurchaseValueLimitView } from './types.ts'

export const PURCHASE_VALUE_LIMIT_RULE = 'purchase-value-limit'

/** The limited event a purchase above the customer's limit raises, or null when it fits. */
export function purchaseValueLimitEvent(
  limit: PurchaseValueLimit | null,
  purchase: { value: number; currency: string } | null,
): FiredEvent | null {
  if (!limit || !purchase) return null
  // Another currency cannot be judged against the limit: fail closed, as money allowances do.
  const otherCurrency = purchase.currency !== limit.currency
  if (!otherCurrency && purchase.value <= limit.amount) return null
  return {
    ruleId: PURCHASE_VALUE_LIMIT_RULE,
    ruleName: 'Purchase value limit',
    type: 'limit',
    params: {
      reason_code: 'purchase_value_limit',
      message: otherCurrency
        ? `The customer's purchase value limit is kept in ${limit.currency}, not ${purchase.currency}`
        : `The purchase exceeds the customer's purchase value limit of ${limit.amount} ${limit.currency} (until ${limit.expires_at.toISOString()})`,
    },
  }
}

/** The limit a passing purchase establishes when the customer has none in force. */
export function establishPurchaseValueLimit(
  setting: NonNullable<Settings['purchase_value_limit']>,
  currency: string,
  now: Date,
): PurchaseValueLimit {
  return { amount: setting.amount, currency, expires_at: new Date(now.getTime() + setting.days * 86_400_000) }
}

export function viewPurchaseValueLimit(
  limit: PurchaseValueLimit,
  established: boolean,
): PurchaseValueLimitView {
  return {
    amount: limit.amount,
    currency: limit.currency,
    expires_at: limit.expires_at.toISOString(),
    established,
  }
}

// Which values in a rule set are money, so the console shows and takes them as amounts in the rule
// set's currency while the JSON keeps minor units: the facts that are amounts, the event params that
// are prices, discounts and money allowances. Pure.
import { amountText, parseAmount } from './money.ts'

const moneyFacts = new Set(['amount', 'purchase_value_limit', 'purchase_value_limit_remaining'])

/** A fact whose value is money: the amount asked for, purchase value limits, money used in a window. */
export function factIsMoney(fact: string, params: Record<string, unknown> | null | undefined): boolean {
  return moneyFacts.has(fact) || (fact === 'usage' && params?.metric === 'amount')
}

/** An event param that is money: a discount's amount off, a money allowance's limit (offers are priced in the catalog). */
export function paramIsMoney(
  eventType: string,
  name: string,
  params: Record<string, unknown> | null | undefined,
): boolean {
  if (eventType === 'discount') return name === 'amount_off'
  if (eventType === 'allowance') return name === 'limit' && params?.metric === 'amount'
  // a version written before the catalog priced its offers in the event itself
  if (eventType === 'offer') return name === 'price'
  return false
}

/** Minor units in a box to type in ("50.00"); a value that is not a number stays as it is. */
export function moneyInputText(value: unknown, currency: string): string {
  if (value === null || value === undefined) return ''
  return typeof value === 'number' && Number.isInteger(value) ? amountText(value, currency) : String(value)
}

/**
 * What a money box holds as the JSON value: minor units; null when empty; the text itself when it
 * is not an amount in the currency, so the server's check names the field.
 */
export function moneyInputValue(text: string, currency: string): number | string | null {
  const minor = parseAmount(text, currency)
  return minor === undefined ? text.trim() : minor
}

// Money as staff type and read it: amounts in the currency ("50.00", "¥500", "1.250 BHD"), while
// the server keeps integer minor units. The currency says how many digits follow the point.

/** Digits after the point in this currency: 2 for USD, 0 for JPY, 3 for BHD; 2 when unknown. */
export function currencyDigits(currency: string): number {
  try {
    return (
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2
    )
  } catch {
    return 2
  }
}

/** Minor units as the amount a person types: 5000 USD → "50.00", 500 JPY → "500". */
export function amountText(minorUnits: number, currency: string): string {
  const digits = currencyDigits(currency)
  const negative = minorUnits < 0
  const text = String(Math.abs(Math.trunc(minorUnits))).padStart(digits + 1, '0')
  const whole = digits ? text.slice(0, -digits) : text
  const fraction = digits ? `.${text.slice(-digits)}` : ''
  return `${negative ? '-' : ''}${whole}${fraction}`
}

/**
 * An amount typed in the currency as minor units: "50" or "50.00" USD → 5000, "1.5" BHD → 1500.
 * Null for an empty box; undefined when it is not an amount in this currency (letters, or more
 * digits after the point than the currency has), so the caller can say so.
 */
export function parseAmount(text: string, currency: string): number | null | undefined {
  const trimmed = text.trim().replaceAll(/[\s_]/g, '')
  if (trimmed === '') return null
  const digits = currencyDigits(currency)
  const match = /^(-?)(\d*)(?:[.,](\d*))?$/.exec(trimmed)
  if (!match || (match[2] === '' && !match[3])) return undefined
  const fraction = match[3] ?? ''
  if (fraction.length > digits) return undefined
  const minor = Number(`${match[2] || '0'}${fraction.padEnd(digits, '0')}`)
  if (!Number.isSafeInteger(minor)) return undefined
  return match[1] ? -minor : minor
}

// The currencies Tollgate bills in and how many digits each has after the point (its ISO 4217
// exponent). Amounts are integer minor units everywhere; the exponent only says where the point goes
// when a person reads or types one: 299 USD is 2.99, 300 JPY is 300, 1250 BHD is 1.250.
//
// The table is written out rather than read from Intl because CLDR (behind Intl) differs from ISO
// 4217 for several currencies a gateway settles in minor units by ISO (IQD, ISK and others), and a
// currency a customer can be billed in should not change with the Node version. Only currencies in
// circulation are listed: fund codes (CLF, UYW with 4 decimals, BOV, COU, …), precious metals and
// the testing codes are not currencies a service line can charge in, so every exponent is 0, 2 or 3.

const zeroDecimals = [
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'ISK',
  'JPY',
  'KMF',
  'KRW',
  'PYG',
  'RWF',
  'UGX',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
] as const

const threeDecimals = ['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'] as const

const twoDecimals = [
  'AED',
  'AFN',
  'ALL',
  'AMD',
  'ANG',
  'AOA',
  'ARS',
  'AUD',
  'AWG',
  'AZN',
  'BAM',
  'BBD',
  'BDT',
  'BGN',
  'BMD',
  'BND',
  'BOB',
  'BRL',
  'BSD',
  'BTN',
  'BWP',
  'BYN',
  'BZD',
  'CAD',
  'CDF',
  'CHF',
  'CNY',
  'COP',
  'CRC',
  'CUP',
  'CVE',
  'CZK',
  'DKK',
  'DOP',
  'DZD',
  'EGP',
  'ERN',
  'ETB',
  'EUR',
  'FJD',
  'FKP',
  'GBP',
  'GEL',
  'GHS',
  'GIP',
  'GMD',
  'GTQ',
  'GYD',
  'HKD',
  'HNL',
  'HTG',
  'HUF',
  'IDR',
  'ILS',
  'INR',
  'IRR',
  'JMD',
  'KES',
  'KGS',
  'KHR',
  'KPW',
  'KYD',
  'KZT',
  'LAK',
  'LBP',
  'LKR',
  'LRD',
  'LSL',
  'MAD',
  'MDL',
  'MGA',
  'MKD',
  'MMK',
  'MNT',
  'MOP',
  'MRU',
  'MUR',
  'MVR',
  'MWK',
  'MXN',
  'MYR',
  'MZN',
  'NAD',
  'NGN',
  'NIO',
  'NOK',
  'NPR',
  'NZD',
  'PAB',
  'PEN',
  'PGK',
  'PHP',
  'PKR',
  'PLN',
  'QAR',
  'RON',
  'RSD',
  'RUB',
  'SAR',
  'SBD',
  'SCR',
  'SDG',
  'SEK',
  'SGD',
  'SHP',
  'SLE',
  'SOS',
  'SRD',
  'SSP',
  'STN',
  'SVC',
  'SYP',
  'SZL',
  'THB',
  'TJS',
  'TMT',
  'TOP',
  'TRY',
  'TTD',
  'TWD',
  'TZS',
  'UAH',
  'USD',
  'UYU',
  'UZS',
  'VED',
  'VES',
  'WST',
  'XCD',
  'XCG',
  'YER',
  'ZAR',
  'ZMW',
  'ZWG',
] as const

export type CurrencyExponent = 0 | 2 | 3

const exponents: ReadonlyMap<string, CurrencyExponent> = new Map<string, CurrencyExponent>([
  ...zeroDecimals.map((code) => [code, 0] as const),
  ...twoDecimals.map((code) => [code, 2] as const),
  ...threeDecimals.map((code) => [code, 3] as const),
])

/** Every currency Tollgate bills in, alphabetically. */
export const currencyCodes: readonly string[] = [...exponents.keys()].sort()

/** True for an ISO 4217 code of a currency in circulation, written in capitals ("USD", not "usd"). */
export function isCurrency(code: string): boolean {
  return exponents.has(code)
}

/**
 * Digits after the point in this currency (ISO 4217): 0 for JPY, 2 for USD, 3 for BHD and KWD.
 * Throws a RangeError for a code that is not a currency in circulation: a wrong guess here would
 * bill a hundred times too much or too little, so callers validate the code at their edge.
 */
export function currencyExponent(code: string): CurrencyExponent {
  const exponent = exponents.get(code)
  if (exponent === undefined) throw new RangeError(`${JSON.stringify(code)} is not an ISO 4217 currency code`)
  return exponent
}

/** Minor units as a person reads them, with the code: 299 USD → "2.99 USD", 300 JPY → "300 JPY". */
export function formatMinorUnits(minorUnits: number, currency: string): string {
  const digits = currencyExponent(currency)
  const negative = minorUnits < 0
  const text = String(Math.abs(Math.trunc(minorUnits))).padStart(digits + 1, '0')
  const whole = digits ? text.slice(0, -digits) : text
  const fraction = digits ? `.${text.slice(-digits)}` : ''
  return `${negative ? '-' : ''}${whole}${fraction} ${currency}`
}

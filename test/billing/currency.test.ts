// Currency exponents (ISO 4217) and how minor units read: the digits decide where the point goes,
// so a wrong one bills a hundred times too much or too little.
import { describe, expect, it } from 'vitest'
import {
  currencyCodes,
  currencyExponent,
  formatMinorUnits,
  isCurrency,
} from '../../server/billing/currency.ts'

describe('currencyExponent', () => {
  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['GBP', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['ISK', 0],
    ['CLP', 0],
    ['BHD', 3],
    ['KWD', 3],
    ['JOD', 3],
    ['IQD', 3],
    ['TND', 3],
  ] as const)('%s has %i digits after the point', (code, exponent) => {
    expect(currencyExponent(code)).toBe(exponent)
  })

  it('refuses what is not a currency in circulation rather than guessing 2 digits', () => {
    for (const code of ['usd', 'XYZ', '', 'US', 'XAU', 'CLF', 'XTS']) {
      expect(isCurrency(code)).toBe(false)
      expect(() => currencyExponent(code)).toThrow(RangeError)
    }
  })

  it('knows only 0, 2 and 3 digits, for codes of three capitals', () => {
    expect(currencyCodes.length).toBeGreaterThan(150)
    for (const code of currencyCodes) {
      expect(code).toMatch(/^[A-Z]{3}$/)
      expect([0, 2, 3]).toContain(currencyExponent(code))
    }
    expect(new Set(currencyCodes).size).toBe(currencyCodes.length)
  })
})

describe('formatMinorUnits', () => {
  it('puts the point where the currency says', () => {
    expect(formatMinorUnits(299, 'USD')).toBe('2.99 USD')
    expect(formatMinorUnits(5, 'USD')).toBe('0.05 USD')
    expect(formatMinorUnits(300, 'JPY')).toBe('300 JPY')
    expect(formatMinorUnits(1250, 'BHD')).toBe('1.250 BHD')
    expect(formatMinorUnits(7, 'KWD')).toBe('0.007 KWD')
    expect(formatMinorUnits(-150, 'USD')).toBe('-1.50 USD')
    expect(formatMinorUnits(0, 'EUR')).toBe('0.00 EUR')
  })
})

// Money as staff type and read it in the console: amounts in the currency, minor units in the JSON,
// for currencies with 2, 0 and 3 digits after the point; and which rule values are money.
import { describe, expect, it } from 'vitest'
import { amountText, currencyDigits, parseAmount } from '../../console/src/lib/money.ts'
import {
  factIsMoney,
  moneyInputText,
  moneyInputValue,
  paramIsMoney,
} from '../../console/src/lib/money-fields.ts'
import {
  allowanceAmountInWords,
  factDescription,
  firedParamsInWords,
  remainingInWords,
} from '../../console/src/pages/decisions/words.ts'
import { changeValue, fourEyesRule, isMoneyPath } from '../../console/src/pages/rule-sets/lifecycle.ts'
import { fromDefinition } from '../../console/src/pages/rule-sets/model.ts'
import { ruleInWords } from '../../console/src/pages/rule-sets/rule-words.ts'

describe('amounts in the currency', () => {
  it('knows how many digits each currency has', () => {
    expect(currencyDigits('USD')).toBe(2)
    expect(currencyDigits('JPY')).toBe(0)
    expect(currencyDigits('BHD')).toBe(3)
    expect(currencyDigits('KWD')).toBe(3)
    // not a currency Intl knows: the usual two
    expect(currencyDigits('nope')).toBe(2)
  })

  it('writes minor units as the amount a person types', () => {
    expect(amountText(5000, 'USD')).toBe('50.00')
    expect(amountText(5, 'USD')).toBe('0.05')
    expect(amountText(-1250, 'EUR')).toBe('-12.50')
    expect(amountText(500, 'JPY')).toBe('500')
    expect(amountText(1500, 'BHD')).toBe('1.500')
  })

  it('reads a typed amount as minor units, exactly (no floating point on the way)', () => {
    expect(parseAmount('50', 'USD')).toBe(5000)
    expect(parseAmount('50.00', 'USD')).toBe(5000)
    expect(parseAmount(' 19.99 ', 'USD')).toBe(1999)
    expect(parseAmount('0.07', 'USD')).toBe(7)
    expect(parseAmount('1.1', 'USD')).toBe(110)
    expect(parseAmount('12,5', 'EUR')).toBe(1250)
    expect(parseAmount('.5', 'USD')).toBe(50)
    expect(parseAmount('500', 'JPY')).toBe(500)
    expect(parseAmount('1.5', 'BHD')).toBe(1500)
    expect(parseAmount('1.005', 'KWD')).toBe(1005)
    expect(parseAmount('', 'USD')).toBeNull()
  })

  it('refuses what is not an amount in that currency', () => {
    expect(parseAmount('50.001', 'USD')).toBeUndefined()
    expect(parseAmount('5.5', 'JPY')).toBeUndefined()
    expect(parseAmount('fifty', 'USD')).toBeUndefined()
    expect(parseAmount('1e3', 'USD')).toBeUndefined()
    expect(parseAmount('.', 'USD')).toBeUndefined()
    expect(parseAmount('99999999999999999', 'USD')).toBeUndefined()
  })

  it('round-trips every amount it writes', () => {
    for (const currency of ['USD', 'JPY', 'BHD'])
      for (const minor of [0, 1, 9, 10, 99, 100, 12345, 5_000_000])
        expect(parseAmount(amountText(minor, currency), currency)).toBe(minor)
  })
})

describe('money boxes in the rule builder', () => {
  it('shows minor units as an amount and keeps what is not a number as it is', () => {
    expect(moneyInputText(5000, 'USD')).toBe('50.00')
    expect(moneyInputText(undefined, 'USD')).toBe('')
    expect(moneyInputText('abc', 'USD')).toBe('abc')
  })

  it('stores minor units; text that is no amount goes to the server as text, which names the field', () => {
    expect(moneyInputValue('50.00', 'USD')).toBe(5000)
    expect(moneyInputValue('500', 'JPY')).toBe(500)
    expect(moneyInputValue('', 'USD')).toBeNull()
    expect(moneyInputValue('50.001', 'USD')).toBe('50.001')
  })

  it('knows which facts and params are money', () => {
    expect(factIsMoney('amount', undefined)).toBe(true)
    expect(factIsMoney('purchase_value_limit_remaining', undefined)).toBe(true)
    expect(factIsMoney('usage', { metric: 'amount', subject: 'card' })).toBe(true)
    expect(factIsMoney('usage', { metric: 'minutes', subject: 'card' })).toBe(false)
    expect(factIsMoney('item_count', undefined)).toBe(false)
    expect(paramIsMoney('allowance', 'limit', { metric: 'amount' })).toBe(true)
    expect(paramIsMoney('allowance', 'limit', { metric: 'sessions' })).toBe(false)
    expect(paramIsMoney('discount', 'amount_off', {})).toBe(true)
    expect(paramIsMoney('discount', 'percent_off', {})).toBe(false)
    // offers are priced in the catalog now; a version from before named its price in the event
    expect(paramIsMoney('offer', 'price', {})).toBe(true)
    expect(paramIsMoney('block', 'message', {})).toBe(false)
  })
})

describe('money in words', () => {
  it('writes a rule in its rule set’s currency', () => {
    const model = fromDefinition({
      settings: { currency: 'USD' },
      rules: [
        {
          id: 'big',
          name: 'Big purchases',
          conditions: { all: [{ fact: 'amount', operator: 'greaterThan', value: 50000 }] },
          event: { type: 'review', params: { reason_code: 'big', message: 'Big' } },
        },
        {
          id: 'monthly-spend',
          name: 'Monthly spend',
          conditions: { all: [] },
          event: {
            type: 'allowance',
            params: { subject: 'card', metric: 'amount', window: 'month', limit: 250000, message: 'M' },
          },
        },
      ],
    })
    if (!model.ok) throw new Error(model.message)
    const [big, spend] = model.value.rules
    if (!big || !spend) throw new Error('two rules expected')
    expect(ruleInWords(big, { review: 'Review' }, 'USD')).toMatch(/amount is more than \$500\.00$/)
    expect(ruleInWords(spend, { allowance: 'Allowance' }, 'USD')).toContain('limit: $2,500.00')
    expect(ruleInWords(spend, { allowance: 'Allowance' }, 'JPY')).toContain('limit: ¥250,000')
  })

  it('writes what is left of an allowance in its own unit', () => {
    expect(remainingInWords(2500, 'amount', 'USD')).toBe('$25.00 left')
    expect(remainingInWords(1, 'sessions', 'USD')).toBe('1 session left')
    expect(remainingInWords(0, 'minutes', 'USD')).toBe('0 minutes left')
    expect(allowanceAmountInWords(1500, 'amount', 'BHD')).toMatch(/1\.500/)
    expect(allowanceAmountInWords(3, 'purchases', 'USD')).toBe('3')
  })

  it('leaves the engine’s minor units out of fact descriptions staff read beside amounts', () => {
    expect(factDescription('The amount asked for, in minor units (0 when none was given)')).toBe(
      'The amount asked for (0 when none was given)',
    )
    expect(factDescription('a count of sessions, whole minutes, or money in minor units')).toBe(
      'a count of sessions, whole minutes, or money',
    )
  })

  it('writes a fired rule’s money params as money', () => {
    expect(
      firedParamsInWords(
        { type: 'offer', params: { offer_id: 'o1', name: 'Gold', price: 999, message: 'x' } },
        'USD',
      ),
    ).toBe('offer id: o1 · name: Gold · price: $9.99')
  })
})

describe('four eyes in the publish confirmation', () => {
  const author = { id: 'u-1', email: 'ann@example.com' }
  it('says nothing when it is off', () => {
    expect(fourEyesRule({ four_eyes: false }, author, { id: 'u-1' })).toBeNull()
  })
  it('says who may publish, and stops the last editor', () => {
    const mine = fourEyesRule({ four_eyes: true }, author, { id: 'u-1' })
    expect(mine?.mayPublish).toBe(false)
    expect(mine?.text).toContain('someone other than the last person who changed this draft')
    expect(mine?.text).toContain('You changed it last')
    const theirs = fourEyesRule({ four_eyes: true }, author, { id: 'u-2' })
    expect(theirs).toEqual({
      text: expect.stringContaining('ann@example.com changed it last'),
      mayPublish: true,
    })
  })
})

describe('money in a diff of two versions', () => {
  const allowance = {
    id: 'daily',
    conditions: { all: [{ any: [{ fact: 'amount', operator: 'greaterThan', value: [100, 200] }] }] },
    event: { type: 'allowance', params: { metric: 'amount', limit: 2000 } },
  }
  it('finds the money among a rule’s changed values and the settings', () => {
    expect(isMoneyPath(['event', 'params', 'limit'], allowance)).toBe(true)
    expect(isMoneyPath(['event', 'params', 'message'], allowance)).toBe(false)
    expect(isMoneyPath(['conditions', 'all', 0, 'any', 0, 'value'], allowance)).toBe(true)
    expect(isMoneyPath(['conditions', 'all', 0, 'any', 0, 'value', 1], allowance)).toBe(true)
    expect(isMoneyPath(['conditions', 'all', 0, 'any', 0, 'operator'], allowance)).toBe(false)
    expect(isMoneyPath(['priority'], allowance)).toBe(false)
    expect(isMoneyPath(['session_hold_amount'], null)).toBe(true)
    expect(isMoneyPath(['purchase_value_limit', 'amount'], null)).toBe(true)
    expect(isMoneyPath(['purchase_value_limit', 'days'], null)).toBe(false)
  })

  it('writes money changes in the currency', () => {
    const change = { path: ['event', 'params', 'limit'], kind: 'changed' as const, old: 2000, new: 3000 }
    expect(changeValue(change, 'old', { currency: 'USD', is: true })).toBe('$20.00')
    expect(changeValue(change, 'new', { currency: 'USD', is: false })).toBe('3,000')
  })
})

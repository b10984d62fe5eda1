// Address verification codes of each card network normalized to one result, and which fired rules
// count as an identity mismatch.
import { describe, expect, it } from 'vitest'
import { identityMismatchKinds } from '../../rules/facts/identity.ts'
import { avsCodeFor, type avsResults, normalizeAvs } from '../../rules/payment-checks.ts'
import type { FiredRule } from '../../rules/types.ts'

describe('normalizeAvs', () => {
  const cases: [brand: string, code: string, result: (typeof avsResults)[number]][] = [
    ['visa', 'Y', 'full_match'],
    ['visa', 'D', 'full_match'],
    ['visa', 'M', 'full_match'],
    ['visa', 'A', 'street_only'],
    ['visa', 'B', 'street_only'],
    ['visa', 'Z', 'postal_only'],
    ['visa', 'P', 'postal_only'],
    ['visa', 'N', 'no_match'],
    ['visa', 'C', 'no_match'],
    ['visa', 'G', 'unavailable'],
    ['visa', 'R', 'unavailable'],
    ['mastercard', 'X', 'full_match'],
    ['mastercard', 'Y', 'full_match'],
    ['mastercard', 'A', 'street_only'],
    ['mastercard', 'W', 'postal_only'],
    ['mastercard', 'Z', 'postal_only'],
    ['mastercard', 'N', 'no_match'],
    ['mastercard', 'U', 'unavailable'],
    ['amex', 'Y', 'full_match'],
    ['amex', 'M', 'full_match'],
    ['amex', 'E', 'full_match'],
    ['amex', 'A', 'street_only'],
    ['amex', 'O', 'street_only'],
    ['amex', 'Z', 'postal_only'],
    ['amex', 'L', 'postal_only'],
    ['amex', 'N', 'no_match'],
    ['amex', 'K', 'no_match'],
    ['amex', 'S', 'unavailable'],
    ['discover', 'A', 'full_match'],
    ['discover', 'X', 'full_match'],
    ['discover', 'Y', 'street_only'],
    ['discover', 'Z', 'postal_only'],
    ['discover', 'T', 'postal_only'],
    ['discover', 'N', 'no_match'],
    ['discover', 'U', 'unavailable'],
  ]
  it.each(cases)('%s %s is %s', (brand, code, result) => {
    expect(normalizeAvs(brand, code)).toBe(result)
  })

  it('reads Y differently for Discover than for Visa', () => {
    expect(normalizeAvs('visa', 'Y')).toBe('full_match')
    expect(normalizeAvs('discover', 'Y')).toBe('street_only')
  })

  it('treats a missing, unknown or oddly spelled code sensibly', () => {
    expect(normalizeAvs('visa', null)).toBe('unavailable')
    expect(normalizeAvs('visa', '')).toBe('unavailable')
    expect(normalizeAvs('visa', 'Q')).toBe('unavailable')
    expect(normalizeAvs('mastercard', ' z ')).toBe('postal_only')
    // a network without a table of its own reads Visa's
    expect(normalizeAvs('jcb', 'Y')).toBe('full_match')
  })

  it('round-trips what matched through each network’s own code', () => {
    for (const brand of ['visa', 'mastercard', 'amex', 'discover'])
      for (const street of [true, false])
        for (const postal of [true, false]) {
          const expected =
            street && postal ? 'full_match' : street ? 'street_only' : postal ? 'postal_only' : 'no_match'
          expect(normalizeAvs(brand, avsCodeFor(brand, street, postal)), `${brand} ${street} ${postal}`).toBe(
            expected,
          )
        }
  })
})

describe('identityMismatchKinds', () => {
  const rule = (type: FiredRule['type'], fact: string, factValue: unknown, result = true): FiredRule => ({
    id: `r-${fact}`,
    name: fact,
    type,
    params: {},
    conditions: [{ fact, params: null, operator: 'equal', value: false, fact_value: factValue, result }],
  })

  it('counts temporary blocks that fired on a false identity check', () => {
    expect(
      identityMismatchKinds([
        rule('temporary_block', 'entered_phone_matches_ani', false),
        rule('temporary_block', 'device_known', false),
      ]),
    ).toEqual(['device', 'phone'])
    expect(identityMismatchKinds([rule('temporary_block', 'entered_ip_matches_network_ip', false)])).toEqual([
      'ip',
    ])
  })

  it('ignores blocks, other facts and checks that matched', () => {
    expect(identityMismatchKinds([rule('block', 'entered_phone_matches_ani', false)])).toEqual([])
    expect(identityMismatchKinds([rule('temporary_block', 'avs_result', false)])).toEqual([])
    expect(identityMismatchKinds([rule('temporary_block', 'entered_phone_matches_ani', true)])).toEqual([])
    expect(identityMismatchKinds([])).toEqual([])
  })
})

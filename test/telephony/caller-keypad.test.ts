// The caller flow's pure parts: what key presses mean, how figures are said, and what a started
// session's verdict is for the caller on the line.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { SessionView } from '../../server/sessions/schema.ts'
import {
  birthDateOf,
  expiryOf,
  phoneNumberOf,
  preferenceMenu,
  preferenceOf,
  sameNumber,
  zodiacSignOf,
  zodiacSigns,
} from '../../telephony/caller/keypad.ts'
import {
  lastFourSaying,
  majorUnits,
  positionSaying,
  rateSaying,
  resetSaying,
  sayArgument,
  waitSaying,
} from '../../telephony/caller/say.ts'
import { verdictOf } from '../../telephony/caller/verdict.ts'

describe('the caller’s number', () => {
  it('reads keyed digits as the decision reads them and compares them with the ANI', () => {
    expect(phoneNumberOf('2025550143')).toBe('+12025550143')
    expect(sameNumber('2025550143', '+12025550143')).toBe(true)
    expect(sameNumber('12025550143', '+12025550143')).toBe(true)
    expect(sameNumber('2025550199', '+12025550143')).toBe(false)
  })

  it('treats FreeSWITCH’s forms of “no number” and impossible numbers as none', () => {
    for (const none of ['0000000000', 'anonymous', 'Unknown', 'restricted', 'private', '', '12'])
      expect(phoneNumberOf(none)).toBeNull()
    expect(phoneNumberOf(undefined)).toBeNull()
    expect(sameNumber('', '+12025550143')).toBe(false)
  })
})

describe('card and birth date entries', () => {
  it('reads MMYY as the expiry month and year, refusing a month that is none', () => {
    expect(expiryOf('1230')).toEqual({ exp_month: 12, exp_year: 2030 })
    expect(expiryOf('0127')).toEqual({ exp_month: 1, exp_year: 2027 })
    expect(expiryOf('1330')).toBeNull()
    expect(expiryOf('0030')).toBeNull()
    expect(expiryOf('123')).toBeNull()
  })

  it('reads MMDDYYYY as a calendar day in the past', () => {
    const today = new Date('2026-12-06T00:00:00Z')
    expect(birthDateOf('02291992', today)).toBe('1992-02-29')
    expect(birthDateOf('02291993', today)).toBeNull()
    expect(birthDateOf('13011990', today)).toBeNull()
    expect(birthDateOf('01012030', today)).toBeNull()
    expect(birthDateOf('0101199', today)).toBeNull()
  })

  it('gives each birth date its sign of the Zodiac, the cusps included', () => {
    expect(zodiacSignOf('1990-03-21')).toBe('aries')
    expect(zodiacSignOf('1990-03-20')).toBe('pisces')
    expect(zodiacSignOf('1990-12-22')).toBe('capricorn')
    expect(zodiacSignOf('1990-01-19')).toBe('capricorn')
    expect(zodiacSignOf('1990-01-20')).toBe('aquarius')
    expect(zodiacSignOf('1990-08-01')).toBe('leo')
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1900-01-01'), max: new Date('2026-12-31'), noInvalidDate: true }),
        (d) => (zodiacSigns as readonly string[]).includes(zodiacSignOf(d.toISOString().slice(0, 10))),
      ),
    )
  })
})

describe('the preference menu', () => {
  it('offers anyone on 1, then the line’s preferences in its order', () => {
    const menu = preferenceMenu(['gender', 'expertise', 'extension'])
    expect([...menu.entries()]).toEqual([
      ['1', 'any'],
      ['2', 'gender'],
      ['3', 'expertise'],
      ['4', 'extension'],
    ])
  })

  it('reads the second key as the choice within the preference', () => {
    const tags = ['career', 'love', 'tarot']
    expect(preferenceOf('gender', '1', tags)).toEqual({ gender: 'female' })
    expect(preferenceOf('gender', '2', tags)).toEqual({ gender: 'male' })
    expect(preferenceOf('gender', '3', tags)).toBeNull()
    expect(preferenceOf('expertise', '3', tags)).toEqual({ expertise: 'tarot' })
    expect(preferenceOf('expertise', '0', tags)).toBeNull()
    expect(preferenceOf('zodiac_sign', '12', tags)).toEqual({ zodiac_sign: 'pisces' })
    expect(preferenceOf('extension', '1002', tags)).toEqual({ extension: '1002' })
    expect(preferenceOf('extension', '', tags)).toBeNull()
  })
})

describe('figures said by FreeSWITCH', () => {
  it('says the rate as currency, a position, a wait in whole minutes, a reset time and four digits', () => {
    expect(sayArgument(rateSaying(299, 'USD'))).toBe('en CURRENCY PRONOUNCED 2.99')
    expect(sayArgument(rateSaying(150, 'EUR'))).toBe('en NUMBER PRONOUNCED 1.50')
    expect(majorUnits(5)).toBe('0.05')
    expect(sayArgument(positionSaying(3))).toBe('en NUMBER PRONOUNCED 3')
    expect(sayArgument(waitSaying(61))).toBe('en TIME_MEASUREMENT PRONOUNCED 120')
    expect(sayArgument(waitSaying(0))).toBe('en TIME_MEASUREMENT PRONOUNCED 60')
    expect(sayArgument(resetSaying(new Date('2026-12-07T00:00:00Z')))).toBe(
      'en CURRENT_DATE_TIME PRONOUNCED 1796601600',
    )
    expect(sayArgument(lastFourSaying('4242'), 'es')).toBe('es NUMBER ITERATED 4242')
  })
})

function session(
  overrides: Partial<SessionView>,
  decision: Partial<SessionView['decision']> = {},
): SessionView {
  return {
    id: 'ses_1',
    status: 'refused',
    failure: null,
    max_duration_seconds: null,
    ...overrides,
    decision: {
      id: 'dec_1',
      outcome: 'approve',
      reasons: [],
      limits: { max_amount: null, max_duration_seconds: null, resets_at: null },
      retry_after_seconds: null,
      ...decision,
    },
  } as SessionView
}

describe('what a started session means for the caller', () => {
  it('goes on when live, and reads refusals as the rule set decided them', () => {
    expect(verdictOf(session({ status: 'live' }))).toEqual({ kind: 'go' })
    expect(verdictOf(session({}, { outcome: 'block' }))).toEqual({ kind: 'block' })
    expect(verdictOf(session({}, { outcome: 'review' }))).toEqual({ kind: 'review', decisionId: 'dec_1' })
    expect(
      verdictOf(
        session(
          {},
          {
            outcome: 'limit',
            limits: { max_amount: 0, max_duration_seconds: 0, resets_at: '2026-12-07T00:00:00.000Z' },
          },
        ),
      ),
    ).toEqual({ kind: 'limit', resetsAt: new Date('2026-12-07T00:00:00.000Z') })
  })

  it('lets the caller correct what a temporary block names, only when the rule set grants a retry now', () => {
    const mismatch = [
      { rule: 'm', type: 'temporary_block', message: 'm', reason_code: 'entered_phone_mismatch' },
    ]
    const avs = [{ rule: 'a', type: 'temporary_block', message: 'a', reason_code: 'avs.postal_mismatch' }]
    expect(
      verdictOf(session({}, { outcome: 'temporary_block', retry_after_seconds: 0, reasons: mismatch })),
    ).toEqual({
      kind: 'retry',
      correct: 'number',
      declined: false,
    })
    expect(
      verdictOf(session({}, { outcome: 'temporary_block', retry_after_seconds: 0, reasons: avs })),
    ).toEqual({
      kind: 'retry',
      correct: 'card',
      declined: false,
    })
    expect(
      verdictOf(session({}, { outcome: 'temporary_block', retry_after_seconds: 3600, reasons: avs })),
    ).toEqual({
      kind: 'temporary_block',
    })
  })

  it('follows the rule set’s payment_declines for a declined hold', () => {
    const declined = session({ status: 'failed', failure: { code: 'insufficient_funds', message: 'no' } })
    expect(verdictOf(declined)).toEqual({ kind: 'retry', correct: 'card', declined: true })
    expect(verdictOf(declined, { insufficient_funds: 'block' })).toEqual({ kind: 'block' })
    const refused = session({ status: 'failed', failure: { code: 'generic_decline', message: 'no' } })
    expect(verdictOf(refused)).toEqual({ kind: 'block' })
    const silent = session({ status: 'failed', failure: { code: 'gateway_unavailable', message: 'no' } })
    expect(verdictOf(silent)).toEqual({ kind: 'retry', correct: 'nothing', declined: true })
    const nothing = session({ status: 'failed', failure: { code: 'nothing_granted', message: 'no' } })
    expect(verdictOf(nothing).kind).toBe('limit')
  })
})

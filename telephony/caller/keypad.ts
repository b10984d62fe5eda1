// What the caller's key presses mean: the number they say they call from, a card's expiry, a postal
// code, a birth date, and the preference menu. Pure, so each reading is tested on its own; the flow
// (flow.ts) only asks and acts.
import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js'
import type { CallerPreferences } from '../../server/acd/types.ts'

/** What networks send when the caller's number was withheld (ESL-PROTOCOL.md): treated as no number. */
const withheld = new Set(['', '0000000000', 'anonymous', 'unknown', 'restricted', 'private', 'unavailable'])

/**
 * A phone number as the decision reads it (E.164), or null when it is not a possible number. Digits
 * keyed without a country code are read in `country`, as the decision reads national numbers.
 */
export function phoneNumberOf(raw: string | undefined, country: CountryCode = 'US'): string | null {
  if (raw === undefined || withheld.has(raw.trim().toLowerCase())) return null
  const parsed = parsePhoneNumberFromString(raw.trim(), country)
  return parsed?.isPossible() ? parsed.number : null
}

/** The caller keyed the number the network forwarded (both read as E.164). */
export function sameNumber(entered: string, ani: string, country: CountryCode = 'US'): boolean {
  const a = phoneNumberOf(entered, country)
  return a !== null && a === phoneNumberOf(ani, country)
}

/** MMYY → the card's expiry month and year, or null when it is not a month. */
export function expiryOf(digits: string): { exp_month: number; exp_year: number } | null {
  const match = /^(\d{2})(\d{2})$/.exec(digits)
  if (!match) return null
  const month = Number(match[1])
  if (month < 1 || month > 12) return null
  return { exp_month: month, exp_year: 2000 + Number(match[2]) }
}

/** MMDDYYYY → an ISO date, or null when it is no calendar day between 1900 and today. */
export function birthDateOf(digits: string, today: Date): string | null {
  const match = /^(\d{2})(\d{2})(\d{4})$/.exec(digits)
  if (!match) return null
  const [month, day, year] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(Date.UTC(year, month - 1, day))
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    return null
  if (year < 1900 || date.getTime() > today.getTime()) return null
  return date.toISOString().slice(0, 10)
}

export const zodiacSigns = [
  'aries',
  'taurus',
  'gemini',
  'cancer',
  'leo',
  'virgo',
  'libra',
  'scorpio',
  'sagittarius',
  'capricorn',
  'aquarius',
  'pisces',
] as const
export type ZodiacSign = (typeof zodiacSigns)[number]

// the first day of each sign, as [month, day]; aries begins on 21 March
const signStarts: [number, number][] = [
  [3, 21],
  [4, 20],
  [5, 21],
  [6, 21],
  [7, 23],
  [8, 23],
  [9, 23],
  [10, 23],
  [11, 22],
  [12, 22],
  [1, 20],
  [2, 19],
]

/** The sign of the Zodiac of an ISO birth date (the seed's personalised waiting content and matching). */
export function zodiacSignOf(isoDate: string): ZodiacSign {
  const month = Number(isoDate.slice(5, 7))
  const day = Number(isoDate.slice(8, 10))
  const dayOfYear = (m: number, d: number) => m * 100 + d
  const today = dayOfYear(month, day)
  // capricorn wraps the year: the last start not after the day, else capricorn
  let sign: ZodiacSign = 'capricorn'
  let best = -1
  signStarts.forEach(([m, d], index) => {
    const start = dayOfYear(m, d)
    if (start <= today && start > best) {
      best = start
      sign = zodiacSigns[index] as ZodiacSign
    }
  })
  return sign
}

export const genders = ['female', 'male'] as const

export type PreferenceKind = 'gender' | 'zodiac_sign' | 'expertise' | 'extension'

/**
 * The preference menu: 1 for anyone, then each preference the line offers in its order (2, 3 …).
 * A key not on the menu, or no key, means anyone.
 */
export function preferenceMenu(offered: readonly PreferenceKind[]): Map<string, PreferenceKind | 'any'> {
  const menu = new Map<string, PreferenceKind | 'any'>([['1', 'any']])
  offered.forEach((kind, index) => {
    menu.set(String(index + 2), kind)
  })
  return menu
}

/**
 * What a second key press chooses within a preference: the nth gender, sign or expertise (1-based,
 * expertise in the order given: the tenant's tags sorted), or the extension keyed. null: nothing valid.
 */
export function preferenceOf(
  kind: PreferenceKind,
  digits: string,
  expertise: readonly string[],
): CallerPreferences | null {
  if (kind === 'extension') return /^\d{1,8}$/.test(digits) ? { extension: digits } : null
  if (!/^\d{1,2}$/.test(digits)) return null
  const index = Number(digits) - 1
  const pick = <T>(list: readonly T[]) => (index >= 0 && index < list.length ? list[index] : undefined)
  if (kind === 'gender') {
    const gender = pick(genders)
    return gender ? { gender } : null
  }
  if (kind === 'zodiac_sign') {
    const sign = pick(zodiacSigns)
    return sign ? { zodiac_sign: sign } : null
  }
  const tag = pick(expertise)
  return tag ? { expertise: tag } : null
}

// What the caller hears as figures: the rate, a queue position, a wait, when a limit lifts, the last
// four digits of a stored card. Figures are spoken by FreeSWITCH's `say` application (mod_say_en is
// loaded by the vanilla modules.conf, and its digit and currency sounds ship with the stock sound
// packages), so no line needs a recording per number; everything else is a configured prompt.
// Pure: each function returns the `say` application's argument.

/** FreeSWITCH's say types and methods that the caller flow uses (switch_ivr_play_say.c names them). */
export type SayType = 'NUMBER' | 'CURRENCY' | 'TIME_MEASUREMENT' | 'CURRENT_DATE_TIME'
export type SayMethod = 'PRONOUNCED' | 'ITERATED'

export interface Saying {
  type: SayType
  method: SayMethod
  text: string
}

/** `say <module> <type> <method> <text>`, e.g. `en CURRENCY PRONOUNCED 2.99` */
export function sayArgument(saying: Saying, language = 'en'): string {
  return `${language} ${saying.type} ${saying.method} ${saying.text}`
}

/** Minor units of a two-decimal currency as FreeSWITCH's CURRENCY reads them: 299 → 2.99. */
export function majorUnits(minor: number): string {
  const whole = Math.floor(Math.abs(minor) / 100)
  const cents = Math.abs(minor) % 100
  return `${minor < 0 ? '-' : ''}${whole}.${String(cents).padStart(2, '0')}`
}

/**
 * The rate a line charges a minute. mod_say_en reads CURRENCY as dollars and cents, so other
 * currencies are said as a plain number of major units (the preamble's recording names the currency).
 */
export function rateSaying(ratePerMinute: number, currency: string): Saying {
  return currency === 'USD'
    ? { type: 'CURRENCY', method: 'PRONOUNCED', text: majorUnits(ratePerMinute) }
    : { type: 'NUMBER', method: 'PRONOUNCED', text: majorUnits(ratePerMinute) }
}

export function positionSaying(position: number): Saying {
  return { type: 'NUMBER', method: 'PRONOUNCED', text: String(Math.max(1, Math.round(position))) }
}

/**
 * An expected wait, rounded up to whole minutes (an estimate said to the second promises what no
 * queue can keep), at least one minute. TIME_MEASUREMENT takes seconds and says hours and minutes.
 */
export function waitSaying(seconds: number): Saying {
  const minutes = Math.max(1, Math.ceil(seconds / 60))
  return { type: 'TIME_MEASUREMENT', method: 'PRONOUNCED', text: String(minutes * 60) }
}

/** When a limit lifts: CURRENT_DATE_TIME takes epoch seconds (read in FreeSWITCH's time zone). */
export function resetSaying(resetsAt: Date): Saying {
  return {
    type: 'CURRENT_DATE_TIME',
    method: 'PRONOUNCED',
    text: String(Math.floor(resetsAt.getTime() / 1000)),
  }
}

/** "four two four two": the last four digits of a stored card, digit by digit. */
export function lastFourSaying(last4: string): Saying {
  const digits = last4.replace(/\D/g, '').slice(-4)
  return { type: 'NUMBER', method: 'ITERATED', text: digits }
}

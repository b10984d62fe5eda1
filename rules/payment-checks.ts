// What the payment gateway says about a card beyond "approved": address verification (AVS), the
// CVC check and a cardholder-name match. Every network spells its AVS answer in its own one-letter
// codes; rules read one normalized result, and the raw code is kept beside it for staff. Pure.

export const avsResults = ['full_match', 'postal_only', 'street_only', 'no_match', 'unavailable'] as const
export type AvsResult = (typeof avsResults)[number]
export const cvcResults = ['match', 'no_match', 'unavailable'] as const
export type CvcResult = (typeof cvcResults)[number]
export const cardFundings = ['credit', 'debit', 'prepaid'] as const
export type CardFunding = (typeof cardFundings)[number]

export interface PaymentVerification {
  /** the network's own code, as the gateway returned it; null when it returned none */
  avs_code: string | null
  avs_result: AvsResult
  cvc_result: CvcResult
  /** the issuer's cardholder name against the name given: null when it could not be compared */
  name_match: boolean | null
}

export const unverified: PaymentVerification = {
  avs_code: null,
  avs_result: 'unavailable',
  cvc_result: 'unavailable',
  name_match: null,
}

type AvsTable = Record<string, AvsResult>

// Visa (also the table for networks without their own): D, F, M are international full matches;
// B is an international street match with the postal code not verified, P the reverse.
const visa: AvsTable = {
  Y: 'full_match',
  D: 'full_match',
  F: 'full_match',
  M: 'full_match',
  X: 'full_match',
  A: 'street_only',
  B: 'street_only',
  P: 'postal_only',
  W: 'postal_only',
  Z: 'postal_only',
  N: 'no_match',
  C: 'no_match',
  G: 'unavailable',
  I: 'unavailable',
  R: 'unavailable',
  S: 'unavailable',
  U: 'unavailable',
  E: 'unavailable',
}

// Mastercard: X and Y are full matches (nine- and five-digit ZIP), W and Z postal only.
const mastercard: AvsTable = {
  X: 'full_match',
  Y: 'full_match',
  A: 'street_only',
  W: 'postal_only',
  Z: 'postal_only',
  N: 'no_match',
  R: 'unavailable',
  S: 'unavailable',
  U: 'unavailable',
}

// American Express adds the cardholder name to the letters (K–O name correct, D–F and W incorrect);
// the address part is what the normalized result reports — the name has its own fact.
const amex: AvsTable = {
  Y: 'full_match',
  M: 'full_match',
  E: 'full_match',
  A: 'street_only',
  O: 'street_only',
  F: 'street_only',
  Z: 'postal_only',
  L: 'postal_only',
  D: 'postal_only',
  N: 'no_match',
  K: 'no_match',
  W: 'no_match',
  R: 'unavailable',
  S: 'unavailable',
  U: 'unavailable',
}

// Discover: A and X are full matches, Y is the street alone (not, as for Visa, a full match).
const discover: AvsTable = {
  A: 'full_match',
  X: 'full_match',
  Y: 'street_only',
  T: 'postal_only',
  W: 'postal_only',
  Z: 'postal_only',
  N: 'no_match',
  G: 'unavailable',
  R: 'unavailable',
  S: 'unavailable',
  U: 'unavailable',
}

const tables: Record<string, AvsTable> = { visa, mastercard, amex, discover }

/** The normalized AVS result of a network's raw code; an unknown or missing code is "unavailable". */
export function normalizeAvs(brand: string, rawCode: string | null | undefined): AvsResult {
  if (!rawCode) return 'unavailable'
  const table = tables[brand] ?? visa
  return table[rawCode.trim().toUpperCase()] ?? 'unavailable'
}

/** The code a network sends for what matched: the inverse of normalizeAvs for a domestic answer. */
export function avsCodeFor(brand: string, street: boolean, postal: boolean): string {
  if (brand === 'discover') return street && postal ? 'A' : street ? 'Y' : postal ? 'Z' : 'N'
  return street && postal ? 'Y' : street ? 'A' : postal ? 'Z' : 'N'
}

// What the payment gateway says about a card beyond "approved": address verification (AVS), the
// CVC check and a cardholder-name match. Every network spells its AVS answer in its own one-letter
// codes; rules read one normalized result, and the raw code is kept beside it for staff. Pure.
//
// "unavailable" is the issuer's (or the gateway's) own answer that it could not check; "not_provided"
// says the buyer left out what the check needs (no security code, no billing postal code), so a rule
// set can refuse the omission without refusing an issuer that does not take part.

export const avsResults = [
  'full_match',
  'postal_only',
  'street_only',
  'no_match',
  'unavailable',
  'not_provided',
] as const
export type AvsResult = (typeof avsResults)[number]
export const cvcResults = ['match', 'no_match', 'unavailable', 'not_provided'] as const
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

/** What came with a typed card for the checks to verify; undefined when it cannot be known. */
export interface GivenForChecks {
  /** a security code came with the card */
  cvc: boolean | undefined
  /** a billing postal code came with the card */
  postalCode: boolean
}

/**
 * The answer as the rules read it: a check whose input the buyer left out is "not_provided", whatever
 * the gateway said (a sandbox or issuer answers "unavailable" for a missing postal code or CVC).
 */
export function withOmissions(verification: PaymentVerification, given: GivenForChecks): PaymentVerification {
  return {
    ...verification,
    avs_result: given.postalCode ? verification.avs_result : 'not_provided',
    cvc_result: given.cvc === false ? 'not_provided' : verification.cvc_result,
  }
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

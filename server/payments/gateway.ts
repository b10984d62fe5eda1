// The payment gateway port and its sandbox. The gateway verifies a card with its issuer: address
// verification (the billing postal code and street number against the issuer's records), the
// security code, and the cardholder's name. It is handed the full number in a transient object
// that lives only as long as the authorization request; nothing here stores or logs it.
import {
  avsCodeFor,
  type CvcResult,
  normalizeAvs,
  type PaymentVerification,
} from '../../rules/payment-checks.ts'
import { normalizeName } from '../../rules/request.ts'

/** The card as the buyer gave it, for the gateway only: never put into a CapturedRequest, a row or a log. */
export interface TransientCard {
  number: string
  exp_month: number
  exp_year: number
  cvc: string | null
  /** the name on the card, when the merchant collected it */
  holder_name: string | null
}

export interface VerificationInput {
  card: TransientCard
  brand: string
  billing_address: { line1: string | null; postal_code: string | null; country: string | null } | null
  /** the customer's name, compared with the issuer's cardholder name */
  name: string | null
}

export interface PaymentGateway {
  /** recorded with each verification, so staff can tell which gateway answered */
  readonly name: string
  verify(input: VerificationInput): Promise<PaymentVerification>
}

// The sandbox issuer's records, so tests and the demo get every answer on purpose:
// - postal code 00000 does not match; 11111, or no postal code, means the issuer cannot verify;
//   issuers outside US, CA and GB do not take part in AVS;
// - the street number (the leading digits of line 1) matches unless it is 0, 9999 or missing;
//   without a line 1 only the postal code is checked;
// - the security code matches unless it is 000 or 0000; none given is unavailable;
// - the cardholder on file is the name on the card, compared with the customer's name by first and
//   last word, ignoring case and punctuation; either missing is null.
const avsCountries = new Set(['US', 'CA', 'GB'])

function streetMatches(line1: string): boolean {
  const number = /^\s*(\d+)/.exec(line1)?.[1]
  return number !== undefined && Number(number) !== 0 && number !== '9999'
}

function namesMatch(onFile: string | null, given: string | null): boolean | null {
  const a = normalizeName(onFile)?.split(' ')
  const b = normalizeName(given)?.split(' ')
  if (!a || !b) return null
  return a[0] === b[0] && a[a.length - 1] === b[b.length - 1]
}

function sandboxAvsCode(input: VerificationInput): string | null {
  const address = input.billing_address
  const postal = address?.postal_code?.replace(/\s+/g, '') ?? ''
  if (!address || !postal || postal === '11111') return 'U'
  if (address.country && !avsCountries.has(address.country)) return input.brand === 'visa' ? 'G' : 'U'
  const postalMatch = postal !== '00000'
  if (!address.line1) return postalMatch ? 'Z' : 'N'
  return avsCodeFor(input.brand, streetMatches(address.line1), postalMatch)
}

function sandboxCvc(cvc: string | null): CvcResult {
  if (!cvc) return 'unavailable'
  return /^0+$/.test(cvc) ? 'no_match' : 'match'
}

export const sandboxGateway: PaymentGateway = {
  name: 'sandbox',
  async verify(input) {
    const avsCode = sandboxAvsCode(input)
    return {
      avs_code: avsCode,
      avs_result: normalizeAvs(input.brand, avsCode),
      cvc_result: sandboxCvc(input.card.cvc),
      name_match: namesMatch(input.card.holder_name, input.name),
    }
  },
}

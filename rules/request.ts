// The request as captured: normalized identities, the card reduced to what may be kept. It is what
// the rules read, what a decision records, and what a backtest replays.
import type { GivenForChecks } from './payment-checks.ts'

export interface CapturedCard {
  bin: string
  last4: string
  brand: string
  /** keyed HMAC of the number: the same card gives the same fingerprint within a deployment */
  fingerprint: string
  luhn_valid: boolean
  exp_month: number
  exp_year: number
  /**
   * A typed card: whether a security code came with it (never the code itself). Absent for a stored
   * method, which is charged through its gateway token, and in requests captured before it was kept.
   */
  cvc_given?: boolean
}

/** A checking or EFT account as kept: the routing number and last four, never the account number. */
export interface CapturedBankAccount {
  routing_number: string
  /** the routing number passes the ABA check digit */
  routing_valid: boolean
  last4: string
  /** keyed HMAC of routing and account number, like a card's */
  fingerprint: string
}

export interface CapturedRequest {
  kind: 'purchase' | 'session'
  channel: 'web' | 'phone' | 'chat' | 'video'
  amount: { value: number; currency: string } | null
  customer: {
    id: string | null
    email: string | null
    phone: string | null
    name: string | null
    birth_date: string | null
  }
  network: { ip: string | null; ani: string | null; dnis: string | null; device_id: string | null }
  entered: { phone: string | null; ip: string | null }
  payment_method: {
    type: string
    card: CapturedCard | null
    /** a stored method chosen by id (its card above is the stored one); absent otherwise */
    stored_id?: string
    /** checking and eft only; absent in requests recorded before accounts were accepted */
    bank_account?: CapturedBankAccount | null
    billing_address: { line1: string | null; postal_code: string | null; country: string | null } | null
  } | null
  items: { sku: string; quantity: number; unit_amount: number }[]
}

/** The e-mail's domain, lowercased, or null. */
/** A card the buyer typed, as opposed to a stored method chosen by id. */
export function typedCard(request: CapturedRequest): CapturedCard | null {
  const method = request.payment_method
  return method?.card && method.stored_id === undefined ? method.card : null
}

/** What a typed card brought for the gateway's checks (the security code, the billing postal code). */
export function givenForChecks(request: CapturedRequest, card: CapturedCard): GivenForChecks {
  return { cvc: card.cvc_given, postalCode: Boolean(request.payment_method?.billing_address?.postal_code) }
}

export function emailDomain(email: string | null): string | null {
  if (!email) return null
  const at = email.lastIndexOf('@')
  return at < 0 ? null : email.slice(at + 1).toLowerCase()
}

/** Lowercase, spaces collapsed: how list values of free text are compared. */
function collapse(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim()
}

/** A postal address as lists keep it: "country|postal code|line 1", lowercased, spaces collapsed. */
export function normalizeAddress(country: string, postalCode: string, line1: string): string | null {
  const parts = [collapse(country), postalCode.replace(/\s+/g, '').toLowerCase(), collapse(line1)]
  return parts.every((p) => p.length > 0) ? parts.join('|') : null
}

/** A full name as lists keep it: lowercased, punctuation dropped, spaces collapsed. */
export function normalizeName(name: string | null): string | null {
  if (!name) return null
  const normalized = collapse(name.replace(/[.,]/g, ' '))
  return normalized.length ? normalized : null
}

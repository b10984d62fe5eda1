// Stage 1 of the pipeline: normalize what arrived. Phones become E.164, addresses canonical, the
// e-mail lowercase; the card number becomes BIN, last four, brand and a keyed fingerprint and is
// then dropped. Anything that cannot be normalized is refused naming its field.
import { isIP } from 'node:net'
import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js'
import { LRUCache } from 'lru-cache'
import type { PaymentMethod } from '../../db/schema.ts'
import type { CapturedRequest } from '../../rules/request.ts'
import { type FieldError, fieldError, ProblemError } from '../http/problem.ts'
import { captureBankAccount } from '../payments/bank-account.ts'
import { cardBrand, cardFingerprint, luhnValid } from '../payments/card.ts'
import type { AuthorizationRequest } from './schema.ts'

// What telephone networks and switches send when the caller's number was withheld or not forwarded.
const withheldAni = new Set(['', 'anonymous', 'unknown', 'unavailable', 'private', 'restricted', 'withheld'])

// Possible, not valid: reserved ranges such as 555-01xx are used by tests and demos everywhere.
// Parsing a number is the dearest step of capture, and callers send the same few numbers again
// and again: the answers are kept (null for a number that is not possible).
const parsedPhones = new LRUCache<string, { number: string | null }>({ max: 20_000 })

function normalizePhone(
  raw: string,
  country: CountryCode,
  path: string[],
  errors: FieldError[],
): string | null {
  const key = `${country} ${raw}`
  let entry = parsedPhones.get(key)
  if (!entry) {
    const parsed = parsePhoneNumberFromString(raw, country)
    entry = { number: parsed?.isPossible() ? parsed.number : null }
    parsedPhones.set(key, entry)
  }
  if (entry.number === null)
    errors.push(fieldError(path, 'is not a valid phone number; send E.164 such as +15555550100'))
  return entry.number
}

function normalizeIp(raw: string, path: string[], errors: FieldError[]): string | null {
  let ip = raw.trim().toLowerCase()
  if (ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4) ip = ip.slice(7)
  if (ip.includes('%')) {
    // a zone (2001:db8::1%eth0) names an interface of the sender's own machine, never a remote address
    errors.push(fieldError(path, 'must not carry a zone identifier (the %… part)'))
    return null
  }
  const family = isIP(ip)
  if (!family) {
    errors.push(fieldError(path, 'is not an IPv4 or IPv6 address'))
    return null
  }
  // One IPv6 address has many spellings (2001:DB8:0::1, 2001:db8::1); lists and the entered-vs-network
  // match compare text, so keep the compressed form the URL standard writes.
  const asHost = `http://[${ip}]`
  if (family === 6 && URL.canParse(asHost)) ip = new URL(asHost).hostname.slice(1, -1)
  return ip
}

/** A stored method chosen by id: its kept facts stand in for the card (server/payments/stored-methods.ts). */
export type StoredCard = Pick<
  PaymentMethod,
  'type' | 'fingerprint' | 'bin' | 'last4' | 'brand' | 'exp_month' | 'exp_year'
>

export function capture(body: AuthorizationRequest, secret: string, stored?: StoredCard): CapturedRequest {
  const errors: FieldError[] = []
  const country = (body.payment_method?.billing_address?.country ?? 'US') as CountryCode
  const chosen = body.payment_method?.type === 'stored' ? body.payment_method : undefined
  if (chosen && !chosen.id) errors.push(fieldError(['payment_method', 'id'], 'is required with type stored'))
  else if (chosen && !stored)
    errors.push(fieldError(['payment_method', 'id'], 'is not one of your stored payment methods'))
  if (chosen && (chosen.card || chosen.bank_account))
    errors.push(
      fieldError(
        ['payment_method', chosen.card ? 'card' : 'bank_account'],
        'is not sent with a stored method',
      ),
    )
  if (body.payment_method && !chosen && body.payment_method.id !== undefined)
    errors.push(fieldError(['payment_method', 'id'], 'is only sent with type stored'))

  if (body.kind === 'purchase' && !body.amount)
    errors.push(fieldError(['amount'], 'is required for a purchase'))
  if (
    body.payment_method &&
    body.payment_method.type !== 'card' &&
    body.payment_method.type !== 'debit' &&
    body.payment_method.card
  )
    errors.push(fieldError(['payment_method', 'card'], `is only for card and debit payment methods`))
  const bankAccount = body.payment_method?.bank_account
  if (bankAccount && body.payment_method?.type !== 'checking' && body.payment_method?.type !== 'eft')
    errors.push(
      fieldError(['payment_method', 'bank_account'], 'is only for checking and eft payment methods'),
    )
  const accountDigits = bankAccount?.account_number.replace(/[ -]/g, '').length ?? 4
  if (accountDigits < 4 || accountDigits > 17)
    errors.push(fieldError(['payment_method', 'bank_account', 'account_number'], 'must have 4 to 17 digits'))

  const phone = (raw: string | undefined, path: string[]) =>
    raw === undefined ? null : normalizePhone(raw, country, path, errors)
  const ip = (raw: string | undefined, path: string[]) =>
    raw === undefined ? null : normalizeIp(raw, path, errors)

  const rawAni = body.network.ani
  const ani =
    rawAni === undefined || rawAni === null || withheldAni.has(rawAni.trim().toLowerCase())
      ? null
      : phone(rawAni, ['network', 'ani'])

  const card = body.payment_method?.card
  let capturedCard: NonNullable<CapturedRequest['payment_method']>['card'] = null
  if (chosen && stored?.bin && stored.last4 && stored.brand && stored.exp_month && stored.exp_year)
    // the facts read the stored card as they read the card it was: same fingerprint, BIN and expiry
    capturedCard = {
      bin: stored.bin,
      last4: stored.last4,
      brand: stored.brand,
      fingerprint: stored.fingerprint,
      luhn_valid: true,
      exp_month: stored.exp_month,
      exp_year: stored.exp_year,
    }
  else if (card) {
    const digits = card.number.replace(/[ -]/g, '')
    if (digits.length < 12 || digits.length > 19) {
      errors.push(fieldError(['payment_method', 'card', 'number'], 'must have 12 to 19 digits'))
    } else {
      capturedCard = {
        bin: digits.slice(0, 6),
        last4: digits.slice(-4),
        brand: cardBrand(digits),
        fingerprint: cardFingerprint(secret, digits),
        luhn_valid: luhnValid(digits),
        exp_month: card.exp_month,
        exp_year: card.exp_year,
        cvc_given: card.cvc !== undefined,
      }
    }
  }

  const captured: CapturedRequest = {
    kind: body.kind,
    channel: body.channel,
    amount: body.amount ? { value: body.amount.value, currency: body.amount.currency } : null,
    customer: {
      id: body.customer.id ?? null,
      email: body.customer.email?.toLowerCase() ?? null,
      phone: phone(body.customer.phone, ['customer', 'phone']),
      name: body.customer.name?.trim() || null,
      birth_date: body.customer.birth_date ?? null,
    },
    network: {
      ip: ip(body.network.ip, ['network', 'ip']),
      ani,
      dnis: phone(body.network.dnis, ['network', 'dnis']),
      device_id: body.network.device_id ?? null,
    },
    entered: {
      phone: phone(body.entered.phone, ['entered', 'phone']),
      ip: ip(body.entered.ip, ['entered', 'ip']),
    },
    payment_method: body.payment_method
      ? {
          type: chosen && stored ? stored.type : body.payment_method.type,
          card: capturedCard,
          ...(chosen?.id ? { stored_id: chosen.id } : {}),
          ...(bankAccount ? { bank_account: captureBankAccount(secret, bankAccount) } : {}),
          billing_address: body.payment_method.billing_address
            ? {
                line1: body.payment_method.billing_address.line1 ?? null,
                postal_code:
                  body.payment_method.billing_address.postal_code?.replace(/\s+/g, '').toUpperCase() ?? null,
                country: body.payment_method.billing_address.country ?? null,
              }
            : null,
        }
      : null,
    items: body.items,
  }

  if (errors.length)
    throw new ProblemError(
      'validation_failed',
      errors.map((e) => `${e.field}: ${e.message}`).join('; '),
      errors,
    )
  return captured
}

// What a list entry's value may be for each subject, and the one spelling it is stored in — the same
// spelling capture() gives a request's values, so membership is a plain comparison (or, for IP
// ranges, a cidr containment).
import { isIP } from 'node:net'
import { parsePhoneNumberFromString } from 'libphonenumber-js'
import { z } from 'zod'
import { normalizeAddress, normalizeName } from '../../rules/request.ts'
import { type ListSubject, listSubjects } from '../../rules/schema.ts'

export type { ListSubject }
export { listSubjects }

export const entrySources = ['manual', 'import', 'review', 'chargeback', 'rule'] as const
export type EntrySource = (typeof entrySources)[number]

export type NormalizedValue =
  | { ok: true; value: string; network: string | null }
  | { ok: false; message: string }

const fail = (message: string): NormalizedValue => ({ ok: false, message })
const plain = (value: string): NormalizedValue => ({ ok: true, value, network: null })

const emailSchema = z.email()
const domainPattern = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/

/** An address in the spelling capture() keeps: lowercase, IPv4-mapped IPv6 unwrapped, IPv6 compressed. */
function canonicalAddress(raw: string): { address: string; family: 4 | 6 } | null {
  let ip = raw.trim().toLowerCase()
  if (ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4) ip = ip.slice(7)
  const family = isIP(ip)
  if (family === 4) return { address: ip, family }
  if (family !== 6 || ip.includes('%')) return null
  const asHost = `http://[${ip}]`
  return URL.canParse(asHost) ? { address: new URL(asHost).hostname.slice(1, -1), family } : null
}

function addressToBigInt(address: string, family: 4 | 6): bigint {
  if (family === 4) return address.split('.').reduce((n, octet) => (n << 8n) | BigInt(Number(octet)), 0n)
  const [head = '', tail = ''] = address.split('::')
  const headGroups = head ? head.split(':') : []
  const tailGroups = address.includes('::') ? (tail ? tail.split(':') : []) : []
  const groups = address.includes('::')
    ? [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups]
    : headGroups
  return groups.reduce((n, group) => (n << 16n) | BigInt(Number.parseInt(group, 16)), 0n)
}

function bigIntToAddress(n: bigint, family: 4 | 6): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((n >> shift) & 255n)).join('.')
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) =>
    ((n >> shift) & 0xffffn).toString(16),
  )
  return canonicalAddress(groups.join(':'))?.address ?? groups.join(':')
}

/** A single address, or a CIDR range whose host bits are cleared (10.1.2.3/8 is stored as 10.0.0.0/8). */
function normalizeIpOrRange(raw: string): NormalizedValue {
  const [addressPart = '', prefixPart, extra] = raw.trim().split('/')
  if (extra !== undefined) return fail('is not an IP address or CIDR range')
  const parsed = canonicalAddress(addressPart)
  if (!parsed || (parsed.family === 6 && addressPart.includes('.')))
    return fail('is not an IPv4 or IPv6 address or CIDR range such as 203.0.113.0/24')
  const bits = parsed.family === 4 ? 32 : 128
  if (prefixPart === undefined) return { ok: true, value: parsed.address, network: parsed.address }
  if (!/^\d{1,3}$/.test(prefixPart) || Number(prefixPart) > bits)
    return fail(`has a prefix length that is not 0 to ${bits}`)
  const prefix = Number(prefixPart)
  if (prefix === bits) return { ok: true, value: parsed.address, network: parsed.address }
  const hostBits = BigInt(bits - prefix)
  const masked = (addressToBigInt(parsed.address, parsed.family) >> hostBits) << hostBits
  const value = `${bigIntToAddress(masked, parsed.family)}/${prefix}`
  return { ok: true, value, network: value }
}

/** Validates and normalizes one value for its subject; the message names what is wrong with it. */
export function normalizeListValue(subject: ListSubject, raw: string): NormalizedValue {
  const text = raw.trim()
  if (!text) return fail('must not be empty')
  if (text.length > 320) return fail('is longer than 320 characters')
  switch (subject) {
    case 'phone': {
      // possible, not valid, as capture() accepts: reserved demo ranges such as 555-01xx are in use
      const parsed = parsePhoneNumberFromString(text, 'US')
      return parsed?.isPossible()
        ? plain(parsed.number)
        : fail('is not a phone number; use E.164 such as +15555550100')
    }
    case 'ip':
      return normalizeIpOrRange(text)
    case 'card':
      return /^pmf_[A-Za-z0-9_-]{27}$/.test(text)
        ? plain(text)
        : fail('is not a card fingerprint (pmf_ followed by 27 characters, as decisions show it)')
    case 'bin':
      return /^\d{6,8}$/.test(text) ? plain(text) : fail('must be 6 to 8 digits')
    case 'email': {
      const email = text.toLowerCase()
      return emailSchema.safeParse(email).success ? plain(email) : fail('is not an e-mail address')
    }
    case 'email_domain': {
      const domain = text.toLowerCase().replace(/^@/, '')
      return domainPattern.test(domain) ? plain(domain) : fail('is not a domain such as example.com')
    }
    case 'device':
    case 'customer':
      return text.length <= 128 ? plain(text) : fail('is longer than 128 characters')
    case 'address': {
      const parts = text.split('|')
      const [country = '', postal = '', ...line] = parts
      if (parts.length < 3) return fail('must be "country|postal code|line 1", such as US|94107|12 Main St')
      if (!/^[a-z]{2}$/i.test(country.trim())) return fail('must start with a two-letter country code')
      const address = normalizeAddress(country, postal, line.join(' '))
      return address ? plain(address) : fail('needs a country, a postal code and a first line')
    }
    case 'name': {
      const name = normalizeName(text)
      return name ? plain(name) : fail('must contain a name')
    }
  }
}

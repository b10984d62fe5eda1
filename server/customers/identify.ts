import type { CapturedRequest } from '../../rules/request.ts'
// the record's rows are typed by the writes that carry them (not store.ts, which imports this module)
import type { ShapeRow as RecordRow } from '../decision-store/writes.ts'
import { newId } from '../ids.ts'

/** The kinds of key that identify a customer, strongest first. */
export const identityKinds = ['customer_id', 'card', 'email', 'phone', 'device'] as const
export type IdentityKind = (typeof identityKinds)[number]

/** Keys that identify a customer, strongest first. IP addresses are shared too widely to identify anyone. */
export function identityKeys(r: CapturedRequest): [kind: IdentityKind, value: string][] {
  const keys: [IdentityKind, string | null | undefined][] = [
    ['customer_id', r.customer.id],
    ['card', r.payment_method?.card?.fingerprint],
    ['email', r.customer.email],
    ['phone', r.customer.phone ?? r.network.ani],
    ['device', r.network.device_id],
  ]
  return keys.filter((k): k is [IdentityKind, string] => typeof k[1] === 'string' && k[1].length > 0)
}

export interface IdentifiedCustomer {
  id: string
  /** known before this request */
  returning: boolean
}

/** The customer a decision counts against, and how this request was tied to it. */
export interface LinkedCustomer extends IdentifiedCustomer {
  /** the strongest of the request's keys that Tollgate already knew, or null for a customer first seen now */
  linkedBy: IdentityKind | null
  /** the merchant's id for the customer, as Tollgate first recorded it (customers.external_id) */
  externalId: string | null
}

// Writing last_seen_at on every decision would rewrite a busy customer's rows many times a second;
// to this precision is enough for "seen recently", and saves the returning customer two writes.
const lastSeenPrecisionMs = 60_000

/** A row one of the request's keys found: its kind is that key's. */
export interface FoundIdentifier {
  kind: IdentityKind
  value: string
  customer_id: string
  last_seen_at: Date | string
  customer_last_seen_at: Date | string
  customer_external_id: string | null
}

function strongestFound(
  keys: [IdentityKind, string][],
  found: FoundIdentifier[],
): FoundIdentifier | undefined {
  for (const [kind, value] of keys) {
    const hit = found.find((f) => f.kind === kind && f.value === value)
    if (hit) return hit
  }
  return undefined
}

/** The customer identifyCustomer() will choose among those found, if any: the strongest key's. */
export function strongestCustomerId(
  keys: [IdentityKind, string][],
  found: FoundIdentifier[],
): string | undefined {
  return strongestFound(keys, found)?.customer_id
}

/**
 * Chooses the customer from the rows the keys found (the decision's first read), or creates one;
 * with what the decision records of it: a new customer, its last sighting, its keys.
 */
export function identifyCustomer(
  tenantId: string,
  request: CapturedRequest,
  now: Date,
  found: FoundIdentifier[],
): { customer: LinkedCustomer; record: CustomerRecord } | null {
  const keys = identityKeys(request)
  if (!keys.length) return null
  const record: CustomerRecord = { created: null, seen: null, identifiers: [] }
  const stale = (seen: Date | string) => now.getTime() - new Date(seen).getTime() >= lastSeenPrecisionMs

  const strongest = strongestFound(keys, found)
  let customerId = strongest?.customer_id
  const returning = customerId !== undefined
  if (!customerId) {
    customerId = newId('cus')
    record.created = {
      tenant_id: tenantId,
      id: customerId,
      external_id: request.customer.id ?? null,
      created_at: now,
      last_seen_at: now,
    }
  } else if (strongest && stale(strongest.customer_last_seen_at)) {
    record.seen = { tenant_id: tenantId, id: customerId, last_seen_at: now }
  }
  // A key already tied to another customer stays with it: merging profiles is a staff decision.
  const toRecord = keys.filter(([kind, value]) => {
    const known = found.find((f) => f.kind === kind && f.value === value)
    return !known || stale(known.last_seen_at)
  })
  for (const [kind, value] of toRecord)
    record.identifiers.push({
      tenant_id: tenantId,
      kind,
      value,
      customer_id: customerId,
      first_seen_at: now,
      last_seen_at: now,
    })
  const customer: LinkedCustomer = strongest
    ? { id: customerId, returning, linkedBy: strongest.kind, externalId: strongest.customer_external_id }
    : { id: customerId, returning, linkedBy: null, externalId: request.customer.id ?? null }
  return { customer, record }
}

/**
 * The card the customer paid with, to remember; null when the request has none. token: what the
 * gateway gave for it with a hold placed in the same record, to charge the card again later.
 */
export function paymentMethodOf(
  tenantId: string,
  customerId: string,
  request: CapturedRequest,
  now: Date,
  token: { gateway: string; token: string } | null = null,
): RecordRow<'paymentMethod'> | null {
  const pm = request.payment_method
  const card = pm?.card
  if (!pm || !card) return null
  // a known card: its last use, and an expiry or billing postal code that changed
  return {
    tenant_id: tenantId,
    id: newId('pm'),
    customer_id: customerId,
    type: pm.type,
    fingerprint: card.fingerprint,
    bin: card.bin,
    last4: card.last4,
    brand: card.brand,
    exp_month: card.exp_month,
    exp_year: card.exp_year,
    billing_postal_code: pm.billing_address?.postal_code ?? null,
    created_at: now,
    last_used_at: now,
    gateway: token?.gateway ?? null,
    gateway_token: token?.token ?? null,
  }
}

/** The customer's part of a decision's record (server/decision-store/store.ts). */
export interface CustomerRecord {
  /** a customer seen for the first time */
  created: RecordRow<'customer'> | null
  /** a returning customer not seen lately */
  seen: RecordRow<'customerSeen'> | null
  /** identity keys new to the customer, or not seen lately */
  identifiers: RecordRow<'identifier'>[]
}

// The fact catalog: every fact a rule may test, with its params, value type and how it is
// resolved. Facts are lazy: a fact no rule of the version reads is never computed, and the data
// behind one (usage, lists) arrives through FactSources, which server/ implements with SQL. A live
// decision asks for all of its version's database-backed facts at once (FactSpec.prefetch), since
// one round trip for them all costs less than one per priority; outside calls stay lazy.
import { parsePhoneNumberFromString } from 'libphonenumber-js'
import { LRUCache } from 'lru-cache'
import { DateTime } from 'luxon'
import { z } from 'zod'
import { identityFacts } from './facts/identity.ts'
import { institutionFacts } from './facts/institutions.ts'
import { paymentFacts } from './facts/payment.ts'
import { DATA_FACT_PRIORITY } from './facts/priority.ts'
import { providerFacts } from './facts/provider-facts.ts'
import { type CapturedRequest, emailDomain, normalizeAddress, normalizeName } from './request.ts'
import {
  type ListSubject,
  listKinds,
  listSubjects,
  type UsageMetric,
  type UsageSubject,
  usageMetrics,
  usageSubjects,
  windowUnits,
} from './schema.ts'
import type { DecisionContext, FactSpec, UsageTotals, ValueType } from './types.ts'
import { localClock, windowKey } from './windows.ts'

export const operatorsByType: Record<ValueType, string[]> = {
  number: [
    'equal',
    'notEqual',
    'lessThan',
    'lessThanInclusive',
    'greaterThan',
    'greaterThanInclusive',
    'in',
    'notIn',
  ],
  string: ['equal', 'notEqual', 'in', 'notIn'],
  boolean: ['equal', 'notEqual'],
}

function fact<P extends z.ZodType>(spec: FactSpec<P>): FactSpec {
  return spec as unknown as FactSpec
}

const usageParams = z
  .object({
    subject: z.enum(usageSubjects),
    metric: z.enum(usageMetrics),
    window: z.enum(windowUnits),
    hours: z
      .number()
      .int()
      .min(1)
      .max(24 * 366)
      .optional(),
  })
  .strict()
  .refine((p) => (p.window === 'hours') === (p.hours !== undefined), {
    message: 'hours is required with window "hours" and allowed only with it',
    path: ['hours'],
  })

const listParams = z.object({ list: z.enum(listKinds), subject: z.enum(listSubjects) }).strict()

export function usageValue(totals: UsageTotals, metric: UsageMetric): number {
  switch (metric) {
    case 'sessions':
      return totals.sessions
    case 'purchases':
      return totals.purchases
    case 'minutes':
      // a started minute counts, as the billing increments do
      return Math.ceil(totals.seconds / 60)
    case 'amount':
      return totals.amount
  }
}

/** The value a usage subject takes for this request, or null when the request has none. */
export function usageSubjectValue(subject: UsageSubject, ctx: DecisionContext): string | null {
  const r = ctx.request
  switch (subject) {
    case 'customer':
      return ctx.customer.id
    case 'phone':
      return r.network.ani ?? r.customer.phone
    case 'card':
      return r.payment_method?.card?.fingerprint ?? null
    case 'ip':
      return r.network.ip
  }
}

/** A phone number as people write it: +1 202-555-0100 is read more easily than +12025550100. */
function readablePhone(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164
}

/**
 * The usage subject of this request as a merchant names it: "the customer", "card ending 4242",
 * "phone +1 202 555 0100", "IP 203.0.113.7"; when the request has none (a simulation from given
 * facts), the kind alone.
 */
export function usageSubjectLabel(subject: UsageSubject, ctx: DecisionContext): string {
  const r = ctx.request
  switch (subject) {
    case 'customer':
      return 'the customer'
    case 'phone': {
      const phone = r.network.ani ?? r.customer.phone
      return phone ? `phone ${readablePhone(phone)}` : 'the phone'
    }
    case 'card': {
      const card = r.payment_method?.card
      return card ? `card ending ${card.last4}` : 'the card'
    }
    case 'ip':
      return r.network.ip ? `IP ${r.network.ip}` : 'the IP address'
  }
}

/** Every value of the request that a list of this subject is checked against. */
export function listSubjectValues(subject: ListSubject, r: CapturedRequest): string[] {
  const values: (string | null | undefined)[] = (() => {
    switch (subject) {
      case 'phone':
        return [r.network.ani, r.customer.phone, r.entered.phone]
      case 'ip':
        return [r.network.ip, r.entered.ip]
      case 'card':
        return [r.payment_method?.card?.fingerprint]
      case 'bin':
        return [r.payment_method?.card?.bin]
      case 'email':
        return [r.customer.email]
      case 'email_domain':
        return [emailDomain(r.customer.email)]
      case 'device':
        return [r.network.device_id]
      case 'customer':
        return [r.customer.id]
      case 'address': {
        const a = r.payment_method?.billing_address
        return [
          a?.country && a.postal_code && a.line1 ? normalizeAddress(a.country, a.postal_code, a.line1) : null,
        ]
      }
      case 'name':
        return [normalizeName(r.customer.name)]
    }
  })()
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v.length > 0))]
}

function matches(a: string | null, b: string | null): boolean | null {
  return a === null || b === null ? null : a === b
}

// Zone arithmetic costs more than the rest of a card's facts together, and a few hundred
// (zone, month) pairs cover every card a tenant sees: their month ends are kept.
const expiryMonthEnds = new LRUCache<string, number>({ max: 4096 })

function cardExpired(exp: { exp_month: number; exp_year: number }, now: Date, timeZone: string): boolean {
  // a card is good through the last day of its expiry month, as the tenant's staff read a calendar
  const key = `${timeZone} ${exp.exp_year} ${exp.exp_month}`
  let end = expiryMonthEnds.get(key)
  if (end === undefined) {
    end = DateTime.fromObject({ year: exp.exp_year, month: exp.exp_month }, { zone: timeZone })
      .plus({ months: 1 })
      .toMillis()
    expiryMonthEnds.set(key, end)
  }
  return now.getTime() >= end
}

export const factCatalog: FactSpec[] = [
  fact({
    name: 'amount',
    fromRequest: true,
    description: 'The amount asked for, in minor units (0 when none was given)',
    valueType: 'number',
    resolve: (_p, run) => run.ctx.request.amount?.value ?? 0,
  }),
  fact({
    name: 'currency',
    fromRequest: true,
    description: 'ISO 4217 currency of the amount',
    valueType: 'string',
    resolve: (_p, run) => run.ctx.request.amount?.currency ?? null,
  }),
  fact({
    name: 'channel',
    fromRequest: true,
    description: 'Where the request came from: web, phone, chat or video',
    valueType: 'string',
    resolve: (_p, run) => run.ctx.request.channel,
  }),
  fact({
    name: 'kind',
    fromRequest: true,
    description: 'purchase or session (a billable pay-per-minute session)',
    valueType: 'string',
    resolve: (_p, run) => run.ctx.request.kind,
  }),
  fact({
    name: 'ani_present',
    fromRequest: true,
    description: 'The phone network forwarded the caller’s number (ANI)',
    valueType: 'boolean',
    resolve: (_p, run) => run.ctx.request.network.ani !== null,
  }),
  fact({
    name: 'ip_present',
    fromRequest: true,
    description: 'The network address of the caller or buyer is known',
    valueType: 'boolean',
    resolve: (_p, run) => run.ctx.request.network.ip !== null,
  }),
  fact({
    name: 'entered_phone_present',
    fromRequest: true,
    description: 'The caller entered the number they are calling from (entered.phone was sent)',
    valueType: 'boolean',
    resolve: (_p, run) => run.ctx.request.entered.phone !== null,
  }),
  fact({
    name: 'entered_phone_matches_ani',
    fromRequest: true,
    description:
      'The phone number the caller entered is the one the network forwarded (null when either is missing)',
    valueType: 'boolean',
    resolve: (_p, run) => matches(run.ctx.request.entered.phone, run.ctx.request.network.ani),
  }),
  fact({
    name: 'entered_ip_matches_network_ip',
    fromRequest: true,
    description:
      'The address the user entered is the one the connection came from (null when either is missing)',
    valueType: 'boolean',
    resolve: (_p, run) => matches(run.ctx.request.entered.ip, run.ctx.request.network.ip),
  }),
  fact({
    name: 'list_hit',
    priority: DATA_FACT_PRIORITY,
    prefetch: true,
    description: 'One of the request’s values of this subject is on a list of this kind',
    valueType: 'boolean',
    params: listParams,
    resolve: async (p, run) => (await run.listHits(p.subject)).has(p.list),
  }),
  fact({
    name: 'usage',
    priority: DATA_FACT_PRIORITY,
    prefetch: true,
    description:
      'What this subject has used in the window before this request: a count of sessions or purchases, whole minutes, or money in minor units',
    valueType: 'number',
    params: usageParams,
    resolve: async (p, run) => usageValue(await run.usage(p.subject, p), p.metric),
  }),
  fact({
    name: 'purchase_value_limit',
    description: 'The customer’s established purchase value limit in minor units; null when none is in force',
    valueType: 'number',
    resolve: async (_p, run) => (await run.purchaseValueLimit())?.amount ?? null,
  }),
  fact({
    name: 'purchase_value_limit_remaining',
    description:
      'The customer’s purchase value limit minus this amount: negative when the purchase is above it; null when no limit is in force or the currency differs',
    valueType: 'number',
    resolve: async (_p, run) => {
      const limit = await run.purchaseValueLimit()
      const amount = run.ctx.request.amount
      if (!limit || (amount && amount.currency !== limit.currency)) return null
      return limit.amount - (amount?.value ?? 0)
    },
  }),
  fact({
    name: 'card_luhn_valid',
    fromRequest: true,
    description: 'The card number passes the Luhn check (null when no card)',
    valueType: 'boolean',
    resolve: (_p, run) => run.ctx.request.payment_method?.card?.luhn_valid ?? null,
  }),
  fact({
    name: 'card_expired',
    fromRequest: true,
    description: 'The card’s expiry month has passed in the rule set’s time zone (null when no card)',
    valueType: 'boolean',
    resolve: (_p, run) => {
      const card = run.ctx.request.payment_method?.card
      return card ? cardExpired(card, run.ctx.now, run.ctx.timeZone) : null
    },
  }),
  fact({
    name: 'card_bin',
    fromRequest: true,
    description: 'The card’s first six digits (bank identification number)',
    valueType: 'string',
    resolve: (_p, run) => run.ctx.request.payment_method?.card?.bin ?? null,
  }),
  fact({
    name: 'card_brand',
    fromRequest: true,
    description: 'visa, mastercard, amex, discover, diners, jcb, unionpay or unknown',
    valueType: 'string',
    resolve: (_p, run) => run.ctx.request.payment_method?.card?.brand ?? null,
  }),
  fact({
    name: 'payment_method_type',
    fromRequest: true,
    description: 'card, debit, checking, eft, phone_bill, cable, utility, isp or wallet',
    valueType: 'string',
    resolve: (_p, run) => run.ctx.request.payment_method?.type ?? null,
  }),
  fact({
    name: 'payment_method_stored',
    fromRequest: true,
    description:
      'The customer paid with a stored method chosen by id (a card on file): an offer can be held and charged on it at once',
    valueType: 'boolean',
    resolve: (_p, run) => run.ctx.request.payment_method?.stored_id !== undefined,
  }),
  fact({
    name: 'billing_country',
    fromRequest: true,
    description: 'ISO 3166 country of the billing address',
    valueType: 'string',
    resolve: (_p, run) => run.ctx.request.payment_method?.billing_address?.country ?? null,
  }),
  fact({
    name: 'email_domain',
    fromRequest: true,
    description: 'The domain of the customer’s e-mail address, lowercased',
    valueType: 'string',
    resolve: (_p, run) => emailDomain(run.ctx.request.customer.email),
  }),
  fact({
    name: 'returning_customer',
    fromRequest: true,
    description: 'The customer was known before this request',
    valueType: 'boolean',
    resolve: (_p, run) => run.ctx.customer.returning,
  }),
  fact({
    name: 'item_count',
    fromRequest: true,
    description: 'How many items the purchase holds (sum of quantities)',
    valueType: 'number',
    resolve: (_p, run) => run.ctx.request.items.reduce((sum, item) => sum + item.quantity, 0),
  }),
  fact({
    name: 'hour_of_day',
    fromRequest: true,
    description: 'The hour (0–23) in the rule set’s time zone',
    valueType: 'number',
    resolve: (_p, run) => localClock(run.ctx.now, run.ctx.timeZone).hour,
  }),
  fact({
    name: 'weekday',
    fromRequest: true,
    description: 'monday … sunday in the rule set’s time zone',
    valueType: 'string',
    resolve: (_p, run) => localClock(run.ctx.now, run.ctx.timeZone).weekday,
  }),
  ...institutionFacts,
  ...identityFacts,
  ...paymentFacts,
  ...providerFacts,
]

export const factsByName = new Map(factCatalog.map((f) => [f.name, f]))

/** The catalog as the console and the admin API see it: JSON Schema for params, operators that fit. */
export function describeFactCatalog() {
  return factCatalog.map((f) => ({
    name: f.name,
    description: f.description,
    value_type: f.valueType,
    operators: operatorsByType[f.valueType],
    params: f.params ? z.toJSONSchema(f.params, { io: 'input', unrepresentable: 'any' }) : null,
  }))
}

export { windowKey }

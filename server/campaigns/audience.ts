// A campaign's audience: a condition in the rule builder's JSON (all / any / not groups of fact,
// operator, value) over a small catalog of customer facts — their purchases, spend and sessions,
// when they were last seen and last contacted, the offers they took, the lists they are on. The
// facts are read for every customer of the tenant in a few grouped queries, then the condition is
// evaluated with json-rules-engine, the engine the rule sets use, so its operators mean the same.
import { Engine } from 'json-rules-engine'
import { sql } from 'kysely'
import { z } from 'zod'
import type { Db } from '../../db/connect.ts'
import { type Condition, conditionSchema, type TopLevelCondition } from '../../rules/schema.ts'
import { type FieldError, fieldError } from '../http/problem.ts'

type ValueType = 'number' | 'string' | 'boolean'

interface AudienceFact {
  name: string
  description: string
  valueType: ValueType
  /** the one fact with params names a list */
  params?: 'list'
}

export const audienceFacts: AudienceFact[] = [
  { name: 'purchases_30d', valueType: 'number', description: 'Purchases in the last 30 days' },
  {
    name: 'spend_30d',
    valueType: 'number',
    description: 'Money spent on purchases in the last 30 days, in minor units',
  },
  { name: 'purchases_total', valueType: 'number', description: 'Purchases ever' },
  { name: 'spend_total', valueType: 'number', description: 'Money spent on purchases ever, in minor units' },
  { name: 'sessions_30d', valueType: 'number', description: 'Billable sessions in the last 30 days' },
  {
    name: 'days_since_last_purchase',
    valueType: 'number',
    description: 'Whole days since the last purchase; 100000 when there was none',
  },
  {
    name: 'days_since_last_seen',
    valueType: 'number',
    description: 'Whole days since any decision about them',
  },
  {
    name: 'days_since_last_contact',
    valueType: 'number',
    description:
      'Whole days since a campaign last tried to reach them or an offer was made; 100000 when never',
  },
  { name: 'offers_accepted', valueType: 'number', description: 'Offers they accepted, ever' },
  { name: 'has_phone', valueType: 'boolean', description: 'A phone number is known' },
  { name: 'has_email', valueType: 'boolean', description: 'An e-mail address is known' },
  {
    name: 'time_zone',
    valueType: 'string',
    description: 'Their IANA time zone (the workspace’s when theirs is unknown)',
  },
  {
    name: 'on_list',
    valueType: 'boolean',
    params: 'list',
    description: 'Their phone, e-mail, customer id or device is on the list (params.list: the list’s id)',
  },
]

const operatorsByType: Record<ValueType, string[]> = {
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

const factByName = new Map(audienceFacts.map((f) => [f.name, f]))
const NEVER_DAYS = 100_000

/** The catalog as the console's audience builder reads it (the shape of the rule builder's). */
export function describeAudienceFacts() {
  return audienceFacts.map((f) => ({
    name: f.name,
    description: f.description,
    value_type: f.valueType,
    operators: operatorsByType[f.valueType],
    params:
      f.params === 'list'
        ? {
            type: 'object',
            properties: { list: { type: 'string', description: 'the list’s id' } },
            required: ['list'],
            additionalProperties: false,
          }
        : null,
  }))
}

const topLevel = z.union([
  z.object({ all: z.array(conditionSchema) }).strict(),
  z.object({ any: z.array(conditionSchema) }).strict(),
  z.object({ not: conditionSchema }).strict(),
])

/** Every problem with an audience, each at its field (prefix: where the audience sits in the body). */
export function audienceProblems(
  audience: unknown,
  prefix: (string | number)[] = ['audience'],
): FieldError[] {
  const parsed = topLevel.safeParse(audience)
  if (!parsed.success)
    return [
      fieldError(prefix, 'an all, any or not group of conditions, each { fact, operator, value, params? }'),
    ]
  const problems: FieldError[] = []
  const walk = (c: Condition, path: (string | number)[]): void => {
    if ('all' in c)
      c.all.forEach((child, i) => {
        walk(child, [...path, 'all', i])
      })
    else if ('any' in c)
      c.any.forEach((child, i) => {
        walk(child, [...path, 'any', i])
      })
    else if ('not' in c) walk(c.not, [...path, 'not'])
    else {
      const fact = factByName.get(c.fact)
      if (!fact) {
        problems.push(
          fieldError(
            [...path, 'fact'],
            `unknown customer fact "${c.fact}"; use one of ${audienceFacts.map((f) => f.name).join(', ')}`,
          ),
        )
        return
      }
      const operators = operatorsByType[fact.valueType]
      if (!operators.includes(c.operator))
        problems.push(
          fieldError(
            [...path, 'operator'],
            `"${c.operator}" does not fit ${c.fact}; use one of ${operators.join(', ')}`,
          ),
        )
      const list = c.operator === 'in' || c.operator === 'notIn'
      const values = list ? c.value : [c.value]
      if (!Array.isArray(values) || values.some((v) => typeof v !== fact.valueType))
        problems.push(
          fieldError([...path, 'value'], list ? `a list of ${fact.valueType}s` : `a ${fact.valueType}`),
        )
      if (fact.params === 'list') {
        if (typeof c.params?.list !== 'string' || Object.keys(c.params).length !== 1)
          problems.push(fieldError([...path, 'params', 'list'], 'the id of a list'))
      } else if (c.params !== undefined)
        problems.push(fieldError([...path, 'params'], `${c.fact} takes no params`))
      if (c.path !== undefined) problems.push(fieldError([...path, 'path'], 'customer facts have no path'))
    }
  }
  walk(parsed.data, prefix)
  return problems
}

/** One customer as the audience sees them, with what a contact needs. */
export interface AudienceCustomer {
  id: string
  phone: string | null
  email: string | null
  name: string | null
  timeZone: string
  facts: Record<string, number | string | boolean>
  lists: Set<string>
}

const days = (from: Date | string | null, now: Date) =>
  from === null ? NEVER_DAYS : Math.floor((now.getTime() - new Date(from).getTime()) / 86_400_000)

/** Every customer of the tenant with the audience's facts, read in grouped queries. */
export async function readAudienceCustomers(
  db: Db,
  tenantId: string,
  now: Date,
): Promise<AudienceCustomer[]> {
  const monthAgo = new Date(now.getTime() - 30 * 86_400_000)
  const tenant = await db
    .selectFrom('tenants')
    .select('time_zone')
    .where('tenant_id', '=', tenantId)
    .executeTakeFirstOrThrow()
  const identifier = (kind: 'phone' | 'email') =>
    sql<string | null>`(select i.value from customer_identifiers i
      where i.tenant_id = c.tenant_id and i.customer_id = c.id and i.kind = ${kind}
      order by i.last_seen_at desc limit 1)`
  const rows = await db
    .selectFrom('customers as c')
    .select([
      'c.id',
      'c.time_zone',
      'c.last_seen_at',
      identifier('phone').as('phone'),
      identifier('email').as('email'),
      sql<string | null>`(select d.request->'customer'->>'name' from decisions d
        where d.tenant_id = c.tenant_id and d.customer_id = c.id order by d.created_at desc limit 1)`.as(
        'name',
      ),
    ])
    .where('c.tenant_id', '=', tenantId)
    .orderBy('c.id')
    .execute()

  const usage = await db
    .selectFrom('usage_events')
    .select([
      'customer_id',
      sql<number>`coalesce(sum(purchases) filter (where occurred_at > ${monthAgo}), 0)`.as('purchases_30d'),
      sql<number>`coalesce(sum(amount) filter (where purchases > 0 and occurred_at > ${monthAgo}), 0)`.as(
        'spend_30d',
      ),
      sql<number>`coalesce(sum(purchases), 0)`.as('purchases_total'),
      sql<number>`coalesce(sum(amount) filter (where purchases > 0), 0)`.as('spend_total'),
      sql<number>`coalesce(sum(sessions) filter (where occurred_at > ${monthAgo}), 0)`.as('sessions_30d'),
      sql<Date | null>`max(occurred_at) filter (where purchases > 0)`.as('last_purchase_at'),
    ])
    .where('tenant_id', '=', tenantId)
    .where('voided_at', 'is', null)
    .where('customer_id', 'is not', null)
    .groupBy('customer_id')
    .execute()
  const usageOf = new Map(usage.map((u) => [u.customer_id, u]))

  const contacted = await db
    .selectFrom('campaign_contacts')
    .select(['customer_id', sql<Date | null>`max(last_attempt_at)`.as('at')])
    .where('tenant_id', '=', tenantId)
    .where('last_attempt_at', 'is not', null)
    .groupBy('customer_id')
    .union(
      db
        .selectFrom('offer_presentations')
        .select([sql<string>`customer_id`.as('customer_id'), sql<Date | null>`max(presented_at)`.as('at')])
        .where('tenant_id', '=', tenantId)
        .where('customer_id', 'is not', null)
        .where('status', '!=', 'control')
        .groupBy('customer_id'),
    )
    .execute()
  const lastContact = new Map<string, Date>()
  for (const c of contacted) {
    if (!c.at) continue
    const at = new Date(c.at)
    const known = lastContact.get(c.customer_id)
    if (!known || known < at) lastContact.set(c.customer_id, at)
  }

  const orders = await db
    .selectFrom('offer_orders')
    .select(['customer_id', sql<number>`count(*)`.as('orders')])
    .where('tenant_id', '=', tenantId)
    .where('customer_id', 'is not', null)
    .groupBy('customer_id')
    .execute()
  const ordersOf = new Map(orders.map((o) => [o.customer_id, Number(o.orders)]))

  const memberships = await listMemberships(db, tenantId, now)

  return rows.map((row) => {
    const u = usageOf.get(row.id)
    const timeZone = row.time_zone ?? tenant.time_zone
    return {
      id: row.id,
      phone: row.phone,
      email: row.email,
      name: row.name,
      timeZone,
      lists: memberships.get(row.id) ?? new Set(),
      facts: {
        purchases_30d: Number(u?.purchases_30d ?? 0),
        spend_30d: Number(u?.spend_30d ?? 0),
        purchases_total: Number(u?.purchases_total ?? 0),
        spend_total: Number(u?.spend_total ?? 0),
        sessions_30d: Number(u?.sessions_30d ?? 0),
        days_since_last_purchase: days(u?.last_purchase_at ?? null, now),
        days_since_last_seen: days(row.last_seen_at, now),
        days_since_last_contact: days(lastContact.get(row.id) ?? null, now),
        offers_accepted: ordersOf.get(row.id) ?? 0,
        has_phone: row.phone !== null,
        has_email: row.email !== null,
        time_zone: timeZone,
      },
    }
  })
}

/**
 * The tenant's lists (not the shared ones) each customer is on now, by any of their phone numbers,
 * e-mail addresses, merchant ids or devices: customer id → list ids.
 */
export async function listMemberships(
  db: Db,
  tenantId: string,
  now: Date,
): Promise<Map<string, Set<string>>> {
  const rows = await db
    .selectFrom('list_entries as e')
    .innerJoin('customer_identifiers as i', (j) =>
      j
        .onRef('i.tenant_id', '=', 'e.tenant_id')
        .onRef('i.value', '=', 'e.value')
        .on(sql<boolean>`e.subject = case i.kind when 'customer_id' then 'customer' else i.kind end`),
    )
    .select(['i.customer_id', 'e.list_id'])
    .distinct()
    .where('e.tenant_id', '=', tenantId)
    .where('e.subject', 'in', ['phone', 'email', 'customer', 'device'])
    .where('e.removed_at', 'is', null)
    .where((w) => w.or([w('e.expires_at', 'is', null), w('e.expires_at', '>', now)]))
    .execute()
  const out = new Map<string, Set<string>>()
  for (const r of rows) {
    const set = out.get(r.customer_id) ?? new Set<string>()
    set.add(r.list_id)
    out.set(r.customer_id, set)
  }
  return out
}

/** The audience compiled once: match() answers for one customer. */
export function compileAudience(audience: TopLevelCondition): {
  match(customer: AudienceCustomer): Promise<boolean>
} {
  const engine = new Engine([], { allowUndefinedFacts: false })
  engine.addRule({
    conditions: audience as never,
    event: { type: 'in_audience' },
  })
  engine.addFact('on_list', async (params: { list?: string }, almanac) => {
    const lists = (await almanac.factValue('__lists')) as Set<string>
    return typeof params?.list === 'string' && lists.has(params.list)
  })
  return {
    async match(customer) {
      const { events } = await engine.run({ ...customer.facts, __lists: customer.lists })
      return events.length > 0
    },
  }
}

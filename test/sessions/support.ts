// Helpers for the sessions suites: service lines written straight to their table, a session body
// per person, a clock the test moves by hand, and the ledger's balance.
import { sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { SessionRequestInput } from '../../server/sessions/schema.ts'
import { newPerson, type Person } from '../api/identities.ts'

export interface LineInput {
  id: string
  currency?: string
  rate_per_minute?: number
  connect_fee?: number
  first_period_seconds?: number
  increment_seconds?: number
  hold_policy?: 'fixed' | 'minutes'
  hold_amount?: number | null
  hold_minutes?: number | null
  mode?: 'conference' | 'chat_room'
}

/** "Advice line": USD 2.99 a minute, 60/60, a hold of 10 minutes, unless overridden. */
export async function addLine(db: Db, tenantId: string, line: LineInput): Promise<string> {
  await db
    .insertInto('service_lines')
    .values({
      tenant_id: tenantId,
      id: line.id,
      name: line.id,
      currency: line.currency ?? 'USD',
      rate_per_minute: line.rate_per_minute ?? 299,
      connect_fee: line.connect_fee ?? 0,
      first_period_seconds: line.first_period_seconds ?? 60,
      increment_seconds: line.increment_seconds ?? 60,
      hold_policy: line.hold_policy ?? 'minutes',
      hold_amount: line.hold_amount ?? null,
      hold_minutes: line.hold_policy === 'fixed' ? null : (line.hold_minutes ?? 10),
      mode: line.mode ?? 'conference',
    })
    .execute()
  return line.id
}

/** A phone session by this person on a line, paid by the person's own card unless overridden. */
export function sessionBody(
  person: Person,
  lineId: string,
  overrides: Record<string, unknown> = {},
): SessionRequestInput {
  // overrides may make it invalid on purpose: the suites send those over HTTP
  return {
    service_line_id: lineId,
    channel: 'phone',
    customer: { id: person.customerId, phone: person.phone, name: 'Test Person' },
    network: { ani: person.phone, ip: '203.0.113.7' },
    entered: { phone: person.phone },
    payment_method: {
      type: 'card',
      card: { number: person.card, exp_month: 12, exp_year: 2030, cvc: '123' },
      billing_address: { line1: '12 Main St', postal_code: '94107', country: 'US' },
    },
    ...overrides,
  } as SessionRequestInput
}

export function withCard(person: Person, number: string): Person {
  return { ...person, card: number }
}

export { newPerson }

/** A clock that starts now and moves only when told. */
export function manualClock(start = new Date()) {
  let now = start.getTime()
  return {
    now: () => new Date(now),
    advance(seconds: number) {
      now += seconds * 1000
    },
    at(seconds: number) {
      return new Date(start.getTime() + seconds * 1000)
    },
  }
}

/** Per currency debits minus credits, and every transaction whose entries do not balance. */
export async function ledgerOff(db: Db, tenantId: string) {
  const currencies = await sql<{ currency: string; off: string }>`
    select currency, sum(debit) - sum(credit) as off from ledger_entries where tenant_id = ${tenantId}
    group by currency having sum(debit) <> sum(credit)`.execute(db)
  const transactions = await sql<{ transaction_id: string }>`
    select transaction_id from ledger_entries where tenant_id = ${tenantId}
    group by transaction_id having sum(debit) <> sum(credit)`.execute(db)
  return [
    ...currencies.rows.map((r) => `${r.currency} off by ${r.off}`),
    ...transactions.rows.map((r) => r.transaction_id),
  ]
}

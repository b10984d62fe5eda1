// Helpers for the merchant API suites: people no other test has seen (so one test's allowances never
// leak into another's), valid card numbers, typed reads of responses, and row counts.

import type { z } from '@hono/zod-openapi'
import { sql } from 'kysely'
import { expect } from 'vitest'
import {
  type DecisionResponse,
  decisionSchema,
  type decisionWithExplanationSchema,
} from '../../server/authorizations/schema.ts'
import { problemSchema } from '../../server/http/problem.ts'
import { purchase, type TestApp } from '../support/app.ts'

/** Completes a partial number with its Luhn check digit. */
export function withLuhnDigit(partial: string): string {
  let sum = 0
  for (let i = 0; i < partial.length; i++) {
    // counted from the right of the finished number, the check digit is position 0
    let d = Number(partial[partial.length - 1 - i])
    if (i % 2 === 0) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return `${partial}${(10 - (sum % 10)) % 10}`
}

let serial = 0

/** A person with their own customer id, e-mail, phone, device and Visa card. */
export function newPerson() {
  serial += 1
  const n = String(serial).padStart(4, '0')
  const unique = `${Date.now() % 100_000}${n}`
  return {
    customerId: `c-${unique}`,
    email: `p${unique}@example.com`,
    phone: `+1202555${n}`,
    deviceId: `d-${unique}`,
    card: withLuhnDigit(`400000${unique.padStart(9, '0').slice(-9)}`),
  }
}

export type Person = ReturnType<typeof newPerson>

/** A purchase by this person; override any top-level part. */
export function purchaseBy(person: Person, overrides: Record<string, unknown> = {}) {
  return purchase({
    customer: { id: person.customerId, email: person.email, phone: person.phone, name: 'Test Person' },
    network: { ip: '203.0.113.7', device_id: person.deviceId },
    payment_method: {
      type: 'card',
      card: { number: person.card, exp_month: 12, exp_year: 2030, cvc: '123' },
      billing_address: { line1: '12 Main St', postal_code: '94107', country: 'US' },
    },
    ...overrides,
  })
}

/** A pay-per-minute web session by this person. */
export function sessionBy(person: Person, overrides: Record<string, unknown> = {}) {
  const { amount: _amount, ...body } = purchaseBy(person, { kind: 'session', ...overrides })
  return body
}

export type Decision = DecisionResponse
export type DecisionWithExplanation = z.infer<typeof decisionWithExplanationSchema>
export type Problem = z.infer<typeof problemSchema>

/** A 201 decision, checked against the documented response schema. */
export async function decisionOf(response: Response): Promise<Decision> {
  const text = await response.text()
  expect(response.status, text).toBe(201)
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  return decisionSchema.parse(JSON.parse(text))
}

export async function authorize(
  t: TestApp,
  body: unknown,
  options?: { key?: string; idempotencyKey?: string },
) {
  return decisionOf(await t.post('/v1/authorizations', body, options))
}

/** A problem response with this status, checked against the documented problem schema. */
export async function problemOf(response: Response, status: number): Promise<Problem> {
  const text = await response.text()
  expect(response.status, text).toBe(status)
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  const problem = problemSchema.parse(JSON.parse(text))
  expect(problem.status).toBe(status)
  expect(problem.request_id).toMatch(/\S{8,}/)
  expect(response.headers.get('x-request-id')).toBe(problem.request_id)
  return problem
}

export const storedTables = [
  'decisions',
  'customers',
  'customer_identifiers',
  'payment_methods',
  'usage_events',
] as const

/** Rows in each table that an authorization writes to. */
export async function countRows(t: TestApp): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const table of storedTables) {
    const { rows } = await sql<{
      n: string | number | bigint
    }>`select count(*) as n from ${sql.table(table)}`.execute(t.db)
    counts[table] = Number(rows[0]?.n ?? -1)
  }
  return counts
}

export async function usageCount(t: TestApp, decisionId: string): Promise<number> {
  const row = await t.db
    .selectFrom('usage_events')
    .select((eb) => eb.fn.countAll<string | number | bigint>().as('n'))
    .where('decision_id', '=', decisionId)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Puts a value on a tenant's negative list; returns the entry id. */
export async function addNegative(
  t: TestApp,
  tenantId: string,
  subject: string,
  value: string,
): Promise<string> {
  const id = `ent_test${++serial}`
  await t.db
    .insertInto('list_entries')
    .values({
      tenant_id: tenantId,
      list_id: 'negative',
      id,
      subject,
      value,
      reason: 'test',
      source: 'manual',
      added_by: 'test',
    })
    .execute()
  return id
}

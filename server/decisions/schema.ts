// What a decision records, as the admin API returns it: the request as captured, every fact read
// and every rule that fired. The shapes are the rules engine's own (rules/request.ts,
// rules/engine.ts); routes cast the stored JSON to those types, so the compiler holds both together.
import { z } from '@hono/zod-openapi'
import type { CapturedRequest } from '../../rules/request.ts'
import { type EventType, eventTypes } from '../../rules/schema.ts'
import type { FactReading, FiredRule } from '../../rules/types.ts'

const params = z.record(z.string(), z.unknown()).nullable()

export const factReadingSchema = z
  .object({ fact: z.string(), params, value: z.unknown() })
  .openapi('FactReading', { description: 'a fact the engine read, with its parameters and the value it saw' })

export const firedRuleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.enum(eventTypes as [EventType, ...EventType[]]),
    params: z.record(z.string(), z.unknown()).openapi({ description: 'the event’s params, as in the rule' }),
    conditions: z.array(
      z.object({
        fact: z.string(),
        params,
        operator: z.string(),
        value: z.unknown().openapi({ description: 'what the rule compares with' }),
        fact_value: z.unknown().openapi({ description: 'what the fact was' }),
        result: z.boolean(),
      }),
    ),
  })
  .openapi('FiredRule', { description: 'a rule that fired, with each condition and the value it saw' })

const nullableText = z.string().nullable()

export const capturedRequestSchema = z
  .object({
    kind: z.enum(['purchase', 'session']),
    channel: z.enum(['web', 'phone', 'chat', 'video']),
    amount: z.object({ value: z.number().int(), currency: z.string() }).nullable(),
    customer: z.object({
      id: nullableText,
      email: nullableText,
      phone: nullableText,
      name: nullableText,
      birth_date: nullableText,
    }),
    network: z.object({ ip: nullableText, ani: nullableText, dnis: nullableText, device_id: nullableText }),
    entered: z.object({ phone: nullableText, ip: nullableText }),
    payment_method: z
      .object({
        type: z.string(),
        card: z
          .object({
            bin: z.string(),
            last4: z.string(),
            brand: z.string(),
            fingerprint: z.string(),
            luhn_valid: z.boolean(),
            exp_month: z.number().int(),
            exp_year: z.number().int(),
          })
          .nullable(),
        bank_account: z
          .object({
            routing_number: z.string(),
            routing_valid: z.boolean(),
            last4: z.string(),
            fingerprint: z.string(),
          })
          .nullable()
          .optional()
          .openapi({ description: 'checking and EFT only; the account number is never kept' }),
        billing_address: z
          .object({ line1: nullableText, postal_code: nullableText, country: nullableText })
          .nullable(),
      })
      .nullable(),
    items: z.array(z.object({ sku: z.string(), quantity: z.number().int(), unit_amount: z.number().int() })),
  })
  .openapi('CapturedRequest', {
    description: 'the request as captured: the card is only BIN, last four, brand and fingerprint',
  })

/** The recorded JSON columns of a decision row, typed as the engine wrote them. */
export function recorded(row: { request: unknown; facts: unknown; fired_rules: unknown }) {
  return {
    request: row.request as CapturedRequest | null,
    facts: row.facts as FactReading[],
    fired_rules: row.fired_rules as FiredRule[],
  }
}

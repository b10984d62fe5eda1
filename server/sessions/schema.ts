// The merchant-facing shapes of a billable session: what a merchant's server (or the telephony
// bridge, in-process) sends to start one, report its legs and end it, and what it gets back.
import { z } from '@hono/zod-openapi'
import { authorizationRequestSchema, decisionSchema } from '../authorizations/schema.ts'

const id = (what: string) => z.string().min(1).max(64).openapi({ description: what })

export const sessionRequestSchema = authorizationRequestSchema
  .omit({ kind: true, amount: true, items: true, channel: true })
  .extend({
    service_line_id: id('the service line the session is billed at (its rate, increments and hold)'),
    channel: z.enum(['phone', 'web', 'chat']),
  })
  .strict()
  .openapi('SessionRequest')
export type SessionRequest = z.infer<typeof sessionRequestSchema>
/** what an in-process caller (the telephony bridge) may pass: the defaults are filled in by start() */
export type SessionRequestInput = z.input<typeof sessionRequestSchema>

export const legRequestSchema = z
  .object({
    party: z.enum(['representative', 'customer']).openapi({
      description:
        'a representative’s leg opens the billing window (the first connect) and closes it (the last disconnect); in a chat-room line the customer’s own leg is billed',
    }),
    representative_id: id('the representative on this leg (representative legs only)').optional(),
  })
  .strict()
  .openapi('SessionLegRequest')
export type LegRequest = z.infer<typeof legRequestSchema>

export const endRequestSchema = z
  .object({
    reason: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-z0-9_]+$/, 'lower-case letters, digits and _')
      .optional()
      .openapi({
        description: 'why it ended, in your words: caller_hung_up, completed …',
        example: 'completed',
      }),
  })
  .strict()
  .openapi('SessionEndRequest')

const legSchema = z.object({
  id: z.string(),
  party: z.enum(['representative', 'customer']),
  representative_id: z.string().nullable(),
  connected_at: z.string(),
  disconnected_at: z.string().nullable(),
})

const money = z.object({ amount: z.number().int(), currency: z.string() })

export const sessionSchema = z
  .object({
    id: z.string().openapi({ example: 'ses_0mhk2x1c7a8b9c0d1e2f3g4h' }),
    status: z.enum(['opening', 'refused', 'failed', 'live', 'ended', 'settled']).openapi({
      description:
        'refused: the decision did not approve (see decision); failed: approved but the hold was declined or nothing could be granted (see failure); live: connect legs, send heartbeats; ended: rated, being settled; settled: the money has moved (see settlement)',
    }),
    decision: decisionSchema,
    service_line_id: z.string(),
    channel: z.string(),
    mode: z.enum(['conference', 'chat_room']),
    currency: z.string(),
    max_duration_seconds: z.number().int().nullable().openapi({
      description:
        'the longest billed time granted: the smaller of what the allowances leave and what the hold covers. Reserved against the allowances while live',
    }),
    hold: z
      .object({ payment_id: z.string(), amount: z.number().int(), status: z.string() })
      .nullable()
      .openapi({
        description: 'the hold placed before connecting; null for checking / EFT (charged at the end)',
      }),
    legs: z.array(legSchema),
    started_at: z.string(),
    last_heartbeat_at: z.string(),
    billing_started_at: z.string().nullable(),
    billing_ended_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    end_reason: z.string().nullable(),
    billed_seconds: z.number().int().nullable(),
    charge: money.nullable().openapi({ description: 'what the session was rated at, once ended' }),
    rating: z
      .object({
        currency: z.string(),
        billed_seconds: z.number().int(),
        charged_seconds: z.number().int(),
        items: z.array(
          z.object({
            kind: z.enum(['connect_fee', 'time', 'discount']),
            description: z.string(),
            amount: z.number().int(),
            code: z.string().optional(),
          }),
        ),
        subtotal: z.number().int(),
        discount_total: z.number().int(),
        total: z.number().int(),
      })
      .nullable()
      .openapi({ description: 'the itemised charge, once ended' }),
    settlement: z.string().nullable().openapi({
      description:
        'how the money moved: capture_and_release, reverse_and_recharge, credit_difference, direct_charge, charged_after_expiry or reversed (never connected)',
    }),
    settled_at: z.string().nullable(),
    failure: z.object({ code: z.string(), message: z.string() }).nullable().openapi({
      description: 'why the hold or the final charge failed (a gateway decline code), or nothing_granted',
    }),
  })
  .openapi('Session')
export type SessionView = z.infer<typeof sessionSchema>
export type LegView = z.infer<typeof legSchema>

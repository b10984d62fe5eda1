// The merchant-facing shapes of an authorization: what a merchant's server sends and gets back.
import { z } from '@hono/zod-openapi'
import { usageSubjects } from '../../rules/schema.ts'
import { identityKinds } from '../customers/identify.ts'
import { skipReasons } from '../offers/types.ts'

// PostgreSQL text and json cannot hold NUL or an unpaired UTF-16 surrogate: refuse them here, naming
// the field, rather than fail at the insert with a 500.
const unpairedSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
const text = () =>
  z
    .string()
    .refine(
      (s) => !s.includes('\u0000') && !unpairedSurrogate.test(s),
      'must not contain NUL characters or unpaired surrogates',
    )

const money = z.number().int().min(0).max(1_000_000_000_000)
const currency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'an ISO 4217 code in capitals, such as USD')
  .openapi({ example: 'USD' })
const phone = text()
  .max(40)
  .openapi({ description: 'E.164 (+15555550100); national numbers are read in the billing country, else US' })

const paymentMethodTypes = [
  'card',
  'debit',
  'checking',
  'eft',
  'phone_bill',
  'cable',
  'utility',
  'isp',
  'wallet',
  'stored',
] as const

export const authorizationRequestSchema = z
  .object({
    kind: z
      .enum(['purchase', 'session'])
      .openapi({ description: 'a purchase of goods, or a pay-per-minute session' }),
    channel: z.enum(['web', 'phone', 'chat', 'video']),
    amount: z
      .object({ value: money.openapi({ description: 'integer minor units: 4999 is 49.99 USD' }), currency })
      .strict()
      .optional()
      .openapi({ description: 'required for purchases; for sessions, the hold the merchant asks for' }),
    customer: z
      .object({
        id: text().min(1).max(128).optional().openapi({ description: 'your id for the customer' }),
        email: z.email().max(254).optional(),
        phone: phone.optional(),
        name: text().max(200).optional(),
        birth_date: z.iso.date().optional(),
      })
      .strict()
      .default({}),
    network: z
      .object({
        ip: text().max(64).optional().openapi({ example: '203.0.113.7' }),
        ani: text().max(40).nullable().optional().openapi({
          description: 'the caller number the phone network forwarded; omit or null when none came',
        }),
        dnis: phone.optional(),
        device_id: text().min(1).max(128).optional(),
      })
      .strict()
      .default({}),
    entered: z
      .object({
        phone: phone.optional().openapi({ description: 'the number the caller keyed in or typed' }),
        ip: text().max(64).optional(),
      })
      .strict()
      .default({}),
    payment_method: z
      .object({
        type: z.enum(paymentMethodTypes).openapi({
          description:
            '`stored`: a method the customer paid with before, chosen by `id` (GET /v1/payment-methods)',
        }),
        id: z
          .string()
          .regex(/^pm_[A-Za-z0-9]+$/, 'a stored payment method id, pm_…')
          .optional()
          .openapi({
            description: 'with type `stored`: the stored method to charge through its gateway token',
          }),
        card: z
          .object({
            number: z
              .string()
              .regex(/^[0-9 -]{12,23}$/, 'digits, optionally grouped with spaces or dashes')
              .openapi({ description: 'passed to the gateway, never stored, logged or returned' }),
            exp_month: z.number().int().min(1).max(12),
            exp_year: z.number().int().min(2000).max(2100),
            cvc: z
              .string()
              .regex(/^[0-9]{3,4}$/, 'three or four digits')
              .optional()
              .openapi({ description: 'never stored' }),
            holder_name: text().max(200).optional().openapi({
              description: 'the name on the card, compared by the issuer with the customer’s name',
            }),
          })
          .strict()
          .optional(),
        bank_account: z
          .object({
            routing_number: z
              .string()
              .regex(/^[0-9]{9}$/, 'the nine-digit ABA routing number')
              .openapi({ example: '011000015' }),
            account_number: z
              .string()
              .regex(/^[0-9 -]{4,20}$/, '4 to 17 digits, optionally grouped with spaces or dashes')
              .openapi({
                description:
                  'reduced to the last four and a keyed fingerprint; never stored, logged or returned',
              }),
          })
          .strict()
          .optional()
          .openapi({ description: 'for checking and eft (electronic funds transfer)' }),
        billing_address: z
          .object({
            line1: text().max(200).optional(),
            postal_code: text().max(20).optional(),
            country: z
              .string()
              .regex(/^[A-Z]{2}$/, 'ISO 3166 alpha-2 in capitals')
              .optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    capture: z.enum(['manual', 'automatic']).optional().openapi({
      description:
        'for an approved card purchase: manual (the default) places a hold for the amount, captured later with POST /v1/authorizations/{id}/capture; automatic charges it at once. Checking and EFT are always charged at once',
    }),
    items: z
      .array(
        z
          .object({
            sku: text().min(1).max(128),
            quantity: z.number().int().min(1).max(10_000),
            unit_amount: money,
          })
          .strict(),
      )
      .max(100)
      .default([]),
  })
  .strict()
  .openapi('AuthorizationRequest')

export type AuthorizationRequest = z.infer<typeof authorizationRequestSchema>

/** Why: a rule's reason, or an allowance's with whom it counted against and what is left. */
export const reasonSchema = z.object({
  rule: z.string(),
  type: z.string(),
  message: z.string().openapi({
    description:
      'for people: the rule’s message; an allowance’s also names whom it counted against (“Two sessions a day, counted against card ending 4242”)',
  }),
  reason_code: z.string().optional(),
  subject: z
    .object({
      kind: z.enum(usageSubjects).openapi({
        description:
          'customer (everything the customer did, whichever card, phone or address), card, phone or ip',
      }),
      label: z.string().openapi({
        description: 'the subject as a person reads it',
        example: 'card ending 4242',
      }),
    })
    .optional()
    .openapi({
      description:
        'for type allowance: whose usage the allowance counted — the customer (see customer.linked_by for how this request was tied to them), this card, this phone number or this IP address',
    }),
  remaining: z
    .number()
    .int()
    .optional()
    .openapi({ description: 'for type allowance: what is left in its metric before this request' }),
  resets_at: z.string().optional(),
})

const outcome = z.enum(['approve', 'limit', 'temporary_block', 'block', 'review'])

export const discountSchema = z
  .object({
    rule: z.string().openapi({ description: 'the rule whose discount event granted it' }),
    code: z.string(),
    message: z.string().openapi({ description: 'for the customer: why they get it' }),
    percent_off: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'the rule’s terms: a whole percentage off (null for a fixed amount)' }),
    fixed_off: z.number().int().nullable().openapi({
      description:
        'the rule’s terms: a fixed amount off, minor units of the rule set’s currency (null for a percentage)',
    }),
    amount_off: z.number().int().nullable().openapi({
      description:
        'what it took off this purchase, integer minor units of its currency; null on a session, whose bill reckons it',
    }),
  })
  .openapi('Discount')

export const decisionAmountSchema = z
  .object({
    requested: z.number().int().openapi({ description: 'the amount asked, minor units' }),
    discount: z.number().int().openapi({ description: 'what the discounts took off, minor units' }),
    payable: z
      .number()
      .int()
      .openapi({ description: 'requested − discount, never below 0: what is held, captured or charged' }),
    currency: z.string(),
  })
  .openapi('DecisionAmount')
/** How an offer made is shown or spoken; GET /v1/offers/{id} shows the same (server/offers/routes.ts). */
export const offerMadeTreatmentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    channel: z.enum(['phone', 'web']),
    segment: z.string().openapi({ description: 'the demographic segment it suits; * for every one' }),
    style: z.enum(['concise', 'detailed']),
    pace: z.enum(['slow', 'normal', 'fast']),
    language: z.string(),
    prompt: z
      .string()
      .nullable()
      .openapi({ description: 'phone: what is played (a file or tone_stream://)' }),
    script: z.string().nullable().openapi({ description: 'phone: what a representative or TTS reads' }),
    text: z.string().nullable().openapi({ description: 'web: the words to show' }),
    image_url: z.string().nullable(),
  })
  .openapi('OfferMadeTreatment', { description: 'How the offer is shown or spoken to this customer' })

export const offerMadeSchema = z
  .object({
    id: z.string().openapi({ description: 'accept with POST /v1/offers/{id}/accept, or decline' }),
    sku: z.string(),
    name: z.string(),
    description: z.string(),
    quantity: z.number().int(),
    price: z.number().int().openapi({ description: 'the catalog price, minor units' }),
    discount: z.number().int().openapi({ description: 'minor units off the price' }),
    amount: z.number().int().openapi({ description: 'what acceptance captures, minor units' }),
    currency: z.string(),
    expires_at: z.string().openapi({ description: 'when the reserved stock and the hold are released' }),
    // a union, not .nullable(): that would make the registered schema itself nullable
    treatment: z.union([offerMadeTreatmentSchema, z.null()]),
    payment_id: z
      .string()
      .nullable()
      .openapi({ description: 'the hold for the amount, captured on acceptance' }),
    why: z.object({
      rule: z.string().openapi({ description: 'the rule whose offer event made it eligible' }),
      weight: z.number(),
      propensity: z.number().openapi({
        description: 'learned take rate for the segment and channel: (accepted + 1) / (presented + 20)',
      }),
      value: z
        .number()
        .openapi({ description: 'what arbitration weighs, minor units (the margin, else the price)' }),
      priority: z.number().openapi({ description: 'propensity × value × weight' }),
      segment: z.string(),
      presentation_rules: z
        .array(z.string())
        .openapi({ description: 'the treatment rules that chose the presentation' }),
      message: z.string(),
    }),
  })
  .openapi('OfferMade')

export const offerSkippedSchema = z
  .object({
    sku: z.string().openapi({ description: 'empty when a tag matched no offer' }),
    tag: z.string().optional(),
    rule: z.string(),
    reason: z.enum(skipReasons),
    message: z.string(),
  })
  .openapi('OfferSkipped')

export const decisionSchema = z
  .object({
    id: z.string().openapi({ example: 'dec_0mhk2x1c7a8b9c0d1e2f3g4h' }),
    outcome: outcome.openapi({
      description:
        'approve; limit (an allowance for the period is used up, lifted at limits.resets_at); temporary_block (correctable: fix and retry); block (permanent); review (a person decides: poll GET /v1/decisions/{id})',
    }),
    reasons: z.array(reasonSchema),
    limits: z.object({
      max_amount: z
        .number()
        .int()
        .nullable()
        .openapi({ description: 'the most that may be charged now, minor units' }),
      max_duration_seconds: z.number().int().nullable(),
      resets_at: z
        .string()
        .nullable()
        .openapi({ description: 'for outcome limit: when the allowance is lifted' }),
      purchase_value_limit: z
        .object({
          amount: z.number().int(),
          currency: z.string(),
          expires_at: z.string(),
          established: z.boolean().openapi({ description: 'true when this decision established it' }),
        })
        .nullable()
        .optional()
        .openapi({
          description:
            'when the rule set keeps purchase value limits: the most one purchase of this customer may be worth until expires_at (null when none is in force)',
        }),
    }),
    retry_after_seconds: z.number().int().nullable(),
    discounts: z.array(discountSchema).openapi({
      description:
        'The discounts an approval grants, the largest first: on a purchase, those that took something off `amount` (the rule set’s discount_stacking says whether they add up or the best one wins); on a session, those its bill will apply (GET /v1/sessions/{id})',
    }),
    amount: decisionAmountSchema.nullable().optional().openapi({
      description:
        'for a purchase: the amount asked, what the discounts took off, and what is payable — the amount held and captured, and counted against the allowances. null for a session, whose discounts apply to its bill',
    }),
    offers: z.array(offerMadeSchema).openapi({
      description:
        'Offers made in this contact (step 8): each one’s stock is reserved and its amount held on the customer’s method until it is accepted (POST /v1/offers/{id}/accept), declined or expires. Selected after the approval, best first by priority = propensity × value × weight; empty unless the rule set’s offer events made some eligible',
    }),
    offers_skipped: z.array(offerSkippedSchema).openapi({
      description:
        'Eligible offers that were not made, and why: not in the catalog, channel, currency, contact policy, declined recently, out of stock, no payment method, credit declined, ranked out or held out as the control group',
    }),
    customer: z
      .object({
        id: z.string().openapi({
          description: 'Tollgate’s id for the customer this decision counts against',
          example: 'cus_0mhk2x1c7a8b9c0d1e2f3g4h',
        }),
        external_id: z.string().nullable().openapi({
          description:
            'your id for that customer, as Tollgate first recorded it (the customer.id of its first request; null if that had none). It differs from this request’s customer.id when the request was linked to a customer you know by another id',
          example: 'c-81',
        }),
        returning: z.boolean().openapi({ description: 'Tollgate knew the customer before this request' }),
        linked_by: z.enum(identityKinds).nullable().openapi({
          description:
            'which of this request’s identifiers tied it to a customer Tollgate already knew, the strongest first: customer_id (your customer.id), card (the card’s fingerprint), email, phone (customer.phone, else the forwarded ANI) or device (network.device_id). A new customer.id with a known card is linked by card, and the card’s customer’s allowances apply. null for a customer first seen now',
        }),
      })
      .nullable()
      .openapi({
        description:
          'whom the decision counts against; null when the request carried no identifier (customer id, card, e-mail, phone or device)',
      }),
    payment_method: z
      .object({
        type: z.string(),
        brand: z.string().nullable(),
        last4: z.string().nullable(),
        fingerprint: z.string().nullable(),
      })
      .nullable(),
    rule_set: z.object({ id: z.string(), version: z.number().int() }).nullable(),
    payment: z
      .object({
        id: z.string().openapi({ example: 'pay_0mhk2x1c7a8b9c0d1e2f3g4h' }),
        kind: z.enum(['hold', 'charge']),
        status: z.string().openapi({
          description:
            'pending, authorized (held), captured, voided, expired (the hold lapsed), refunded, failed or unknown (no answer yet)',
        }),
        currency: z.string(),
        amount_authorized: z.number().int(),
        amount_captured: z.number().int(),
        amount_refunded: z.number().int(),
        failure_code: z
          .string()
          .nullable()
          .openapi({ description: 'the gateway’s decline code when it failed' }),
        expires_at: z.string().nullable().openapi({ description: 'when an uncaptured hold lapses' }),
      })
      .nullable()
      .optional()
      .openapi({ description: 'for an approved card, checking or EFT purchase: the money it holds or took' }),
    resolution: z
      .object({
        outcome,
        note: z.string().nullable(),
        resolved_at: z.string(),
        resolved_by: z.string(),
        decision: z.enum(['approve', 'approve_with_limit', 'block']).optional(),
        limits: z
          .object({
            max_amount: z.number().int().nullable(),
            max_duration_seconds: z.number().int().nullable(),
          })
          .nullable()
          .optional()
          .openapi({ description: 'with approve_with_limit: what the reviewer allowed' }),
      })
      .nullable()
      .openapi({ description: 'a reviewer’s later decision on a review' }),
    created_at: z.string(),
  })
  .openapi('Decision')

export type DecisionResponse = z.infer<typeof decisionSchema>

export const explanationSchema = z
  .object({
    fired_rules: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        type: z.string(),
        conditions: z.array(
          z.object({
            fact: z.string(),
            params: z.record(z.string(), z.unknown()).nullable(),
            operator: z.string(),
            value: z.unknown(),
            fact_value: z.unknown(),
            result: z.boolean(),
          }),
        ),
      }),
    ),
    facts: z.array(
      z.object({
        fact: z.string(),
        params: z.record(z.string(), z.unknown()).nullable(),
        value: z.unknown(),
      }),
    ),
    providers: z
      .array(
        z.object({
          kind: z.string().openapi({
            description: 'ani_line_type, credit_bureau, check_approval, demographics or card_issuer',
          }),
          provider_id: z.string(),
          status: z.string().openapi({ description: 'answered, cached, timeout, circuit_open or error' }),
          fail_policy: z.string(),
          attempts: z
            .number()
            .int()
            .openapi({ description: 'HTTP requests made: 0 when cached or the circuit was open' }),
          latency_ms: z.number().int(),
          error: z.string().nullable(),
        }),
      )
      .optional()
      .openapi({
        description: 'the outside data providers this decision asked, with timings',
      }),
  })
  .openapi('Explanation')

export const decisionWithExplanationSchema = decisionSchema
  .extend({ explanation: explanationSchema })
  .openapi('DecisionWithExplanation')

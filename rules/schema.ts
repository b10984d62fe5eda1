// The rule-set version document: settings plus json-rules-engine rules whose event is one of the
// eight Tollgate event types, each with its own params. This is the contract staff edit.
import { z } from 'zod'

export const outcomes = ['approve', 'limit', 'temporary_block', 'block', 'review'] as const
export type Outcome = (typeof outcomes)[number]

export const usageSubjects = ['customer', 'phone', 'card', 'ip'] as const
export type UsageSubject = (typeof usageSubjects)[number]
export const usageMetrics = ['sessions', 'purchases', 'minutes', 'amount'] as const
export type UsageMetric = (typeof usageMetrics)[number]
export const windowUnits = ['day', 'week', 'month', 'hours'] as const
export type WindowUnit = (typeof windowUnits)[number]

export const listKinds = ['negative', 'positive'] as const
export type ListKind = (typeof listKinds)[number]
export const listSubjects = [
  'phone',
  'ip',
  'card',
  'bin',
  'email',
  'email_domain',
  'device',
  'customer',
  'address',
  'name',
] as const
export type ListSubject = (typeof listSubjects)[number]

/** A usage window: a calendar day / week / month in the tenant's time zone, or the last N hours. */
export const usageWindowSchema = z
  .object({
    window: z
      .enum(windowUnits)
      .describe('day, week (from Monday) and month are calendar periods in the time zone'),
    hours: z
      .number()
      .int()
      .min(1)
      .max(24 * 366)
      .optional()
      .describe('with window "hours": the last N hours'),
  })
  .refine((w) => (w.window === 'hours') === (w.hours !== undefined), {
    message: 'hours is required with window "hours" and allowed only with it',
    path: ['hours'],
  })

const reasoned = {
  reason_code: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z0-9_.-]+$/, 'lowercase letters, digits, _ . -'),
  message: z.string().min(1).max(500).describe('shown to the merchant and to staff'),
}

export const eventParamSchemas = {
  block: z.object(reasoned).strict().describe('Stop this caller or buyer for good'),
  temporary_block: z
    .object({
      ...reasoned,
      retry_after_seconds: z
        .number()
        .int()
        .min(0)
        .max(86_400 * 30)
        .optional(),
    })
    .strict()
    .describe('Correctable: the caller may fix what failed and retry'),
  review: z.object(reasoned).strict().describe('A person decides'),
  limit: z.object(reasoned).strict().describe('Refuse for this period'),
  allowance: z
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
      limit: z
        .number()
        .int()
        .min(0)
        .describe('in the metric’s unit: count, whole minutes, or minor units of money'),
      message: z.string().min(1).max(500),
    })
    .strict()
    .refine((p) => (p.window === 'hours') === (p.hours !== undefined), {
      message: 'hours is required with window "hours" and allowed only with it',
      path: ['hours'],
    })
    .describe('How much may be used per period; what is left becomes the limits of an approval'),
  discount: z
    .object({
      code: z.string().min(1).max(64),
      percent_off: z.number().int().min(1).max(100).optional(),
      amount_off: z.number().int().min(1).optional().describe('minor units'),
      message: z.string().min(1).max(500),
    })
    .strict()
    .refine((p) => (p.percent_off === undefined) !== (p.amount_off === undefined), {
      message: 'give exactly one of percent_off or amount_off',
      path: ['percent_off'],
    }),
  offer: z
    .object({
      sku: z.string().min(1).max(64).optional().describe('the catalog offer this rule makes eligible'),
      tag: z
        .string()
        .min(1)
        .max(64)
        .optional()
        .describe('or every active catalog offer with this tag (give exactly one of sku or tag)'),
      weight: z
        .number()
        .positive()
        .max(100)
        .default(1)
        .describe('multiplies the offer’s priority (propensity × value × weight) in arbitration'),
      message: z.string().min(1).max(500).optional().describe('why, for staff and the decision’s why'),
    })
    .strict()
    .refine((p) => (p.sku === undefined) !== (p.tag === undefined), {
      message: 'give exactly one of sku or tag',
      path: ['sku'],
    })
    .describe('Make catalog offers eligible; selection checks stock and credit before one is made'),
  treatment: z
    .object({
      style: z.enum(['concise', 'detailed']).optional(),
      pace: z.enum(['slow', 'normal', 'fast']).optional(),
      language: z
        .string()
        .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a BCP 47 language tag such as en or es-MX')
        .optional(),
      segment: z
        .string()
        .min(1)
        .max(64)
        .regex(/^[a-z0-9_-]+$/, 'lowercase letters, digits, _ and -')
        .optional()
        .describe('the demographic segment whose treatments (and take rates) apply'),
      message: z.string().min(1).max(500),
    })
    .strict()
    .refine((p) => [p.style, p.pace, p.language, p.segment].some((v) => v !== undefined), {
      message: 'give at least one of style, pace, language or segment',
      path: ['style'],
    })
    .describe(
      'How offers are presented to this customer; of several that fire, the higher rule priority wins each choice, then the earlier rule',
    ),
} as const

export type EventType = keyof typeof eventParamSchemas
export const eventTypes = Object.keys(eventParamSchemas) as EventType[]
export type EventParams<T extends EventType> = z.infer<(typeof eventParamSchemas)[T]>

export interface ConditionLeaf {
  fact: string
  operator: string
  value: unknown
  params?: Record<string, unknown> | undefined
  path?: string | undefined
}
export type Condition = ConditionLeaf | { all: Condition[] } | { any: Condition[] } | { not: Condition }
export type TopLevelCondition = { all: Condition[] } | { any: Condition[] } | { not: Condition }

export const conditionLeafSchema = z
  .object({
    fact: z.string().min(1),
    operator: z.string().min(1),
    value: z.unknown(),
    params: z.record(z.string(), z.unknown()).optional(),
    path: z.string().optional(),
  })
  .strict()

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.object({ all: z.array(conditionSchema) }).strict(),
    z.object({ any: z.array(conditionSchema) }).strict(),
    z.object({ not: conditionSchema }).strict(),
    conditionLeafSchema,
  ]),
)

export const topLevelConditionSchema: z.ZodType<TopLevelCondition> = z.union([
  z.object({ all: z.array(conditionSchema) }).strict(),
  z.object({ any: z.array(conditionSchema) }).strict(),
  z.object({ not: conditionSchema }).strict(),
])

export const ruleSchema = z
  .object({
    id: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lowercase letters, digits, _ and -')
      .describe('stable across versions'),
    name: z.string().min(1).max(120),
    description: z.string().max(2000).default(''),
    priority: z.number().int().min(1).max(100).default(1).describe('higher runs first'),
    enabled: z.boolean().default(true),
    conditions: topLevelConditionSchema,
    event: z
      .object({ type: z.enum(eventTypes as [EventType, ...EventType[]]), params: z.unknown() })
      .strict(),
  })
  .strict()
export type Rule = z.infer<typeof ruleSchema>

/** The reasons a payment gateway gives for declining, as server/payments/port.ts names them, and its silence. */
export const paymentDeclineCodes = [
  'generic_decline',
  'insufficient_funds',
  'incorrect_cvc',
  'incorrect_zip',
  'expired_card',
  'processing_error',
  'authorization_expired',
  'amount_too_large',
  'not_supported',
  'no_answer',
] as const
export type PaymentDeclineOutcomes = Partial<
  Record<(typeof paymentDeclineCodes)[number], 'block' | 'temporary_block'>
>

export const settingsSchema = z
  .object({
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .describe('ISO 4217; amounts in other currencies do not count toward money allowances'),
    time_zone: z
      .string()
      .optional()
      .describe('IANA zone for day/week/month windows; defaults to the tenant’s'),
    billing_increment_seconds: z.number().int().min(1).max(3600).default(60),
    session_hold_amount: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('minor units held before a session connects'),
    payment_declines: z
      .partialRecord(
        z.enum(paymentDeclineCodes),
        z.enum(['block', 'temporary_block']).describe('what a purchase declined for this reason becomes'),
      )
      .optional()
      .describe(
        'How a gateway decline turns an approved purchase around (figure 9): a code not named keeps its default — block for a refused or expired card, temporary_block for funds, security code, postal code, a processing error or no answer',
      ),
    purchase_value_limit: z
      .object({
        amount: z.number().int().min(1).describe('minor units of the rule set’s currency'),
        days: z.number().int().min(1).max(3650).describe('how long an established limit stays in force'),
      })
      .strict()
      .optional()
      .describe(
        'A customer whose purchase is approved gets this purchase value limit; their later purchases above it are limited until staff raise it or it expires',
      ),
    offers: z
      .object({
        max_per_contact: z
          .number()
          .int()
          .min(1)
          .max(10)
          .default(1)
          .describe('how many offers one contact (a decision, a call) may make, the highest priority first'),
        control_percent: z
          .number()
          .int()
          .min(0)
          .max(50)
          .default(0)
          .describe(
            'the share of customers held out of each offer for measurement (a stable hash of customer and offer): chosen, recorded as control, never shown',
          ),
      })
      .strict()
      .optional()
      .describe('How offers are selected for a contact'),
  })
  .strict()
export type Settings = z.infer<typeof settingsSchema>

export const ruleSetDefinitionSchema = z
  .object({
    settings: settingsSchema,
    rules: z.array(ruleSchema).max(500),
  })
  .strict()
export type RuleSetDefinition = z.infer<typeof ruleSetDefinitionSchema>
export type RuleSetDefinitionInput = z.input<typeof ruleSetDefinitionSchema>

// POST /v1/authorizations/{id}/capture, /void and /refunds: the merchant takes, releases or gives
// back the money of an approved purchase (its hold, or its direct charge for refunds).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import { defaultHook, type MerchantEnv } from '../http/openapi.ts'
import { ProblemError, problemSchema, validationProblem } from '../http/problem.ts'
import type { Services } from '../services.ts'
import { PaymentError, type PaymentOutcome } from './payments.ts'
import { decisionPayment, paymentOfDecision } from './purchases.ts'

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: problemSchema } },
})

const idParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' }, description: 'the decision’s id' }),
})

const idempotencyHeader = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(200)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .optional()
    .openapi({ description: 'a unique key per logical request: a retry with it never moves money twice' }),
})

const paymentResultSchema = z
  .object({
    decision_id: z.string(),
    payment: z.object({
      id: z.string(),
      kind: z.enum(['hold', 'charge']),
      status: z.string().openapi({
        description:
          'authorized, captured, voided, expired, refunded, failed, or unknown (no answer yet: it is settled later)',
      }),
      currency: z.string(),
      amount_authorized: z.number().int(),
      amount_captured: z.number().int(),
      amount_refunded: z.number().int(),
      failure_code: z.string().nullable(),
      expires_at: z.string().nullable(),
    }),
    operation: z.object({
      id: z.string(),
      operation: z.enum(['capture', 'void', 'refund']),
      amount: z.number().int(),
      status: z.enum(['pending', 'succeeded', 'declined', 'failed', 'unknown']).openapi({
        description:
          'succeeded; declined by the gateway (see decline_code); unknown when the gateway did not answer in time — Tollgate asks again and settles it, and a retry with the same Idempotency-Key returns what became of it',
      }),
      decline_code: z.string().nullable(),
      message: z.string().nullable(),
    }),
  })
  .openapi('PaymentResult')

const amountBody = (what: string) =>
  z
    .object({
      amount: z
        .number()
        .int()
        .min(1)
        .max(1_000_000_000_000)
        .optional()
        .openapi({ description: `integer minor units; ${what}` }),
    })
    .strict()

const errors = {
  401: problem('Missing, unknown or revoked API key'),
  404: problem('No such decision for this tenant, or it has no payment'),
  409: problem('The payment cannot do that in its present state (already captured, voided, lapsed …)'),
  422: problem('A field is invalid (errors[] names it), or the Idempotency-Key was used for another call'),
}

const captureRoute = createRoute({
  method: 'post',
  path: '/authorizations/{id}/capture',
  tags: ['Payments'],
  summary: 'Capture an approved purchase’s hold',
  description:
    'Takes amount (at most what is held; all of it when omitted) from the hold the approval placed; the rest is released at once. Once only.',
  security: [{ bearer: [] }],
  request: {
    params: idParam,
    headers: idempotencyHeader,
    body: {
      required: false,
      content: { 'application/json': { schema: amountBody('at most the amount held') } },
    },
  },
  responses: {
    200: { description: 'What came of it', content: { 'application/json': { schema: paymentResultSchema } } },
    ...errors,
  },
})

const voidRoute = createRoute({
  method: 'post',
  path: '/authorizations/{id}/void',
  tags: ['Payments'],
  summary: 'Release an approved purchase’s hold in full',
  security: [{ bearer: [] }],
  request: { params: idParam, headers: idempotencyHeader },
  responses: {
    200: { description: 'What came of it', content: { 'application/json': { schema: paymentResultSchema } } },
    ...errors,
  },
})

const refundRoute = createRoute({
  method: 'post',
  path: '/authorizations/{id}/refunds',
  tags: ['Payments'],
  summary: 'Give back captured money, whole or in part',
  description:
    'Refunds amount (everything not yet refunded when omitted). Several partial refunds may be made; send an Idempotency-Key so a retry is not a second refund.',
  security: [{ bearer: [] }],
  request: {
    params: idParam,
    headers: idempotencyHeader,
    body: {
      required: false,
      content: {
        'application/json': { schema: amountBody('at most what was captured and not yet refunded') },
      },
    },
  },
  responses: {
    201: { description: 'What came of it', content: { 'application/json': { schema: paymentResultSchema } } },
    ...errors,
  },
})

function resultOf(decisionId: string, outcome: PaymentOutcome) {
  const { operation } = outcome
  return {
    decision_id: decisionId,
    payment: decisionPayment(outcome.payment),
    operation: {
      id: operation.id,
      operation: operation.operation as 'capture' | 'void' | 'refund',
      amount: operation.amount,
      status: operation.status,
      decline_code: operation.decline_code,
      message: operation.message,
    },
  }
}

function problemOf(error: unknown): unknown {
  if (!(error instanceof PaymentError)) return error
  switch (error.code) {
    case 'not_found':
      return new ProblemError('not_found', error.message)
    case 'invalid_amount':
      return validationProblem(['amount'], error.message)
    case 'key_reused':
      return new ProblemError(
        'idempotency_key_reused',
        'This Idempotency-Key was used for another money call.',
      )
    case 'invalid_state':
    case 'not_supported':
      return new ProblemError('conflict', error.message)
  }
}

export function purchasePaymentRoutes(services: Pick<Services, 'db' | 'payments'>) {
  const app = new OpenAPIHono<MerchantEnv>({ defaultHook })

  async function paymentOf(tenantId: string, decisionId: string) {
    if (!/^dec_[a-z0-9]+$/.test(decisionId)) throw validationProblem(['id'], 'is not a decision id')
    const paymentId = await paymentOfDecision(services.db, tenantId, decisionId)
    const payment = paymentId ? await services.payments.get(tenantId, paymentId) : undefined
    if (!payment) throw new ProblemError('not_found', `No payment for decision ${decisionId}`)
    return payment
  }

  // the merchant's key is kept apart from Tollgate's own keys for the same payment
  const keyOf = (header: string | undefined) => (header ? `merchant:${header}` : undefined)

  /** A retry of a call already made returns what it came to, whatever the payment says now. */
  async function madeBefore(tenantId: string, key: string, paymentId: string, operation: string) {
    const before = await services.payments.byKey(tenantId, key)
    if (!before) return undefined
    if (before.payment.id !== paymentId || before.operation.operation !== operation)
      throw new ProblemError(
        'idempotency_key_reused',
        'This Idempotency-Key was used for another money call.',
      )
    return before
  }

  app.openapi(captureRoute, async (c) => {
    const tenantId = c.get('tenantId')
    const { id } = c.req.valid('param')
    const body = (await c.req.json().catch(() => ({}))) as unknown
    const parsed = amountBody('').safeParse(body ?? {})
    if (!parsed.success) throw validationProblem(['amount'], parsed.error.issues[0]?.message ?? 'is invalid')
    const payment = await paymentOf(tenantId, id)
    const key = keyOf(c.req.valid('header')['idempotency-key'])
    const before = await madeBefore(tenantId, key ?? `${payment.id}:capture`, payment.id, 'capture')
    if (before) return c.json(resultOf(id, before), 200)
    if (payment.status !== 'authorized')
      throw new ProblemError(
        'conflict',
        `This purchase's payment is ${payment.status}: there is no hold to capture.`,
      )
    const amount = parsed.data.amount ?? payment.amount_authorized - payment.amount_captured
    const outcome = await services.payments
      .capture(tenantId, payment.id, amount, { key })
      .catch((e: unknown) => {
        throw problemOf(e)
      })
    return c.json(resultOf(id, outcome), 200)
  })

  app.openapi(voidRoute, async (c) => {
    const tenantId = c.get('tenantId')
    const { id } = c.req.valid('param')
    const payment = await paymentOf(tenantId, id)
    const key = keyOf(c.req.valid('header')['idempotency-key'])
    const before = await madeBefore(tenantId, key ?? `${payment.id}:void`, payment.id, 'void')
    if (before) return c.json(resultOf(id, before), 200)
    const outcome = await services.payments.void(tenantId, payment.id, { key }).catch((e: unknown) => {
      throw problemOf(e)
    })
    return c.json(resultOf(id, outcome), 200)
  })

  app.openapi(refundRoute, async (c) => {
    const tenantId = c.get('tenantId')
    const { id } = c.req.valid('param')
    const body = (await c.req.json().catch(() => ({}))) as unknown
    const parsed = amountBody('').safeParse(body ?? {})
    if (!parsed.success) throw validationProblem(['amount'], parsed.error.issues[0]?.message ?? 'is invalid')
    const payment = await paymentOf(tenantId, id)
    const key = keyOf(c.req.valid('header')['idempotency-key'])
    const before = key ? await madeBefore(tenantId, key, payment.id, 'refund') : undefined
    if (before) return c.json(resultOf(id, before), 201)
    if (payment.status !== 'captured')
      throw new ProblemError(
        'conflict',
        `This purchase's payment is ${payment.status}: nothing captured is left to refund.`,
      )
    const amount = parsed.data.amount ?? payment.amount_captured - payment.amount_refunded
    const outcome = await services.payments
      .refund(tenantId, payment.id, amount, { key })
      .catch((e: unknown) => {
        throw problemOf(e)
      })
    return c.json(resultOf(id, outcome), 201)
  })

  return app
}

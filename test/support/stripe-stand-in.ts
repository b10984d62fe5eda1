// A local HTTP server standing in for api.stripe.com, for the Stripe adapter's tests (this machine
// cannot reach Stripe). Every request is checked against Stripe's published OpenAPI description —
// the subset in test/fixtures/stripe-openapi-subset.json, with its source noted there: the operation
// must exist for the method and path, each form field must be one the operation documents with a
// value of its documented type (integers, booleans, enums, lengths, nested objects, arrays), required
// fields must be there, a POST must carry an Idempotency-Key and a secret key must be sent. A request
// that fails a check is refused as Stripe would (400 invalid_request_error) and kept in `violations`,
// which every test expects to stay empty.
//
// It answers in the documented shapes (PaymentMethod, Customer, PaymentIntent, Refund, error) and keeps
// Stripe's idempotency: the same key with the same request replays the first answer (with
// Idempotent-Replayed: true, as Stripe does) and moves nothing again; the same key with other
// parameters is an idempotency_error. Card behaviour follows Stripe's test card numbers.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

interface Schema {
  type?: string
  properties?: Record<string, Schema>
  additionalProperties?: boolean | Schema
  required?: string[]
  items?: Schema
  anyOf?: Schema[]
  enum?: unknown[]
  maxLength?: number
  'x-tollgate-pruned'?: string
}

interface Operation {
  operationId: string
  parameters: { in: string; name: string; required?: boolean; schema: Schema }[]
  requestBody?: { content: { 'application/x-www-form-urlencoded': { schema: Schema } } }
}

export interface SubsetDocument {
  'x-source': Record<string, string>
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, { required: string[]; properties: Record<string, unknown> }> }
}

export const stripeSubset = JSON.parse(
  readFileSync(new URL('../fixtures/stripe-openapi-subset.json', import.meta.url), 'utf8'),
) as SubsetDocument

export interface RecordedRequest {
  method: string
  path: string
  operationId: string | null
  idempotencyKey: string | null
  form: Record<string, unknown>
  replayed: boolean
}

type Behaviour =
  | { kind: 'succeeds' }
  | { kind: 'declines'; code: string; declineCode?: string; message: string }
  | { kind: 'no_incremental' }

// Stripe's test card numbers (docs.stripe.com/testing) and what each does at confirmation.
const cardBehaviours: Record<string, Behaviour> = {
  '4242424242424242': { kind: 'succeeds' },
  '4000000000000002': {
    kind: 'declines',
    code: 'card_declined',
    declineCode: 'generic_decline',
    message: 'Your card was declined.',
  },
  '4000000000009995': {
    kind: 'declines',
    code: 'card_declined',
    declineCode: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
  '4000000000000127': {
    kind: 'declines',
    code: 'incorrect_cvc',
    message: "Your card's security code is incorrect.",
  },
  '4000000000000069': { kind: 'declines', code: 'expired_card', message: 'Your card has expired.' },
  '4000000000000119': {
    kind: 'declines',
    code: 'processing_error',
    message: 'An error occurred while processing your card. Try again in a little bit.',
  },
  // with a Radar rule blocking failed postal-code checks, as the seed's merchants would run
  '4000000000000036': {
    kind: 'declines',
    code: 'incorrect_zip',
    message: "Your card's zip code failed validation.",
  },
  // a Visa that does not offer incremental authorization
  '4000000000000077': { kind: 'no_incremental' },
}

interface PaymentMethodRecord {
  id: string
  behaviour: Behaviour
  customer: string | null
  object: Record<string, unknown>
}

interface IntentRecord {
  object: Record<string, unknown> & { id: string; amount: number; status: string }
  charge: (Record<string, unknown> & { id: string }) | null
  incremental: boolean
}

export interface StripeStandIn {
  /** host and port for the adapter's StripeConnection */
  host: string
  port: number
  requests: RecordedRequest[]
  /** requests that broke the published description; a test expects none */
  violations: string[]
  /** how many PaymentIntents and Refunds exist: money moved, counted once however often asked */
  counts(): { paymentIntents: number; refunds: number; paymentMethods: number; customers: number }
  /** the next matching request is carried out and recorded, but its answer never sent */
  hangNext(operationId: string): void
  /** the next matching request fails with Stripe's 500 api_error before anything is done */
  failNext(operationId: string): void
  /** a hold lapses, as Stripe cancels an uncaptured PaymentIntent after its window */
  expire(intentId: string): void
  intent(intentId: string): Record<string, unknown> | undefined
  close(): Promise<void>
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`
const now = () => Math.floor(Date.now() / 1000)

/** Stripe's form encoding (qs style): a[b][c]=v, a[0]=v, a[]=v. */
export function parseForm(text: string): Record<string, unknown> {
  const root: Record<string, unknown> = {}
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const keys = rawKey.replace(/\]$/, '').split(/\]?\[/)
    let node: Record<string, unknown> | unknown[] = root
    keys.forEach((key, index) => {
      const last = index === keys.length - 1
      const nextIsIndex = !last && /^\d*$/.test(keys[index + 1] ?? '')
      if (Array.isArray(node)) {
        const position = key === '' ? node.length : Number(key)
        if (last) node[position] = value
        else {
          node[position] ??= nextIsIndex ? [] : {}
          node = node[position] as Record<string, unknown> | unknown[]
        }
      } else if (last) node[key] = value
      else {
        node[key] ??= nextIsIndex ? [] : {}
        node = node[key] as Record<string, unknown> | unknown[]
      }
    })
  }
  return root
}

/** Checks a form value against a published schema; returns each problem as "param: why". */
export function checkValue(schema: Schema, value: unknown, param: string): string[] {
  if (schema['x-tollgate-pruned']) return []
  if (schema.anyOf) {
    const branches = schema.anyOf.map((branch) => checkValue(branch, value, param))
    return branches.some((problems) => problems.length === 0)
      ? []
      : (branches[0] ?? [`${param}: fits no form`])
  }
  if (schema.enum && !schema.enum.includes(value))
    return [`${param}: must be one of ${schema.enum.join(', ')}`]
  switch (schema.type) {
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return [`${param}: must be an object`]
      const record = value as Record<string, unknown>
      const problems: string[] = []
      for (const required of schema.required ?? [])
        if (!(required in record)) problems.push(`${param}[${required}]: is required`)
      for (const [key, inner] of Object.entries(record)) {
        const property = schema.properties?.[key]
        if (property) problems.push(...checkValue(property, inner, `${param}[${key}]`))
        else if (typeof schema.additionalProperties === 'object')
          problems.push(...checkValue(schema.additionalProperties, inner, `${param}[${key}]`))
        else if (schema.additionalProperties === false || (schema.properties && !schema.additionalProperties))
          problems.push(`${param}[${key}]: is not a documented parameter`)
      }
      return problems
    }
    case 'array':
      if (!Array.isArray(value)) return [`${param}: must be an array`]
      return value.flatMap((item, index) =>
        schema.items ? checkValue(schema.items, item, `${param}[${index}]`) : [],
      )
    case 'integer':
      return typeof value === 'string' && /^-?\d+$/.test(value) ? [] : [`${param}: must be an integer`]
    case 'number':
      return typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? [] : [`${param}: must be a number`]
    case 'boolean':
      return value === 'true' || value === 'false' ? [] : [`${param}: must be true or false`]
    case 'string':
      if (typeof value !== 'string') return [`${param}: must be a string`]
      return schema.maxLength !== undefined && value.length > schema.maxLength
        ? [`${param}: is too long`]
        : []
    default:
      return []
  }
}

function matchOperation(
  method: string,
  path: string,
): { operation: Operation; params: Record<string, string> } | null {
  // a literal path (/v1/payment_intents/search) before a template that would also match it
  const templates = Object.entries(stripeSubset.paths).sort(
    ([a], [b]) => Number(a.includes('{')) - Number(b.includes('{')),
  )
  for (const [template, methods] of templates) {
    const operation = methods[method.toLowerCase()]
    if (!operation) continue
    const names: string[] = []
    const pattern = new RegExp(
      `^${template.replace(/\{([^}]+)\}/g, (_, name: string) => {
        names.push(name)
        return '([^/]+)'
      })}$`,
    )
    const match = pattern.exec(path)
    if (match)
      return {
        operation,
        params: Object.fromEntries(
          names.map((name, index) => [name, decodeURIComponent(match[index + 1] ?? '')]),
        ),
      }
  }
  return null
}

class StripeAnswer {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

const stripeError = (
  status: number,
  error: {
    type: string
    message: string
    code?: string
    decline_code?: string
    param?: string
    payment_intent?: unknown
  },
) => new StripeAnswer(status, { error })

export async function startStripeStandIn(): Promise<StripeStandIn> {
  const requests: RecordedRequest[] = []
  const violations: string[] = []
  const replies = new Map<string, { fingerprint: string; answer: StripeAnswer }>()
  const paymentMethods = new Map<string, PaymentMethodRecord>()
  const customers = new Map<string, Record<string, unknown>>()
  const intents = new Map<string, IntentRecord>()
  const refunds = new Map<string, Record<string, unknown>>()
  const hang = new Set<string>()
  const fail = new Set<string>()

  // Stripe's ready-made test PaymentMethods
  paymentMethods.set('pm_card_visa', {
    id: 'pm_card_visa',
    behaviour: { kind: 'succeeds' },
    customer: null,
    object: paymentMethodObject('pm_card_visa', '4242', 'visa', 12, 2034, null, null),
  })

  function paymentMethodObject(
    pmId: string,
    last4: string,
    brand: string,
    expMonth: number,
    expYear: number,
    name: string | null,
    address: Record<string, unknown> | null,
  ): Record<string, unknown> {
    return {
      id: pmId,
      object: 'payment_method',
      type: 'card',
      created: now(),
      livemode: false,
      customer: null,
      metadata: {},
      billing_details: {
        address: {
          city: null,
          country: null,
          line1: null,
          line2: null,
          postal_code: null,
          state: null,
          ...address,
        },
        email: null,
        name,
        phone: null,
      },
      card: {
        brand,
        last4,
        exp_month: expMonth,
        exp_year: expYear,
        funding: 'credit',
        country: 'US',
        fingerprint: randomBytes(8).toString('hex'),
      },
    }
  }

  function chargeObject(
    intent: IntentRecord['object'],
    incremental: boolean,
  ): Record<string, unknown> & { id: string } {
    return {
      id: id('ch'),
      object: 'charge',
      amount: intent.amount,
      amount_captured: 0,
      amount_refunded: 0,
      captured: false,
      refunded: false,
      currency: intent.currency,
      payment_intent: intent.id,
      status: 'succeeded',
      paid: true,
      created: now(),
      livemode: false,
      payment_method_details: {
        type: 'card',
        card: {
          capture_before: now() + 7 * 24 * 3600,
          incremental_authorization: { status: incremental ? 'available' : 'unavailable' },
        },
      },
    }
  }

  /** The intent as Stripe shows it; latest_charge expanded only when asked. */
  function show(record: IntentRecord, expand: unknown): Record<string, unknown> {
    const expanded = Array.isArray(expand) && expand.includes('latest_charge')
    return {
      ...record.object,
      latest_charge: record.charge ? (expanded ? record.charge : record.charge.id) : null,
    }
  }

  function unexpectedState(record: IntentRecord, action: string) {
    return stripeError(400, {
      type: 'invalid_request_error',
      code: 'payment_intent_unexpected_state',
      message: `This PaymentIntent could not be ${action} because it has a status of ${record.object.status}.`,
      payment_intent: show(record, []),
    })
  }

  const handlers: Record<
    string,
    (form: Record<string, unknown>, params: Record<string, string>) => StripeAnswer
  > = {
    PostPaymentMethods(form) {
      const card = form.card as { number: string; exp_month: string; exp_year: string; cvc?: string }
      if (form.type !== 'card' || !card?.number)
        return stripeError(400, { type: 'invalid_request_error', message: 'Only cards here', param: 'type' })
      const behaviour = cardBehaviours[card.number] ?? { kind: 'succeeds' as const }
      const pmId = id('pm')
      const billing = form.billing_details as { name?: string; address?: Record<string, unknown> } | undefined
      const object = paymentMethodObject(
        pmId,
        card.number.slice(-4),
        card.number.startsWith('4') ? 'visa' : card.number.startsWith('5') ? 'mastercard' : 'unknown',
        Number(card.exp_month),
        Number(card.exp_year),
        billing?.name ?? null,
        billing?.address ?? null,
      )
      paymentMethods.set(pmId, { id: pmId, behaviour, customer: null, object })
      return new StripeAnswer(200, object)
    },

    PostCustomers(form) {
      const customerId = id('cus')
      if (typeof form.payment_method === 'string') {
        const method = paymentMethods.get(form.payment_method)
        if (!method)
          return stripeError(400, {
            type: 'invalid_request_error',
            code: 'resource_missing',
            message: `No such PaymentMethod: '${form.payment_method}'`,
            param: 'payment_method',
          })
        method.customer = customerId
        method.object.customer = customerId
      }
      const customer = {
        id: customerId,
        object: 'customer',
        created: now(),
        livemode: false,
        description: form.description ?? null,
        email: null,
        metadata: {},
      }
      customers.set(customerId, customer)
      return new StripeAnswer(200, customer)
    },

    PostPaymentIntents(form) {
      const method =
        typeof form.payment_method === 'string' ? paymentMethods.get(form.payment_method) : undefined
      if (!method)
        return stripeError(400, {
          type: 'invalid_request_error',
          code: 'resource_missing',
          message: `No such PaymentMethod: '${String(form.payment_method)}'`,
          param: 'payment_method',
        })
      if (form.customer !== undefined && method.customer !== form.customer)
        return stripeError(400, {
          type: 'invalid_request_error',
          message: 'The provided PaymentMethod does not belong to the Customer.',
          param: 'payment_method',
        })
      if (form.customer === undefined && method.customer !== null)
        return stripeError(400, {
          type: 'invalid_request_error',
          message: 'The provided PaymentMethod belongs to a Customer; pass it too.',
          param: 'customer',
        })
      const options = form.payment_method_options as
        | { card?: { request_incremental_authorization?: string } }
        | undefined
      const incremental =
        options?.card?.request_incremental_authorization === 'if_available' &&
        method.behaviour.kind !== 'no_incremental'
      const captureMethod = (form.capture_method as string | undefined) ?? 'automatic'
      const amount = Number(form.amount)
      const object: IntentRecord['object'] = {
        id: id('pi'),
        object: 'payment_intent',
        amount,
        amount_capturable: 0,
        amount_received: 0,
        capture_method: captureMethod,
        confirmation_method: 'automatic',
        created: now(),
        currency: String(form.currency),
        customer: (form.customer as string | undefined) ?? null,
        description: (form.description as string | undefined) ?? null,
        livemode: false,
        metadata: (form.metadata as Record<string, string> | undefined) ?? {},
        payment_method: method.id,
        payment_method_types: ['card'],
        status: 'requires_confirmation',
        canceled_at: null,
        cancellation_reason: null,
        last_payment_error: null,
        client_secret: null,
      }
      const record: IntentRecord = { object, charge: null, incremental }
      intents.set(object.id, record)
      if (form.confirm !== 'true') return new StripeAnswer(200, show(record, []))
      if (method.behaviour.kind === 'declines') {
        const { code, declineCode, message } = method.behaviour
        object.status = 'requires_payment_method'
        object.last_payment_error = { type: 'card_error', code, decline_code: declineCode, message }
        return stripeError(402, {
          type: 'card_error',
          code,
          ...(declineCode ? { decline_code: declineCode } : {}),
          message,
          payment_intent: show(record, []),
        })
      }
      record.charge = chargeObject(object, incremental)
      if (captureMethod === 'manual') {
        object.status = 'requires_capture'
        object.amount_capturable = amount
      } else {
        object.status = 'succeeded'
        object.amount_received = amount
        Object.assign(record.charge, { captured: true, amount_captured: amount })
      }
      return new StripeAnswer(200, show(record, []))
    },

    GetPaymentIntentsIntent(form, params) {
      const record = intents.get(params.intent ?? '')
      if (!record)
        return stripeError(404, {
          type: 'invalid_request_error',
          code: 'resource_missing',
          message: `No such payment_intent: '${params.intent}'`,
          param: 'intent',
        })
      return new StripeAnswer(200, show(record, form.expand))
    },

    // Stripe's search language, as far as the adapter uses it: metadata['key']:'value'
    GetPaymentIntentsSearch(form) {
      const match = /^metadata\['([^']+)'\]:'((?:[^'\\]|\\.)*)'$/.exec(String(form.query))
      if (!match)
        return stripeError(400, {
          type: 'invalid_request_error',
          message: 'The stand-in only searches by metadata',
          param: 'query',
        })
      const [, field = '', raw = ''] = match
      const value = raw.replace(/\\(.)/g, '$1')
      const data = [...intents.values()]
        .filter((record) => (record.object.metadata as Record<string, string>)[field] === value)
        .map((record) => show(record, []))
      return new StripeAnswer(200, {
        object: 'search_result',
        data: data.slice(0, Number(form.limit ?? 10)),
        has_more: data.length > Number(form.limit ?? 10),
        next_page: null,
        url: '/v1/payment_intents/search',
      })
    },

    PostPaymentIntentsIntentCapture(form, params) {
      const record = intents.get(params.intent ?? '')
      if (!record)
        return stripeError(404, {
          type: 'invalid_request_error',
          code: 'resource_missing',
          message: 'No such payment_intent',
        })
      if (record.object.status !== 'requires_capture') return unexpectedState(record, 'captured')
      const capturable = Number(record.object.amount_capturable)
      const amount = form.amount_to_capture === undefined ? capturable : Number(form.amount_to_capture)
      if (amount > capturable)
        return stripeError(400, {
          type: 'invalid_request_error',
          code: 'amount_too_large',
          message: `The amount to capture (${amount}) is greater than the amount capturable (${capturable}).`,
          param: 'amount_to_capture',
        })
      Object.assign(record.object, { status: 'succeeded', amount_received: amount, amount_capturable: 0 })
      if (record.charge) Object.assign(record.charge, { captured: true, amount_captured: amount })
      return new StripeAnswer(200, show(record, form.expand))
    },

    PostPaymentIntentsIntentCancel(form, params) {
      const record = intents.get(params.intent ?? '')
      if (!record)
        return stripeError(404, {
          type: 'invalid_request_error',
          code: 'resource_missing',
          message: 'No such payment_intent',
        })
      if (record.object.status === 'succeeded' || record.object.status === 'canceled')
        return unexpectedState(record, 'canceled')
      Object.assign(record.object, {
        status: 'canceled',
        amount_capturable: 0,
        canceled_at: now(),
        cancellation_reason: (form.cancellation_reason as string | undefined) ?? null,
      })
      return new StripeAnswer(200, show(record, form.expand))
    },

    PostPaymentIntentsIntentIncrementAuthorization(form, params) {
      const record = intents.get(params.intent ?? '')
      if (!record)
        return stripeError(404, {
          type: 'invalid_request_error',
          code: 'resource_missing',
          message: 'No such payment_intent',
        })
      if (record.object.status !== 'requires_capture') return unexpectedState(record, 'incremented')
      if (!record.incremental)
        return stripeError(400, {
          type: 'invalid_request_error',
          code: 'incremental_authorization_not_available',
          message: 'Incremental authorization is not available for this PaymentIntent.',
        })
      const amount = Number(form.amount)
      if (amount <= record.object.amount)
        return stripeError(400, {
          type: 'invalid_request_error',
          message: 'The amount must be greater than the currently authorized amount.',
          param: 'amount',
        })
      Object.assign(record.object, { amount, amount_capturable: amount })
      if (record.charge) record.charge.amount = amount
      return new StripeAnswer(200, show(record, form.expand))
    },

    PostRefunds(form) {
      const record = intents.get(String(form.payment_intent))
      if (!record)
        return stripeError(400, {
          type: 'invalid_request_error',
          code: 'resource_missing',
          message: `No such payment_intent: '${String(form.payment_intent)}'`,
          param: 'payment_intent',
        })
      if (record.object.status !== 'succeeded' || !record.charge)
        return stripeError(400, {
          type: 'invalid_request_error',
          code: 'charge_not_refundable',
          message: 'This PaymentIntent has no captured charge to refund.',
          param: 'payment_intent',
        })
      const refundable = Number(record.charge.amount_captured) - Number(record.charge.amount_refunded)
      const amount = form.amount === undefined ? refundable : Number(form.amount)
      if (amount > refundable)
        return stripeError(400, {
          type: 'invalid_request_error',
          code: 'amount_too_large',
          message: `Refund amount (${amount}) is greater than the unrefunded amount (${refundable}).`,
          param: 'amount',
        })
      const refunded = Number(record.charge.amount_refunded) + amount
      Object.assign(record.charge, {
        amount_refunded: refunded,
        refunded: refunded === record.charge.amount_captured,
      })
      const refund = {
        id: id('re'),
        object: 'refund',
        amount,
        charge: record.charge.id,
        created: now(),
        currency: record.object.currency,
        payment_intent: record.object.id,
        status: 'succeeded',
        metadata: {},
        reason: null,
      }
      refunds.set(refund.id, refund)
      return new StripeAnswer(200, refund)
    },
  }

  function handle(
    req: IncomingMessage,
    rawBody: string,
  ): { answer: StripeAnswer; replayed: boolean; operationId: string | null; form: Record<string, unknown> } {
    const url = new URL(req.url ?? '/', 'http://stand-in')
    const method = req.method ?? 'GET'
    const form = parseForm(method === 'GET' ? url.search.slice(1) : rawBody)
    const refuse = (answer: StripeAnswer, operationId: string | null = null) => ({
      answer,
      replayed: false,
      operationId,
      form,
    })
    const matched = matchOperation(method, url.pathname)
    if (!matched) {
      violations.push(`${method} ${url.pathname}: no such operation in the published description`)
      return refuse(
        stripeError(404, {
          type: 'invalid_request_error',
          message: `Unrecognized request URL (${method}: ${url.pathname}).`,
        }),
      )
    }
    const { operation, params } = matched
    const auth = req.headers.authorization ?? ''
    if (!/^Bearer (sk|rk)_(test|live)_\w+$/.test(auth)) {
      violations.push(`${operation.operationId}: no secret key sent`)
      return refuse(
        stripeError(401, { type: 'invalid_request_error', message: 'Invalid API Key provided.' }),
        operation.operationId,
      )
    }
    const idempotencyKey = req.headers['idempotency-key']
    const problems: string[] = []
    if (method === 'POST') {
      if (typeof idempotencyKey !== 'string' || idempotencyKey.length === 0 || idempotencyKey.length > 255)
        problems.push('Idempotency-Key: Tollgate sends one with every POST')
      if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
        problems.push('Content-Type: must be application/x-www-form-urlencoded')
      const schema = operation.requestBody?.content['application/x-www-form-urlencoded'].schema
      if (schema)
        problems.push(...checkValue(schema, form, 'body').map((p) => p.replace(/^body\[([^\]]+)\]/, '$1')))
    } else {
      const query = Object.fromEntries(
        operation.parameters.filter((p) => p.in === 'query').map((p) => [p.name, p.schema]),
      )
      for (const [name, value] of Object.entries(form)) {
        const schema = query[name]
        if (!schema) problems.push(`${name}: is not a documented query parameter`)
        else problems.push(...checkValue(schema, value, name))
      }
    }
    for (const parameter of operation.parameters.filter((p) => p.in === 'path'))
      problems.push(...checkValue(parameter.schema, params[parameter.name], parameter.name))
    if (problems.length > 0) {
      violations.push(...problems.map((problem) => `${operation.operationId} ${problem}`))
      return refuse(
        stripeError(400, {
          type: 'invalid_request_error',
          message: `Invalid request: ${problems.join('; ')}`,
          param: problems[0]?.split(':')[0],
        }),
        operation.operationId,
      )
    }
    const fingerprint = `${method} ${url.pathname} ${rawBody}`
    if (typeof idempotencyKey === 'string') {
      const earlier = replies.get(idempotencyKey)
      if (earlier) {
        if (earlier.fingerprint !== fingerprint)
          return refuse(
            stripeError(400, {
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
            }),
            operation.operationId,
          )
        return { answer: earlier.answer, replayed: true, operationId: operation.operationId, form }
      }
    }
    if (fail.delete(operation.operationId))
      return refuse(
        stripeError(500, { type: 'api_error', message: 'An unknown error occurred' }),
        operation.operationId,
      )
    const handler = handlers[operation.operationId]
    if (!handler) throw new Error(`no handler for ${operation.operationId}`)
    const answer = handler(form, params)
    // Stripe keeps the answer to a keyed request, errors included, except 500s it never finished
    if (typeof idempotencyKey === 'string' && answer.status < 500)
      replies.set(idempotencyKey, {
        fingerprint,
        answer: new StripeAnswer(answer.status, structuredClone(answer.body)),
      })
    return { answer, replayed: false, operationId: operation.operationId, form }
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8')
      let result: ReturnType<typeof handle>
      try {
        result = handle(req, rawBody)
      } catch (error) {
        violations.push(`stand-in failed: ${error instanceof Error ? error.message : String(error)}`)
        res
          .writeHead(500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { type: 'api_error', message: 'stand-in failed' } }))
        return
      }
      const url = new URL(req.url ?? '/', 'http://stand-in')
      requests.push({
        method: req.method ?? 'GET',
        path: url.pathname,
        operationId: result.operationId,
        idempotencyKey: (req.headers['idempotency-key'] as string | undefined) ?? null,
        form: result.form,
        replayed: result.replayed,
      })
      // the work is done and remembered; only the answer is lost, as when a connection drops
      if (result.operationId && hang.delete(result.operationId)) return
      res.writeHead(result.answer.status, {
        'content-type': 'application/json',
        'request-id': id('req'),
        ...(result.replayed ? { 'idempotent-replayed': 'true' } : {}),
        // Stripe tells its clients whether a retry may help
        'stripe-should-retry': result.answer.status >= 500 ? 'true' : 'false',
      })
      res.end(JSON.stringify(result.answer.body))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    host: '127.0.0.1',
    port,
    requests,
    violations,
    counts: () => ({
      paymentIntents: intents.size,
      refunds: refunds.size,
      paymentMethods: paymentMethods.size - 1,
      customers: customers.size,
    }),
    hangNext: (operationId) => void hang.add(operationId),
    failNext: (operationId) => void fail.add(operationId),
    expire(intentId) {
      const record = intents.get(intentId)
      if (!record) throw new Error(`no intent ${intentId}`)
      Object.assign(record.object, {
        status: 'canceled',
        amount_capturable: 0,
        canceled_at: now(),
        cancellation_reason: 'automatic',
      })
    },
    intent: (intentId) => {
      const record = intents.get(intentId)
      return record ? show(record, ['latest_charge']) : undefined
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

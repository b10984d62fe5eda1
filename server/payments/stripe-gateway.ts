// The Stripe adapter: the MoneyGateway port through the official `stripe` package. A hold is a
// PaymentIntent with capture_method=manual, confirmed at once; capture takes amount_to_capture (Stripe
// releases the rest), void cancels it, a refund is a Refund on it, and an open hold is raised with
// increment_authorization. Every POST carries Tollgate's idempotency key, so the reconciler's retry
// of a call whose answer never came gets Stripe's first answer and moves no money twice.
//
// A card given now is sent once to create a PaymentMethod, which is attached to a new Stripe Customer
// so it can be charged again: the token Tollgate keeps is "cus_…/pm_…" (a bare "pm_…", such as
// Stripe's test methods, is used as it is). Sending card numbers to Stripe's API needs raw card data
// access on the Stripe account (README, "Switching Stripe on"). Bank accounts (checking / EFT) are not
// offered through this adapter: Stripe's ACH needs a mandate flow Tollgate does not run yet, so such a
// charge is declined as not_supported and the tenant keeps the sandbox for them.
import Stripe from 'stripe'
import {
  type DeclineCode,
  type GatewayAnswer,
  GatewayUnavailable,
  type MoneyGateway,
  type PaymentSource,
} from './port.ts'

export interface StripeConnection {
  /** api.stripe.com unless given: tests point the client at the local stand-in */
  host?: string | undefined
  port?: number | undefined
  protocol?: 'http' | 'https' | undefined
  /** how long one request may take before it counts as unanswered */
  timeoutMs?: number | undefined
  /** the client's own retries of a failed connection, with the same idempotency key */
  maxNetworkRetries?: number | undefined
}

/** Stripe keeps an uncaptured online card payment for 7 days, unless the charge says otherwise. */
const HOLD_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000

// Stripe's error codes and issuer decline codes, in the seed's figure 9 words.
const declineCodes: Record<string, DeclineCode> = {
  insufficient_funds: 'insufficient_funds',
  incorrect_cvc: 'incorrect_cvc',
  invalid_cvc: 'incorrect_cvc',
  incorrect_zip: 'incorrect_zip',
  expired_card: 'expired_card',
  processing_error: 'processing_error',
  generic_decline: 'generic_decline',
  card_declined: 'generic_decline',
  amount_too_large: 'amount_too_large',
  capture_charge_authorization_expired: 'authorization_expired',
  charge_expired_for_capture: 'authorization_expired',
}

export class StripeGateway implements MoneyGateway {
  readonly name = 'stripe'
  readonly incrementalAuthorization = true
  private readonly stripe: Stripe

  constructor(secretKey: string, connection: StripeConnection = {}) {
    this.stripe = new Stripe(secretKey, {
      ...(connection.host ? { host: connection.host } : {}),
      ...(connection.port ? { port: connection.port } : {}),
      ...(connection.protocol ? { protocol: connection.protocol } : {}),
      timeout: connection.timeoutMs ?? 20_000,
      maxNetworkRetries: connection.maxNetworkRetries ?? 1,
      appInfo: { name: 'Tollgate' },
    })
  }

  authorize(call: Parameters<MoneyGateway['authorize']>[0]): Promise<GatewayAnswer> {
    return this.createIntent(call, 'manual')
  }

  charge(call: Parameters<MoneyGateway['charge']>[0]): Promise<GatewayAnswer> {
    return this.createIntent(call, 'automatic')
  }

  capture(call: { idempotencyKey: string; reference: string; amount: number }): Promise<GatewayAnswer> {
    return this.answer(async () => {
      const intent = await this.stripe.paymentIntents.capture(
        call.reference,
        { amount_to_capture: call.amount },
        { idempotencyKey: call.idempotencyKey },
      )
      return intentAnswer(intent)
    })
  }

  void(call: { idempotencyKey: string; reference: string }): Promise<GatewayAnswer> {
    return this.answer(async () => {
      const intent = await this.stripe.paymentIntents.cancel(
        call.reference,
        { cancellation_reason: 'abandoned' },
        { idempotencyKey: call.idempotencyKey },
      )
      return intentAnswer(intent)
    })
  }

  refund(call: { idempotencyKey: string; reference: string; amount: number }): Promise<GatewayAnswer> {
    return this.answer(async () => {
      await this.stripe.refunds.create(
        { payment_intent: call.reference, amount: call.amount },
        { idempotencyKey: call.idempotencyKey },
      )
      // the Refund names only its own amount: the intent's charge says what has been refunded in all
      const intent = await this.stripe.paymentIntents.retrieve(call.reference, { expand: ['latest_charge'] })
      return intentAnswer(intent)
    })
  }

  increment(call: { idempotencyKey: string; reference: string; amount: number }): Promise<GatewayAnswer> {
    return this.answer(async () => {
      const intent = await this.stripe.paymentIntents.incrementAuthorization(
        call.reference,
        { amount: call.amount },
        { idempotencyKey: call.idempotencyKey },
      )
      return intentAnswer(intent)
    })
  }

  /**
   * What became of a hold or charge whose answer never came, found by the key it carried in its
   * metadata. Stripe's search can lag a new PaymentIntent by up to a minute, so "not found" is not
   * taken as "never received": it stays unknown (GatewayUnavailable) and the reconciler asks again
   * with its backoff until it gives up.
   */
  async find(call: { idempotencyKey: string }): Promise<GatewayAnswer | null> {
    const quoted = call.idempotencyKey.replaceAll("'", "\\'")
    let found: Stripe.PaymentIntent | undefined
    try {
      const result = await this.stripe.paymentIntents.search({
        query: `metadata['tollgate_key']:'${quoted}'`,
        limit: 1,
      })
      found = result.data[0]
    } catch (error) {
      return declineOrThrow(error)
    }
    if (!found)
      throw new GatewayUnavailable(`Stripe's search has no PaymentIntent for ${call.idempotencyKey} yet`)
    const answer = intentAnswer(found)
    const method = typeof found.payment_method === 'string' ? found.payment_method : found.payment_method?.id
    const customer = typeof found.customer === 'string' ? found.customer : found.customer?.id
    return answer.status === 'succeeded' && method
      ? { ...answer, token: customer ? `${customer}/${method}` : method }
      : answer
  }

  private createIntent(
    call: {
      idempotencyKey: string
      amount: number
      currency: string
      source: PaymentSource
      description: string
    },
    captureMethod: 'manual' | 'automatic',
  ): Promise<GatewayAnswer> {
    const { source } = call
    if (source.type === 'bank_account')
      return Promise.resolve({
        status: 'declined',
        code: 'not_supported',
        message: 'Checking / EFT payments are not offered through Stripe in Tollgate yet; use the sandbox.',
      })
    return this.answer(async () => {
      // each step has its own key derived from the operation's, so a retry repeats none of them
      const { customer, paymentMethod } =
        source.type === 'card' ? await this.storeCard(call.idempotencyKey, source) : parseToken(source.token)
      const intent = await this.stripe.paymentIntents.create(
        {
          amount: call.amount,
          currency: call.currency.toLowerCase(),
          capture_method: captureMethod,
          confirm: true,
          payment_method: paymentMethod,
          ...(customer ? { customer } : {}),
          ...(source.type === 'token' ? { off_session: true } : {}),
          error_on_requires_action: true,
          description: call.description,
          // how find() recognises the intent if this call's answer never arrives
          metadata: { tollgate_key: call.idempotencyKey },
          ...(captureMethod === 'manual'
            ? { payment_method_options: { card: { request_incremental_authorization: 'if_available' } } }
            : {}),
        },
        { idempotencyKey: call.idempotencyKey },
      )
      const answer = intentAnswer(intent)
      return answer.status === 'succeeded'
        ? { ...answer, token: customer ? `${customer}/${paymentMethod}` : paymentMethod }
        : answer
    })
  }

  private async storeCard(
    idempotencyKey: string,
    source: Extract<PaymentSource, { type: 'card' }>,
  ): Promise<{ customer: string; paymentMethod: string }> {
    const { card, billing_address: address } = source
    const method = await this.stripe.paymentMethods.create(
      {
        type: 'card',
        card: {
          number: card.number,
          exp_month: card.exp_month,
          exp_year: card.exp_year,
          ...(card.cvc ? { cvc: card.cvc } : {}),
        },
        billing_details: {
          ...(card.holder_name ? { name: card.holder_name } : {}),
          ...(address
            ? {
                address: {
                  ...(address.line1 ? { line1: address.line1 } : {}),
                  ...(address.postal_code ? { postal_code: address.postal_code } : {}),
                  ...(address.country ? { country: address.country } : {}),
                },
              }
            : {}),
        },
      },
      { idempotencyKey: `${idempotencyKey}:payment_method` },
    )
    const customer = await this.stripe.customers.create(
      { payment_method: method.id, description: 'Tollgate stored form of payment' },
      { idempotencyKey: `${idempotencyKey}:customer` },
    )
    return { customer: customer.id, paymentMethod: method.id }
  }

  /** Runs a Stripe call and turns what it throws into a decline or GatewayUnavailable. */
  private async answer(run: () => Promise<GatewayAnswer>): Promise<GatewayAnswer> {
    try {
      return await run()
    } catch (error) {
      return declineOrThrow(error)
    }
  }
}

function parseToken(token: string): { customer: string | null; paymentMethod: string } {
  const [first, second] = token.split('/')
  if (second && first) return { customer: first, paymentMethod: second }
  return { customer: null, paymentMethod: token }
}

function chargeOf(intent: Stripe.PaymentIntent): Stripe.Charge | null {
  return typeof intent.latest_charge === 'object' ? intent.latest_charge : null
}

/** What a PaymentIntent says the payment now stands at. */
export function intentAnswer(intent: Stripe.PaymentIntent): GatewayAnswer {
  switch (intent.status) {
    case 'requires_capture': {
      const captureBefore = chargeOf(intent)?.payment_method_details?.card?.capture_before
      return {
        status: 'succeeded',
        reference: intent.id,
        amount_authorized: intent.amount_capturable,
        amount_captured: 0,
        amount_refunded: 0,
        expires_at: captureBefore
          ? new Date(captureBefore * 1000)
          : new Date(intent.created * 1000 + HOLD_LIFETIME_MS),
      }
    }
    case 'succeeded':
      return {
        status: 'succeeded',
        reference: intent.id,
        amount_authorized: intent.amount,
        amount_captured: intent.amount_received,
        amount_refunded: chargeOf(intent)?.amount_refunded ?? 0,
        expires_at: null,
      }
    case 'canceled':
      return {
        status: 'succeeded',
        reference: intent.id,
        amount_authorized: intent.amount,
        amount_captured: intent.amount_received,
        amount_refunded: 0,
        expires_at: null,
      }
    case 'processing':
      // a card payment is not left processing; if one is, its outcome is unknown until asked again
      throw new GatewayUnavailable(`Stripe left ${intent.id} processing`)
    default: {
      const error = intent.last_payment_error
      return {
        status: 'declined',
        code:
          (error?.decline_code ? declineCodes[error.decline_code] : undefined) ??
          (error?.code ? declineCodes[error.code] : undefined) ??
          'generic_decline',
        message: error?.message ?? `The payment needs ${intent.status.replaceAll('_', ' ')}`,
        reference: intent.id,
      }
    }
  }
}

function declineOrThrow(error: unknown): GatewayAnswer {
  if (error instanceof GatewayUnavailable) throw error
  if (!(error instanceof Stripe.errors.StripeError)) throw error
  switch (error.type) {
    case 'StripeCardError':
    case 'StripeInvalidRequestError': {
      const expired =
        error.payment_intent?.status === 'canceled' &&
        error.payment_intent.cancellation_reason === 'automatic'
      const code: DeclineCode | undefined = expired
        ? 'authorization_expired'
        : ((error.decline_code ? declineCodes[error.decline_code] : undefined) ??
          (error.code ? declineCodes[error.code] : undefined))
      if (code || error.type === 'StripeCardError')
        return {
          status: 'declined',
          code: code ?? 'generic_decline',
          message: error.message,
          reference: error.payment_intent?.id,
        }
      // a request Stripe will never accept (a state it cannot move from, a parameter it refuses):
      // retrying cannot help, so it is an answer, not an outage
      return {
        status: 'declined',
        code: 'not_supported',
        message: error.message,
        reference: error.payment_intent?.id,
      }
    }
    case 'StripeConnectionError':
    case 'StripeAPIError':
    case 'StripeRateLimitError':
      throw new GatewayUnavailable(`Stripe did not answer: ${error.message}`)
    case 'StripeAuthenticationError':
    case 'StripePermissionError':
      // nothing moved; once staff fix the key the reconciler's retry goes through
      throw new GatewayUnavailable(`Stripe refused the tenant's secret key: ${error.message}`)
    default:
      // StripeIdempotencyError: the same key with different parameters is a bug on our side
      throw error
  }
}

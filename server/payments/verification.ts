// The live side of the gateway facts: a fact source that asks the gateway — once, and only when a
// rule reads avs_result, cvc_result, name_match or avs_code — with the full card number held in a
// closure for the request's lifetime, and the answer kept to be recorded with the decision.
//
// Replays (backtests, shadow runs) never call the gateway: checkFactSources reads the answer
// recorded here by decision time and card fingerprint. A decision whose rules never asked has no
// recorded answer, and a replay of it sees "unavailable" (the facts then read as the gateway being
// down would), which a backtest of a new AVS rule must keep in mind.
import type { CheckSources } from '../../rules/facts/check-sources.ts'
import { type PaymentVerification, unverified, withOmissions } from '../../rules/payment-checks.ts'
import { type CapturedRequest, givenForChecks, typedCard } from '../../rules/request.ts'
import type { AuthorizationRequest } from '../authorizations/schema.ts'
import type { RecordRow } from '../decision-store/store.ts'
import type { PaymentGateway, TransientCard } from './gateway.ts'

export interface LiveVerification {
  sources: Pick<CheckSources, 'paymentVerification'>
  /** the answer, once a rule has asked for it */
  answer(): PaymentVerification | null
}

function transientCard(body: AuthorizationRequest): TransientCard | null {
  const card = body.payment_method?.card
  if (!card) return null
  return {
    number: card.number.replace(/[ -]/g, ''),
    exp_month: card.exp_month,
    exp_year: card.exp_year,
    cvc: card.cvc ?? null,
    holder_name: card.holder_name?.trim() || null,
  }
}

export function liveVerification(
  gateway: PaymentGateway,
  body: AuthorizationRequest,
  request: CapturedRequest,
): LiveVerification {
  let answer: PaymentVerification | null = null
  let asked: Promise<PaymentVerification | null> | undefined
  return {
    answer: () => answer,
    sources: {
      paymentVerification() {
        asked ??= (async () => {
          const card = transientCard(body)
          const captured = typedCard(request)
          if (!card || !captured) return null
          let answered: PaymentVerification
          try {
            answered = await gateway.verify({
              card,
              brand: captured.brand,
              billing_address: request.payment_method?.billing_address ?? null,
              name: request.customer.name,
            })
          } catch {
            // a gateway that cannot answer is "unavailable"; the rule set decides what that means
            answered = unverified
          }
          // recorded as the rules read it, so a replay and staff see the omission, not the issuer's "unavailable"
          answer = withOmissions(answered, givenForChecks(request, captured))
          return answer
        })()
        return asked
      },
    },
  }
}

/** The gateway's verification of the card, kept with the decision for replays; null when nothing was asked. */
export function verificationOf(
  tenantId: string,
  decisionId: string,
  decidedAt: Date,
  gateway: string,
  request: CapturedRequest,
  verification: PaymentVerification | null,
): RecordRow<'verification'> | null {
  const fingerprint = request.payment_method?.card?.fingerprint
  if (!verification || !fingerprint) return null
  return {
    tenant_id: tenantId,
    decision_id: decisionId,
    decided_at: decidedAt,
    fingerprint,
    gateway,
    avs_code: verification.avs_code,
    avs_result: verification.avs_result,
    cvc_result: verification.cvc_result,
    name_match: verification.name_match,
  }
}

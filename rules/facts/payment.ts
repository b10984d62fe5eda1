// Payment checks beyond Luhn and expiry (figures 4, 8, 9, block 404): what the reference data knows
// of the card's BIN (issuing country, prepaid / debit / credit), and what the payment gateway says —
// address verification normalized across networks with the raw code kept, the CVC check and the
// cardholder-name match. The gateway is asked once per decision and only when a rule reads one of
// its facts; replays read the answer recorded with the decision (see server/payments/verification.ts).

import {
  avsResults,
  cardFundings,
  cvcResults,
  type PaymentVerification,
  unverified,
  withOmissions,
} from '../payment-checks.ts'
import { givenForChecks, typedCard } from '../request.ts'
import type { FactRun, FactSpec } from '../types.ts'
import type { BinInfo } from './check-sources.ts'
import { once } from './memo.ts'
import { DATA_FACT_PRIORITY } from './priority.ts'

function fact(spec: FactSpec): FactSpec {
  return spec
}

function binInfo(run: FactRun): Promise<BinInfo | null> {
  const bin = run.ctx.request.payment_method?.card?.bin
  const lookup = run.ctx.sources.binInfo?.bind(run.ctx.sources)
  if (!bin || !lookup) return Promise.resolve(null)
  return once(run, 'bin', () => lookup(bin))
}

/**
 * null when no card was typed (none, or a stored method: charged through its gateway token, not
 * verified again); "unavailable" answers when no gateway answer can be had; "not_provided" for a
 * check whose input the buyer left out, whatever the gateway said.
 */
function verification(run: FactRun): Promise<PaymentVerification | null> {
  const request = run.ctx.request
  const card = typedCard(request)
  if (!card) return Promise.resolve(null)
  const given = givenForChecks(request, card)
  const verify = run.ctx.sources.paymentVerification?.bind(run.ctx.sources)
  if (!verify) return Promise.resolve(withOmissions(unverified, given))
  return once(run, 'payment_verification', async () =>
    withOmissions((await verify(request, run.ctx.now)) ?? unverified, given),
  )
}

export const paymentFacts: FactSpec[] = [
  fact({
    name: 'card_issuing_country',
    priority: DATA_FACT_PRIORITY,
    prefetch: true,
    description: 'ISO 3166 country of the card’s issuer, from the BIN reference data (null when unknown)',
    valueType: 'string',
    resolve: async (_p, run) => (await binInfo(run))?.country ?? null,
  }),
  fact({
    name: 'card_funding',
    priority: DATA_FACT_PRIORITY,
    prefetch: true,
    description: `${cardFundings.join(', ')}: how the card is funded, from the BIN reference data (null when unknown)`,
    valueType: 'string',
    resolve: async (_p, run) => (await binInfo(run))?.funding ?? null,
  }),
  fact({
    name: 'avs_result',
    priority: DATA_FACT_PRIORITY,
    description: `Address verification by the card’s issuer (the billing postal code and street number against the issuer’s records), the same across networks: ${avsResults.join(', ')}; not_provided when no billing postal code came with the card (null when no card was typed: none, or a stored method)`,
    valueType: 'string',
    resolve: async (_p, run) => (await verification(run))?.avs_result ?? null,
  }),
  fact({
    name: 'avs_code',
    priority: DATA_FACT_PRIORITY,
    description: 'The address verification code exactly as the card network returned it (null when none)',
    valueType: 'string',
    resolve: async (_p, run) => (await verification(run))?.avs_code ?? null,
  }),
  fact({
    name: 'cvc_result',
    priority: DATA_FACT_PRIORITY,
    description: `The card security code check: ${cvcResults.join(', ')}; not_provided when the card came without one (null when no card was typed: none, or a stored method)`,
    valueType: 'string',
    resolve: async (_p, run) => (await verification(run))?.cvc_result ?? null,
  }),
  fact({
    name: 'name_match',
    priority: DATA_FACT_PRIORITY,
    description:
      'The cardholder’s name on the issuer’s records is the customer’s name (null when either is unknown)',
    valueType: 'boolean',
    resolve: async (_p, run) => (await verification(run))?.name_match ?? null,
  }),
  fact({
    name: 'bank_routing_valid',
    description:
      'The checking or EFT account’s routing number passes the ABA check digit (null when no bank account)',
    valueType: 'boolean',
    resolve: (_p, run) => run.ctx.request.payment_method?.bank_account?.routing_valid ?? null,
  }),
]

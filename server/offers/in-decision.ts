// Offers in a decision (step 8 of decide()): once an approval has committed and its purchase is
// paid for, the offers its rules made eligible are selected (selection.ts) — stock reserved and
// credit held by the ledger before any is made — and written onto the stored decision, as
// payForPurchase writes its payment, so GET /v1/decisions/{id} and a replay show them. Never inside
// the decision's transaction: no subject lock waits on the catalog or the gateway.
import { sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { OfferEligibility, Presentation } from '../../rules/offers.ts'
import type { Settings } from '../../rules/schema.ts'
import type { AuthorizationRequest, DecisionResponse } from '../authorizations/schema.ts'
import type { Logger } from '../logging.ts'
import { selectOffers } from './selection.ts'
import type { OfferLedger } from './types.ts'

export interface DecisionOffering {
  eligible: OfferEligibility[]
  presentation: Presentation
  settings: Settings
}

/** The decision with the offers made in it and those skipped; unchanged when it made none eligible. */
export async function offerInDecision(
  deps: { db: Db; ledger: OfferLedger; logger?: Logger | undefined },
  tenantId: string,
  decision: DecisionResponse,
  body: AuthorizationRequest,
  offering: DecisionOffering,
): Promise<DecisionResponse> {
  if (decision.outcome !== 'approve' || offering.eligible.length === 0) return decision
  try {
    const customerId = decision.customer?.id ?? null
    const selection = await selectOffers(deps, {
      tenantId,
      customerId,
      channel: body.channel,
      currency: body.amount?.currency ?? offering.settings.currency,
      eligible: offering.eligible,
      presentation: offering.presentation,
      paymentMethodId: await paymentMethodOf(deps.db, tenantId, customerId, decision, body),
      decisionId: decision.id,
      maxOffers: offering.settings.offers?.max_per_contact,
      controlPercent: offering.settings.offers?.control_percent,
      now: new Date(),
    })
    const response = { ...decision, offers: selection.offers, offers_skipped: selection.skipped }
    await deps.db
      .updateTable('decisions')
      // json, not jsonb, as the decision was first written: a replay returns the same bytes
      .set({ response: sql<string>`cast(${JSON.stringify(response)}::text as json)` })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', decision.id)
      .execute()
    return response
  } catch (error) {
    // the approval stands and is paid for: an offer that could not be made is no reason to fail it
    deps.logger?.error({ err: error, decision: decision.id }, 'offers could not be selected for a decision')
    return decision
  }
}

/** The stored method an offer's price is held on: the one chosen by id, else the card just used. */
async function paymentMethodOf(
  db: Db,
  tenantId: string,
  customerId: string | null,
  decision: DecisionResponse,
  body: AuthorizationRequest,
): Promise<string | null> {
  if (body.payment_method?.type === 'stored' && body.payment_method.id) return body.payment_method.id
  const fingerprint = decision.payment_method?.fingerprint
  if (!customerId || !fingerprint) return null
  const row = await db
    .selectFrom('payment_methods')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('customer_id', '=', customerId)
    .where('fingerprint', '=', fingerprint)
    .executeTakeFirst()
  return row?.id ?? null
}

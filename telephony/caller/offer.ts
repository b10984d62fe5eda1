// The offer a waiting caller hears (a line's waiting content `offer`, step 8): the first offer the
// session's decision made — an OfferMade, its stock already reserved and its price held on the
// session's method — or, for a decision that only named an offer (a rule's `offer` event with its
// SKU, before offer selection ran in decisions), that catalog offer reserved here through the offers'
// ledger on the session's stored method. The flow plays it between looks at the queue; 1 orders it
// (the ledger captures the hold), 2 declines it, and an offer still open when the caller leaves the
// queue is declined, so its stock and hold are released at once rather than at its expiry.
import type { OfferLedger } from '../../server/offers/types.ts'
import type { SessionView } from '../../server/sessions/schema.ts'
import type { FlowDeps } from '../deps.ts'

export interface CallOffer {
  presentationId: string
  name: string
  /** the phone treatment's prompt; null: the line's `offer` prompt */
  prompt: string | null
  status: 'open' | 'accepted' | 'declined'
}

/** The keys a waiting caller answers an offer with. */
export const offerKeys = { accept: '1', decline: '2' } as const

export async function offerForCall(
  deps: FlowDeps & { offers: OfferLedger },
  tenantId: string,
  session: SessionView,
  currency: string,
): Promise<CallOffer | null> {
  const first = (session.decision.offers as unknown[])[0] as Record<string, unknown> | undefined
  if (!first) return null
  // made by the decision already (offers[] as OfferMade)
  if (typeof first.id === 'string' && 'expires_at' in first) {
    const treatment = first.treatment as { prompt?: string | null } | null | undefined
    return {
      presentationId: first.id,
      name: String(first.name ?? ''),
      prompt: treatment?.prompt ?? null,
      status: 'open',
    }
  }
  const sku =
    typeof first.sku === 'string' ? first.sku : typeof first.offer_id === 'string' ? first.offer_id : null
  if (!sku) return null
  return reserveForCall(deps, tenantId, session, sku, String(first.rule ?? ''), currency)
}

async function reserveForCall(
  deps: FlowDeps & { offers: OfferLedger },
  tenantId: string,
  session: SessionView,
  sku: string,
  rule: string,
  currency: string,
): Promise<CallOffer | null> {
  const { db } = deps.services
  const offer = await db
    .selectFrom('offers')
    .select(['id', 'name', 'price', 'currency', 'channels'])
    .where('tenant_id', '=', tenantId)
    .where('sku', '=', sku)
    .where('status', '=', 'active')
    .executeTakeFirst()
  const channels = (offer?.channels ?? []) as string[]
  if (!offer || !channels.includes('phone') || offer.currency !== currency) return null
  const row = await db
    .selectFrom('sessions')
    .select('payment_method_id')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', session.id)
    .executeTakeFirst()
  const treatment = await db
    .selectFrom('offer_treatments')
    .select(['id', 'segment', 'prompt'])
    .where('tenant_id', '=', tenantId)
    .where('offer_id', '=', offer.id)
    .where('channel', '=', 'phone')
    .where('segment', '=', '*')
    .executeTakeFirst()
  const price = Number(offer.price)
  const outcome = await deps.offers.reserve({
    tenantId,
    offerId: offer.id,
    customerId: session.decision.customer?.id ?? null,
    decisionId: session.decision.id,
    channel: 'phone',
    segment: '*',
    treatmentId: treatment?.id ?? null,
    paymentMethodId: row?.payment_method_id ?? null,
    priority: price,
    propensity: 1,
    why: {
      rule,
      weight: 1,
      propensity: 1,
      value: price,
      priority: price,
      segment: '*',
      presentation_rules: [],
      message: `The rule ${rule} offers ${offer.name} to a caller while they wait.`,
    },
    now: deps.clock(),
  })
  if (!outcome.made) {
    deps.logger.info({ sku, reason: outcome.reason }, 'the waiting caller’s offer could not be made')
    return null
  }
  return {
    presentationId: outcome.offer.id,
    name: offer.name,
    prompt: treatment?.prompt ?? null,
    status: 'open',
  }
}

// The offer a waiting caller hears (a line's waiting content `offer`, step 8): the first offer open
// for the call's decision (server/offers/in-call.ts: those the decision made, or — a caller who keyed
// a card had no stored method when it decided — those selected now on the method the session's hold
// left), its stock reserved and its price held. The flow plays its phone treatment between looks at
// the queue; 1 orders it (the ledger captures the hold), 2 declines it, and an offer still open when
// the caller leaves the queue is declined, so its stock and hold are released at once rather than at
// its expiry.
import { offersForCall } from '../../server/offers/in-call.ts'
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
  deps: FlowDeps,
  tenantId: string,
  session: SessionView,
): Promise<CallOffer | null> {
  const { offers } = await offersForCall(
    { db: deps.services.db, ledger: deps.offers, logger: deps.logger },
    tenantId,
    session.decision.id,
    deps.clock(),
  )
  const first = offers[0]
  if (!first) return null
  return {
    presentationId: first.id,
    name: first.name,
    prompt: first.treatment?.channel === 'phone' ? first.treatment.prompt : null,
    status: 'open',
  }
}

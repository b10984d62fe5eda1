// What the decision, the telephony bridge, campaigns and the console ask of offers (step 8): the
// catalog's vocabulary, an offer as a contact shows it, why one was skipped, and the ledger that
// reserves an offer's stock and credit before it is made and settles it exactly once (accepted,
// declined or expired). Selection (which offers, in what order, presented how) is offers/selection.ts;
// the ledger is offers/ledger.ts; the tables are db/migrations/2026-12-07T0100_offers.ts.

export const offerChannels = ['web', 'phone', 'chat', 'video', 'email', 'call_out'] as const
export type OfferChannel = (typeof offerChannels)[number]

export const stockModes = ['tracked', 'provider', 'unlimited'] as const
export type StockMode = (typeof stockModes)[number]

export type PresentationStatus =
  | 'presented'
  | 'accepted'
  | 'declined'
  | 'expired'
  | 'control'
  // the ledger's own, while it works: never shown as offers made (server/offers/ledger.ts)
  | 'reserving'
  | 'accepting'

/** How an offer is shown or spoken: a treatment row, as the contact receives it. */
export interface TreatmentView {
  id: string
  name: string
  channel: 'phone' | 'web'
  segment: string
  style: 'concise' | 'detailed'
  pace: 'slow' | 'normal' | 'fast'
  language: string
  /** phone: what FreeSWITCH plays (a file path or tone_stream://) and what is read */
  prompt: string | null
  script: string | null
  /** web */
  text: string | null
  image_url: string | null
}

/** Why an eligible offer was not made; the decision lists these beside the offers made. */
export const skipReasons = [
  'not_in_catalog',
  'channel',
  'currency',
  'contact_policy',
  'declined_recently',
  'out_of_stock',
  'stock_check_failed',
  'no_payment_method',
  'credit_declined',
  'ranked_out',
  /** held out for measurement (the tenant's control percentage): recorded as control, never shown */
  'control_group',
] as const
export type SkipReason = (typeof skipReasons)[number]

export interface OfferSkipped {
  /** the catalog offer's SKU; empty when a tag matched no offer */
  sku: string
  /** the tag an offer event named, when it matched no offer */
  tag?: string
  /** the rule whose offer event made it eligible */
  rule: string
  reason: SkipReason
  message: string
}

/** An offer made in a contact: its stock reserved and its price held until accepted, declined or expired. */
export interface OfferMade {
  /** the presentation's id: POST /v1/offers/{id}/accept or /decline */
  id: string
  sku: string
  name: string
  description: string
  quantity: number
  /** minor units: the catalog price, the discount taken off it, and what acceptance captures */
  price: number
  discount: number
  amount: number
  currency: string
  expires_at: string
  treatment: TreatmentView | null
  /** the hold on the customer's method for the amount; captured on acceptance */
  payment_id: string | null
  why: OfferWhy
}

/** What a decision says about the choice: eligibility, arbitration and presentation. */
export interface OfferWhy {
  /** the rule whose offer event made it eligible, and the event's weight */
  rule: string
  weight: number
  /** learned take rate for the customer's segment and channel, with its prior */
  propensity: number
  value: number
  /** propensity × value × weight */
  priority: number
  segment: string
  /** the rules whose treatment events chose the presentation */
  presentation_rules: string[]
  /** a sentence a merchant's developer or a reviewer can read */
  message: string
}

/** One candidate the selection wants made, handed to the ledger to reserve. */
export interface ReserveRequest {
  tenantId: string
  offerId: string
  customerId: string | null
  /** the contact: a decision, or a campaign's contact */
  decisionId?: string | null
  campaignContactId?: string | null
  channel: OfferChannel
  segment: string
  treatmentId: string | null
  quantity?: number
  /** minor units off the price (discount events that apply to the offer) */
  discount?: number
  /** the stored payment method (payment_methods.id) whose token the price is held on */
  paymentMethodId: string | null
  priority: number
  propensity: number
  why: OfferWhy
  now: Date
}

export type ReserveOutcome =
  | { made: true; offer: OfferMade }
  | { made: false; reason: SkipReason; message: string }

/** An accepted offer. */
export interface OfferOrder {
  id: string
  presentation_id: string
  sku: string
  quantity: number
  amount: number
  currency: string
  payment_id: string | null
  channel: OfferChannel
  created_at: string
}

/**
 * The offers' ledger: stock and credit reserved before an offer is made, released or taken exactly
 * once. Errors are ProblemErrors (not_found, offer_expired, offer_resolved, payment_declined).
 */
export interface OfferLedger {
  reserve(request: ReserveRequest): Promise<ReserveOutcome>
  /** a candidate held out for measurement: recorded as control, nothing reserved or shown */
  holdOut(request: ReserveRequest): Promise<void>
  /** idempotencyKey: the merchant's, kept with the claim; the same key for another offer is refused */
  accept(
    tenantId: string,
    presentationId: string,
    by: { channel: OfferChannel; now?: Date; idempotencyKey?: string },
  ): Promise<OfferOrder>
  decline(tenantId: string, presentationId: string, by: { channel: OfferChannel; now?: Date }): Promise<void>
  /** releases the stock and the hold of every presented offer past its expiry; returns how many */
  expire(now?: Date, limit?: number): Promise<number>
}

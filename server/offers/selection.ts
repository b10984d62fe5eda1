// Selection (step 8): which catalog offers a contact makes, in what order, and presented how. The
// rule set says which offers are eligible (offer events, by SKU or tag, with a weight) and how to
// present them (treatment events over the customer's demographics); this module reads the catalog
// and the customer's history and hands the winners to the offers' ledger, which reserves stock and
// holds credit BEFORE an offer is made (the upsell document). Stages, in order:
//
//   1. candidates  catalog offers matching the eligibility, active, in the channel and the currency
//   2. policy      contact policies: at most N per customer per window, none after a recent decline
//   3. arbitrate   priority = propensity × value × weight, propensity from the take rates of the
//                  offer × segment × channel with a prior (rules/offers.ts)
//   4. present     the offer's treatment for the channel and the segment the rules chose, else '*'
//   5. reserve     the top N in order through the ledger, a failure passing the slot to the next;
//                  a customer in the control group for an offer is recorded as control, never shown
//
// Decisions call selectForDecision after they commit (server/authorizations/service.ts); the bridge
// and campaigns call selectOffers with a contact of their own (a caller waiting, a call-out contact).
import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { OfferEligibility, Presentation } from '../../rules/offers.ts'
import { offerPriority, propensity, propensityPrior } from '../../rules/offers.ts'
import type {
  OfferChannel,
  OfferLedger,
  OfferMade,
  OfferSkipped,
  OfferWhy,
  ReserveRequest,
  TreatmentView,
} from './types.ts'

/** A contact in which offers may be made: a decision, a caller waiting, a campaign's contact. */
export interface OfferContact {
  tenantId: string
  customerId: string | null
  channel: OfferChannel
  /** offers are made only in this currency (the request's) */
  currency: string
  /** what the rules made eligible */
  eligible: OfferEligibility[]
  /** how the rules said to present offers; '*' segment when none */
  presentation: Presentation
  /** the stored method (payment_methods.id) whose token an offer's price is held on */
  paymentMethodId: string | null
  decisionId?: string | null
  campaignContactId?: string | null
  /** the rule set's settings.offers.max_per_contact (default 1) */
  maxOffers?: number | undefined
  /** the rule set's settings.offers.control_percent (default 0) */
  controlPercent?: number | undefined
  now: Date
}

export interface OfferSelection {
  offers: OfferMade[]
  skipped: OfferSkipped[]
}

/** A catalog offer as selection reads it. */
export interface CatalogOffer {
  id: string
  sku: string
  name: string
  description: string
  price: number
  currency: string
  value: number
  tags: string[]
  channels: string[]
  maxOffersPerCustomer: number | null
  windowDays: number | null
  declineCooldownDays: number | null
}

/** An offer that passed eligibility and the contact policies, with its place in arbitration. */
export interface RankedOffer {
  offer: CatalogOffer
  /** the eligibility that weighs most for it (an offer named by SKU and by tag is one candidate) */
  eligibility: OfferEligibility
  propensity: number
  priority: number
  treatment: TreatmentView | null
  /** the customer is held out of this offer for measurement */
  control: boolean
  why: OfferWhy
}

export interface Ranking {
  ranked: RankedOffer[]
  skipped: OfferSkipped[]
}

const DAY_MS = 86_400_000

/** Stages 1–4: what would be offered, best first, and what was left out — reads only (Simulate uses it). */
export async function rankOffers(db: Db, contact: OfferContact): Promise<Ranking> {
  if (contact.eligible.length === 0) return { ranked: [], skipped: [] }
  const found = await candidates(db, contact)
  const allowed = await applyContactPolicies(db, contact, found.candidates)
  const ranked = await arbitrate(db, contact, allowed.candidates)
  return { ranked, skipped: [...found.skipped, ...allowed.skipped] }
}

/** Every stage: the offers made in this contact (stock reserved, credit held) and why others were not. */
export async function selectOffers(
  deps: { db: Db; ledger: OfferLedger },
  contact: OfferContact,
): Promise<OfferSelection> {
  const { ranked, skipped } = await rankOffers(deps.db, contact)
  const offers: OfferMade[] = []
  const slots = contact.maxOffers ?? 1
  let used = 0
  for (const candidate of ranked) {
    const skip = (reason: OfferSkipped['reason'], message: string) =>
      skipped.push({ sku: candidate.offer.sku, rule: candidate.eligibility.rule, reason, message })
    if (used >= slots) {
      skip('ranked_out', `Another offer ranked higher; this contact makes ${slots} at most`)
      continue
    }
    const request = reserveRequest(contact, candidate)
    if (candidate.control) {
      // the held-out customer takes the slot, so the control group sees what others see, less the offer
      await deps.ledger.holdOut(request)
      used++
      skip('control_group', 'Held out for measurement: the customer is in this offer’s control group')
      continue
    }
    const outcome = await deps.ledger.reserve(request)
    if (!outcome.made) {
      skip(outcome.reason, outcome.message)
      continue
    }
    used++
    offers.push({
      ...outcome.offer,
      treatment: outcome.offer.treatment ?? candidate.treatment,
      why: candidate.why,
    })
  }
  return { offers, skipped }
}

function reserveRequest(contact: OfferContact, candidate: RankedOffer): ReserveRequest {
  return {
    tenantId: contact.tenantId,
    offerId: candidate.offer.id,
    customerId: contact.customerId,
    decisionId: contact.decisionId ?? null,
    campaignContactId: contact.campaignContactId ?? null,
    channel: contact.channel,
    segment: contact.presentation.segment,
    treatmentId: candidate.treatment?.id ?? null,
    quantity: 1,
    discount: 0,
    paymentMethodId: contact.paymentMethodId,
    priority: candidate.priority,
    propensity: candidate.propensity,
    why: candidate.why,
    now: contact.now,
  }
}

// 1. Candidates ------------------------------------------------------------------------------------

function asStrings(value: unknown): string[] {
  const parsed = typeof value === 'string' ? (JSON.parse(value) as unknown) : value
  return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === 'string') : []
}

async function candidates(
  db: Db,
  contact: OfferContact,
): Promise<{
  candidates: { offer: CatalogOffer; eligibility: OfferEligibility }[]
  skipped: OfferSkipped[]
}> {
  const skus = [...new Set(contact.eligible.flatMap((e) => (e.sku ? [e.sku] : [])))]
  const tags = [...new Set(contact.eligible.flatMap((e) => (e.tag ? [e.tag] : [])))]
  const rows = await db
    .selectFrom('offers')
    .selectAll()
    .where('tenant_id', '=', contact.tenantId)
    .where('status', '=', 'active')
    .where((eb) => {
      const either = []
      if (skus.length) either.push(eb('sku', 'in', skus))
      if (tags.length)
        either.push(
          eb(
            sql<boolean>`jsonb_exists_any(${sql.ref('tags')}, array[${sql.join(tags.map((t) => sql.val(t)))}]::text[])`,
            '=',
            true,
          ),
        )
      return eb.or(either)
    })
    .orderBy('sku')
    .execute()
  const catalog: CatalogOffer[] = rows.map((r) => ({
    id: r.id,
    sku: r.sku,
    name: r.name,
    description: r.description,
    price: Number(r.price),
    currency: r.currency,
    value: r.value === null ? Number(r.price) : Number(r.value),
    tags: asStrings(r.tags),
    channels: asStrings(r.channels),
    maxOffersPerCustomer: r.max_offers_per_customer,
    windowDays: r.window_days,
    declineCooldownDays: r.decline_cooldown_days,
  }))

  const skipped: OfferSkipped[] = []
  const bySku = new Map<string, { offer: CatalogOffer; eligibility: OfferEligibility }>()
  for (const eligibility of contact.eligible) {
    const matching = catalog.filter((o) =>
      eligibility.sku ? o.sku === eligibility.sku : o.tags.includes(eligibility.tag ?? ''),
    )
    if (matching.length === 0) {
      skipped.push({
        sku: eligibility.sku ?? '',
        ...(eligibility.tag ? { tag: eligibility.tag } : {}),
        rule: eligibility.rule,
        reason: 'not_in_catalog',
        message: eligibility.sku
          ? `No active offer with SKU ${eligibility.sku} in the catalog`
          : `No active offer tagged ${eligibility.tag} in the catalog`,
      })
      continue
    }
    for (const offer of matching) {
      const seen = bySku.get(offer.sku)
      if (!seen || eligibility.weight > seen.eligibility.weight) bySku.set(offer.sku, { offer, eligibility })
    }
  }

  const kept: { offer: CatalogOffer; eligibility: OfferEligibility }[] = []
  for (const candidate of bySku.values()) {
    const { offer, eligibility } = candidate
    if (!offer.channels.includes(contact.channel))
      skipped.push({
        sku: offer.sku,
        rule: eligibility.rule,
        reason: 'channel',
        message: `Not offered on the ${contact.channel} channel (only ${offer.channels.join(', ') || 'none'})`,
      })
    else if (offer.currency !== contact.currency)
      skipped.push({
        sku: offer.sku,
        rule: eligibility.rule,
        reason: 'currency',
        message: `Priced in ${offer.currency}, not in this contact’s ${contact.currency}`,
      })
    else kept.push(candidate)
  }
  return { candidates: kept, skipped }
}

// 2. Contact policies ------------------------------------------------------------------------------

async function applyContactPolicies(
  db: Db,
  contact: OfferContact,
  found: { offer: CatalogOffer; eligibility: OfferEligibility }[],
): Promise<{
  candidates: { offer: CatalogOffer; eligibility: OfferEligibility }[]
  skipped: OfferSkipped[]
}> {
  const governed = found.filter(
    ({ offer }) =>
      (offer.maxOffersPerCustomer !== null && offer.windowDays !== null) ||
      offer.declineCooldownDays !== null,
  )
  // an anonymous contact has no history to count: only known customers are governed
  if (!contact.customerId || governed.length === 0) return { candidates: found, skipped: [] }
  const lookBackDays = Math.max(
    ...governed.map(({ offer }) => Math.max(offer.windowDays ?? 0, offer.declineCooldownDays ?? 0)),
  )
  const history = await db
    .selectFrom('offer_presentations')
    .select(['offer_id', 'status', 'presented_at', 'resolved_at'])
    .where('tenant_id', '=', contact.tenantId)
    .where('customer_id', '=', contact.customerId)
    .where(
      'offer_id',
      'in',
      governed.map(({ offer }) => offer.id),
    )
    .where('presented_at', '>=', new Date(contact.now.getTime() - lookBackDays * DAY_MS))
    // a held-out customer was never shown it; one being reserved is not made yet (the ledger's)
    .where('status', 'not in', ['control', 'reserving'])
    .execute()

  const candidates: { offer: CatalogOffer; eligibility: OfferEligibility }[] = []
  const skipped: OfferSkipped[] = []
  for (const candidate of found) {
    const { offer, eligibility } = candidate
    const mine = history.filter((h) => h.offer_id === offer.id)
    const since = (days: number) => contact.now.getTime() - days * DAY_MS
    if (offer.declineCooldownDays !== null) {
      const cooldown = offer.declineCooldownDays
      const declined = mine.some(
        (h) => h.status === 'declined' && (h.resolved_at ?? h.presented_at).getTime() >= since(cooldown),
      )
      if (declined) {
        skipped.push({
          sku: offer.sku,
          rule: eligibility.rule,
          reason: 'declined_recently',
          message: `The customer declined it within the last ${cooldown} day(s)`,
        })
        continue
      }
    }
    if (offer.maxOffersPerCustomer !== null && offer.windowDays !== null) {
      const { maxOffersPerCustomer: max, windowDays: days } = offer
      const made = mine.filter((h) => h.presented_at.getTime() >= since(days)).length
      if (made >= max) {
        skipped.push({
          sku: offer.sku,
          rule: eligibility.rule,
          reason: 'contact_policy',
          message: `Offered to the customer ${made} time(s) in the last ${days} day(s); the policy allows ${max}`,
        })
        continue
      }
    }
    candidates.push(candidate)
  }
  return { candidates, skipped }
}

// 3. Arbitration -----------------------------------------------------------------------------------

/**
 * Whether the customer is held out of this offer: a stable hash of tenant, customer and offer below
 * the control percentage, so the same customer is always in or out of the same offer's group. An
 * anonymous contact is never held out (nothing would tie its outcome back to it).
 */
export function inControlGroup(
  tenantId: string,
  customerId: string | null,
  offerId: string,
  controlPercent: number,
): boolean {
  if (!customerId || controlPercent <= 0) return false
  const digest = createHash('sha256').update(`${tenantId}\u0000${customerId}\u0000${offerId}`).digest()
  return digest.readUInt32BE(0) % 10_000 < controlPercent * 100
}

async function arbitrate(
  db: Db,
  contact: OfferContact,
  found: { offer: CatalogOffer; eligibility: OfferEligibility }[],
): Promise<RankedOffer[]> {
  if (found.length === 0) return []
  const segment = contact.presentation.segment
  const ids = found.map(({ offer }) => offer.id)
  const [stats, treatments] = await Promise.all([
    db
      .selectFrom('offer_stats')
      .select(['offer_id', 'presented', 'accepted'])
      .where('tenant_id', '=', contact.tenantId)
      .where('offer_id', 'in', ids)
      .where('segment', '=', segment)
      .where('channel', '=', contact.channel)
      .execute(),
    db
      .selectFrom('offer_treatments')
      .selectAll()
      .where('tenant_id', '=', contact.tenantId)
      .where('offer_id', 'in', ids)
      .where('channel', '=', treatmentChannel(contact.channel))
      .where('segment', 'in', [...new Set([segment, '*'])])
      .orderBy('id')
      .execute(),
  ])
  const ranked = found.map(({ offer, eligibility }): RankedOffer => {
    const taken = stats.find((s) => s.offer_id === offer.id) ?? { presented: 0, accepted: 0 }
    const likelihood = propensity(taken)
    const priority = offerPriority(likelihood, offer.value, eligibility.weight)
    const treatment = chooseTreatment(
      treatments.filter((t) => t.offer_id === offer.id),
      contact.presentation,
    )
    return {
      offer,
      eligibility,
      propensity: likelihood,
      priority,
      treatment,
      control: inControlGroup(contact.tenantId, contact.customerId, offer.id, contact.controlPercent ?? 0),
      why: {
        rule: eligibility.rule,
        weight: eligibility.weight,
        propensity: likelihood,
        value: offer.value,
        priority,
        segment,
        presentation_rules: contact.presentation.rules,
        message: whyMessage(
          offer,
          eligibility,
          taken,
          likelihood,
          priority,
          segment,
          treatment,
          contact.presentation,
        ),
      },
    }
  })
  // the highest priority first; ties to the greater value, then the SKU, so the order is stable
  return ranked.sort(
    (a, b) =>
      b.priority - a.priority || b.offer.value - a.offer.value || a.offer.sku.localeCompare(b.offer.sku),
  )
}

function whyMessage(
  offer: CatalogOffer,
  eligibility: OfferEligibility,
  taken: { presented: number; accepted: number },
  likelihood: number,
  priority: number,
  segment: string,
  treatment: TreatmentView | null,
  presentation: Presentation,
): string {
  const by = eligibility.sku ? `SKU ${eligibility.sku}` : `tag ${eligibility.tag}`
  const rate = `${taken.accepted} of ${taken.presented} accepted in segment ${segment}, prior ${propensityPrior.alpha}/${propensityPrior.alpha + propensityPrior.beta}`
  const shown = treatment
    ? `presented as “${treatment.name}” (${treatment.segment === '*' ? 'for every segment' : `segment ${treatment.segment}`}, ${treatment.style}, ${treatment.pace})`
    : 'no treatment for this channel'
  const chosenBy = presentation.rules.length ? ` chosen by ${presentation.rules.join(', ')}` : ''
  return `Eligible by rule ${eligibility.rule} (${by}, weight ${eligibility.weight}); priority ${likelihood.toFixed(3)} × ${offer.value} × ${eligibility.weight} = ${priority.toFixed(2)} (${rate}); ${shown}${chosenBy}`
}

// 4. Presentation ----------------------------------------------------------------------------------

/** Treatments are kept for the phone (spoken) or the web (shown); chat, video and e-mail show web ones. */
export function treatmentChannel(channel: OfferChannel): 'phone' | 'web' {
  return channel === 'phone' || channel === 'call_out' ? 'phone' : 'web'
}

type TreatmentRow = {
  id: string
  name: string
  channel: string
  segment: string
  style: string
  pace: string
  language: string
  prompt: string | null
  script: string | null
  text: string | null
  image_url: string | null
}

/**
 * The offer's treatment for the contact: one for the segment the rules chose before one for every
 * segment ('*'); among those, the one that fits more of the rules' style, language and pace (in that
 * order of weight); then the lowest id, so the choice is stable.
 */
export function chooseTreatment(rows: TreatmentRow[], presentation: Presentation): TreatmentView | null {
  const score = (t: TreatmentRow) =>
    (t.segment === presentation.segment && t.segment !== '*' ? 8 : 0) +
    (presentation.style !== null && t.style === presentation.style ? 4 : 0) +
    (presentation.language !== null && t.language === presentation.language ? 2 : 0) +
    (presentation.pace !== null && t.pace === presentation.pace ? 1 : 0)
  const fitting = rows.filter((t) => t.segment === presentation.segment || t.segment === '*')
  const best = fitting.reduce<TreatmentRow | null>(
    (winner, t) =>
      winner === null || score(t) > score(winner) || (score(t) === score(winner) && t.id < winner.id)
        ? t
        : winner,
    null,
  )
  if (!best) return null
  return {
    id: best.id,
    name: best.name,
    channel: best.channel === 'phone' ? 'phone' : 'web',
    segment: best.segment,
    style: best.style === 'detailed' ? 'detailed' : 'concise',
    pace: best.pace === 'slow' || best.pace === 'fast' ? best.pace : 'normal',
    language: best.language,
    prompt: best.prompt,
    script: best.script,
    text: best.text,
    image_url: best.image_url,
  }
}

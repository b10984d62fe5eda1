// Offers in the decision core (step 8): which catalog offers a run makes eligible (`offer` events,
// by SKU or tag, with a weight), how they are to be presented (`treatment` events, chosen by rules
// over the customer's demographics), and the arithmetic of arbitration — propensity learned from
// take rates with a prior, priority = propensity × value × weight. Pure: the catalog, the take
// rates and the ledger are server/offers/.
import { type EventParams, eventParamSchemas } from './schema.ts'
import type { FiredEvent } from './types.ts'

/** One offer event that fired: a SKU or a tag the catalog resolves, and its weight. */
export interface OfferEligibility {
  rule: string
  sku: string | null
  tag: string | null
  weight: number
  message: string | null
}

export type TreatmentStyle = NonNullable<EventParams<'treatment'>['style']>
export type TreatmentPace = NonNullable<EventParams<'treatment'>['pace']>

/** What the treatment rules chose, each choice from the first rule (by precedence) that made it. */
export interface Presentation {
  style: TreatmentStyle | null
  pace: TreatmentPace | null
  language: string | null
  /** the demographic segment; '*' when no rule named one */
  segment: string
  /** the rules that made at least one of the choices, in precedence order */
  rules: string[]
  messages: string[]
}

export const defaultPresentation: Presentation = {
  style: null,
  pace: null,
  language: null,
  segment: '*',
  rules: [],
  messages: [],
}

/**
 * Rule-set versions published before offers had a catalog carried `{ offer_id, name, price, message }`.
 * They stay readable: offer_id is read as the SKU, the name and price the catalog now owns are dropped.
 */
export function upgradeOfferParams(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || !('offer_id' in raw)) return raw
  const legacy = raw as { offer_id?: unknown; message?: unknown }
  return {
    sku: legacy.offer_id,
    ...(typeof legacy.message === 'string' && legacy.message ? { message: legacy.message } : {}),
  }
}

/** An offer event's params as selection uses them (legacy shape upgraded, weight defaulted), or null. */
export function readOfferParams(raw: unknown): EventParams<'offer'> | null {
  const parsed = eventParamSchemas.offer.safeParse(upgradeOfferParams(raw))
  return parsed.success ? parsed.data : null
}

/** The offer events that fired, in the order the rules stand in the rule set. */
export function eligibleOffers(fired: FiredEvent[]): OfferEligibility[] {
  const eligible: OfferEligibility[] = []
  for (const event of fired) {
    if (event.type !== 'offer') continue
    const params = readOfferParams(event.params)
    if (!params) continue
    eligible.push({
      rule: event.ruleId,
      sku: params.sku ?? null,
      tag: params.tag ?? null,
      weight: params.weight,
      message: params.message ?? null,
    })
  }
  return eligible
}

/**
 * The presentation the treatment events chose. Precedence: the higher rule priority first, then the
 * rule that stands earlier in the rule set; each of style, pace, language and segment is taken from
 * the first rule by that order that sets it, so a specific rule (higher priority) can override one
 * choice of a general one and leave the others.
 */
export function presentationOf(fired: (FiredEvent & { priority?: number })[]): Presentation {
  const treatments = fired
    .map((event, index) => ({ event, index }))
    .filter(({ event }) => event.type === 'treatment')
    .sort((a, b) => (b.event.priority ?? 1) - (a.event.priority ?? 1) || a.index - b.index)
  const chosen: Presentation = { ...defaultPresentation, rules: [], messages: [] }
  let segmentChosen = false
  for (const { event } of treatments) {
    const parsed = eventParamSchemas.treatment.safeParse(event.params)
    if (!parsed.success) continue
    const p = parsed.data
    let used = false
    if (p.style && chosen.style === null) {
      chosen.style = p.style
      used = true
    }
    if (p.pace && chosen.pace === null) {
      chosen.pace = p.pace
      used = true
    }
    if (p.language && chosen.language === null) {
      chosen.language = p.language
      used = true
    }
    if (p.segment && !segmentChosen) {
      chosen.segment = p.segment
      segmentChosen = true
      used = true
    }
    if (used) {
      chosen.rules.push(event.ruleId)
      chosen.messages.push(p.message)
    }
  }
  return chosen
}

/**
 * The prior of the take rate: a Beta(α, β) belief before any presentation, here a 5 % take rate
 * worth twenty presentations — a new offer competes on its value until it has a record of its own,
 * and one lucky acceptance does not put it on top.
 */
export const propensityPrior = { alpha: 1, beta: 19 } as const

/** The posterior mean take rate: (accepted + α) / (presented + α + β). */
export function propensity(
  stats: { presented: number; accepted: number },
  prior: { alpha: number; beta: number } = propensityPrior,
): number {
  const presented = Math.max(0, stats.presented)
  const accepted = Math.min(Math.max(0, stats.accepted), presented)
  return (accepted + prior.alpha) / (presented + prior.alpha + prior.beta)
}

/** Arbitration's priority: propensity × value (minor units) × the eligibility's weight. */
export function offerPriority(propensityValue: number, value: number, weight: number): number {
  return propensityValue * Math.max(0, value) * weight
}

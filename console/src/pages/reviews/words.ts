// How the review desk words its states and ages.
import type { ListedIdentifier, ResolutionListing, ReviewDecision, ReviewStatus } from './api.ts'

export const statusLabels: Record<ReviewStatus, string> = {
  open: 'Open',
  claimed: 'Claimed',
  escalated: 'Escalated',
  resolved: 'Resolved',
}

export const decisionLabels: Record<ReviewDecision, string> = {
  approve: 'Approve',
  approve_with_limit: 'Approve with a limit',
  block: 'Block',
}

/** "4 min", "2 h 5 min", "3 d 4 h": how long a review has waited. */
export function ageInWords(fromIso: string, now: number): string {
  const minutes = Math.max(0, Math.floor((now - new Date(fromIso).getTime()) / 60_000))
  if (minutes < 1) return 'under a minute'
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  if (hours < 24) return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`
  const days = Math.floor(hours / 24)
  return `${days} d${hours % 24 ? ` ${hours % 24} h` : ''}`
}

const subjectWords: Record<string, string> = {
  phone: 'phone',
  email: 'e-mail',
  device: 'device',
  ip: 'IP',
  customer: 'customer id',
}

/** "phone +15555550100", "Visa card ending 4242" (a card's label names itself) */
export function identifierInWords(identifier: ListedIdentifier): string {
  const word = subjectWords[identifier.subject]
  return word ? `${word} ${identifier.label}` : identifier.label
}

/** "a, b and c" */
export function inSeries(items: string[]): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`
}

/** "the negative list ‘Blocked’"; a name that says it is a list reads as one: "the Positive list", "the VIP list (positive)" */
export function listInWords(list: { name: string; kind: string }): string {
  const name = list.name.trim()
  if (!/\blist$/i.test(name)) return `the ${list.kind} list ‘${name}’`
  return name.toLowerCase().includes(list.kind) ? `the ${name}` : `the ${name} (${list.kind})`
}

/**
 * The sentence a reviewer reads before resolving: "Block will add phone +1…, Visa card ending 4242
 * and e-mail ann@… to the negative list ‘Blocked’."
 */
export function listingInWords(decision: ReviewDecision, listing: ResolutionListing): string {
  const list = listInWords(listing.list)
  const added = listing.adds.map(identifierInWords)
  const sentence = added.length
    ? `${decisionLabels[decision]} will add ${inSeries(added)} to ${list}`
    : `${decisionLabels[decision]} will add nothing to ${list}`
  const already = listing.already_listed.length
    ? ` Already on it: ${inSeries(listing.already_listed.map(identifierInWords))}.`
    : ''
  const shared =
    listing.contributes_shared && added.length
      ? ' They will also be shared with the shared negative list.'
      : ''
  return `${sentence}.${already}${shared}`
}

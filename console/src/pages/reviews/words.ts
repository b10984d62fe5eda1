// How the review desk words its states and ages.
import type { ReviewDecision, ReviewStatus } from './api.ts'

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

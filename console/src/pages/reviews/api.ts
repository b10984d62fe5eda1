// The review desk: the queue, claiming (the next one, or a chosen one), the decision screen with
// everything captured, and resolving a review as approve, approve with a limit, or block.
import { api } from '../../lib/api.ts'
import type { CapturedRequest, FactReading, FiredRule, MerchantDecision, Money } from '../decisions/api.ts'

export const reviewStatuses = ['open', 'claimed', 'escalated', 'resolved'] as const
export type ReviewStatus = (typeof reviewStatuses)[number]
export type ReviewDecision = 'approve' | 'approve_with_limit' | 'block'

export interface Review {
  decision_id: string
  status: ReviewStatus
  created_at: string
  claimed_by: string | null
  claimed_at: string | null
  escalated_at: string | null
  resolved_by: string | null
  resolved_at: string | null
  resolution: ReviewDecision | null
  note: string | null
  kind: string
  channel: string
  amount: Money | null
  customer_id: string | null
  /** the id the merchant sent for the customer; customer_id is Tollgate's own */
  merchant_customer_id: string | null
  reasons: { rule: string; type: string; message: string }[]
}

export interface HistoryItem {
  id: string
  created_at: string
  kind: string
  channel: string
  outcome: string
  resolved_outcome: string | null
  amount: Money | null
}

export interface ListHit {
  list_id: string
  list_kind: string
  subject: string
  value: string
  reason: string
  source: string
  added_at: string
  expires_at: string | null
}

export interface ListedIdentifier {
  subject: string
  value: string
  label: string
}

/** What a resolution would put on which list, computed by the server code that resolves. */
export interface ResolutionListing {
  list: { id: string; name: string; kind: string }
  adds: ListedIdentifier[]
  already_listed: ListedIdentifier[]
  contributes_shared: boolean
}

export interface ReviewDetail {
  review: Review
  decision: MerchantDecision
  request: CapturedRequest | null
  facts: FactReading[]
  fired_rules: FiredRule[]
  history: HistoryItem[]
  list_hits: ListHit[]
  /** null once resolved */
  resolution_preview: { approve: ResolutionListing; block: ResolutionListing } | null
}

export interface Resolution {
  decision: ReviewDecision
  note: string
  limit?: { max_amount?: number; max_duration_seconds?: number }
}

export interface ResolveResult {
  resolution: { outcome: 'approve' | 'block'; decision: ReviewDecision; note: string; resolved_at: string }
  listed: number
  contributed: number
}

const reviewPath = (id: string) => `/reviews/${encodeURIComponent(id)}`

export const listReviews = (status?: ReviewStatus) =>
  api.get<{ reviews: Review[] }>('/reviews', { status, limit: 200 }).then((body) => body.reviews)

/** The oldest waiting review, now the caller's; undefined when nothing is waiting (204). */
export const claimNext = () => api.post<Review | undefined>('/reviews/claim-next', {})
export const claimReview = (id: string) => api.post<Review>(`${reviewPath(id)}/claim`, {})
export const readReview = (id: string) => api.get<ReviewDetail>(reviewPath(id))
export const resolveReview = (id: string, resolution: Resolution) =>
  api.post<ResolveResult>(`${reviewPath(id)}/resolve`, resolution)

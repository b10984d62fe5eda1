// The review desk: the queue, claiming (the next one, or a chosen one), the decision screen with
// everything captured, and resolving a review as approve, approve with a limit, or block.

import type { RequestBody, ResponseBody, Schema } from '../../api/types.ts'
import { api } from '../../lib/api.ts'

export type Review = Schema<'Review'>
export type ReviewStatus = Review['status']
export type ReviewDecision = NonNullable<Review['resolution']>
export const reviewStatuses = [
  'open',
  'claimed',
  'escalated',
  'resolved',
] as const satisfies readonly ReviewStatus[]

export type ReviewDetail = ResponseBody<'/admin/v1/reviews/{decision_id}', 'get'>
export type HistoryItem = ReviewDetail['history'][number]
export type ListHit = ReviewDetail['list_hits'][number]
export type Resolution = RequestBody<'/admin/v1/reviews/{decision_id}/resolve', 'post'>
export type ResolveResult = ResponseBody<'/admin/v1/reviews/{decision_id}/resolve', 'post'>
/** What a resolution would put on which list, computed by the server code that resolves. */
export type ResolutionListing = NonNullable<ReviewDetail['resolution_preview']>['approve']
export type ListedIdentifier = ResolutionListing['adds'][number]

const reviewPath = (id: string) => `/reviews/${encodeURIComponent(id)}`

export const listReviews = (status?: ReviewStatus) =>
  api
    .get<ResponseBody<'/admin/v1/reviews', 'get'>>('/reviews', { status, limit: 200 })
    .then((body) => body.reviews)

/** The oldest waiting review, now the caller's; undefined when nothing is waiting (204). */
export const claimNext = () => api.post<Review | undefined>('/reviews/claim-next', {})
export const claimReview = (id: string) => api.post<Review>(`${reviewPath(id)}/claim`, {})
export const readReview = (id: string) => api.get<ReviewDetail>(reviewPath(id))
export const resolveReview = (id: string, resolution: Resolution) =>
  api.post<ResolveResult>(`${reviewPath(id)}/resolve`, resolution)

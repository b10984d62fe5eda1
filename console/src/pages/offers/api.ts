// Offers: the catalog staff manage — list a page at a time, add, change, archive, set or adjust
// stock with a reason, and the treatments that say how each offer is presented.
import type { QueryParams, RequestBody, Schema } from '../../api/types.ts'
import { api } from '../../lib/api.ts'

export type Offer = Schema<'Offer'>
export type OfferTreatment = Schema<'OfferTreatment'>
export type NewOffer = RequestBody<'/admin/v1/offers', 'post'>
export type OfferChange = RequestBody<'/admin/v1/offers/{id}', 'patch'>
export type StockChange = RequestBody<'/admin/v1/offers/{id}/stock', 'post'>
export type NewTreatment = RequestBody<'/admin/v1/offers/{id}/treatments', 'post'>
export type TreatmentChange = RequestBody<'/admin/v1/offers/{id}/treatments/{treatmentId}', 'patch'>
export type OfferSearch = QueryParams<'/admin/v1/offers', 'get'>

const offerPath = (id: string) => `/offers/${encodeURIComponent(id)}`
const treatmentPath = (offerId: string, id: string) =>
  `${offerPath(offerId)}/treatments/${encodeURIComponent(id)}`

export const listOffers = (search: OfferSearch, cursor: string | null) =>
  api.get<{ offers: Offer[]; next_cursor: string | null }>('/offers', { ...search, cursor })
export const readOffer = (id: string) => api.get<Offer>(offerPath(id))
export const createOffer = (offer: NewOffer) => api.post<Offer>('/offers', offer)
export const updateOffer = (id: string, change: OfferChange) => api.patch<Offer>(offerPath(id), change)
export const archiveOffer = (id: string) => api.post<Offer>(`${offerPath(id)}/archive`, {})
export const changeStock = (id: string, change: StockChange) =>
  api.post<Offer>(`${offerPath(id)}/stock`, change)
export const addTreatment = (offerId: string, treatment: NewTreatment) =>
  api.post<OfferTreatment>(`${offerPath(offerId)}/treatments`, treatment)
export const updateTreatment = (offerId: string, id: string, change: TreatmentChange) =>
  api.patch<OfferTreatment>(treatmentPath(offerId, id), change)
export const removeTreatment = (offerId: string, id: string) => api.delete<void>(treatmentPath(offerId, id))

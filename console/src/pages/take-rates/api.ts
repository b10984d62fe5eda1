// Take rates: how often offers made were accepted, by offer, segment and channel (all time, or the
// offers made between two days).
import type { QueryParams, Schema } from '../../api/types.ts'
import { api } from '../../lib/api.ts'

export type TakeRates = Schema<'OfferTakeRates'>
export type TakeRateGroup = TakeRates['by_offer'][number]
export type TakeRateSearch = QueryParams<'/admin/v1/offers/stats', 'get'>

export const readTakeRates = (search: TakeRateSearch) => api.get<TakeRates>('/offers/stats', search)

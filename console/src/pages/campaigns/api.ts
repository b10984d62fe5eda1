// Campaigns: call-out and e-mail campaigns — list with progress, draft, start, pause, and each
// contact's result; the customer facts the audience builder offers.
import type { RequestBody, Schema } from '../../api/types.ts'
import { api } from '../../lib/api.ts'

export type Campaign = Schema<'Campaign'>
export type CampaignContact = Schema<'CampaignContact'>
export type NewCampaign = RequestBody<'/admin/v1/campaigns', 'post'>
export type Offer = Schema<'Offer'>
export type DoNotCallEntry = Schema<'DoNotCallEntry'>

export interface AudienceFact {
  name: string
  description: string
  value_type: 'number' | 'string' | 'boolean'
  operators: string[]
  params: Record<string, unknown> | null
}

const campaignPath = (id: string) => `/campaigns/${encodeURIComponent(id)}`

export const listCampaigns = () =>
  api.get<{ campaigns: Campaign[] }>('/campaigns', { limit: 100 }).then((body) => body.campaigns)
export const audienceFacts = () =>
  api.get<{ facts: AudienceFact[] }>('/campaigns/audience-facts').then((body) => body.facts)
/**
 * The catalog's offers, archived ones too: a campaign keeps naming its offer after the offer is
 * archived, while the form offers only active ones. One page of the largest size the API allows.
 */
export const catalogOffers = () =>
  api.get<{ offers: Offer[] }>('/offers', { status: 'all', limit: 200 }).then((body) => body.offers)
export const createCampaign = (campaign: NewCampaign) => api.post<Campaign>('/campaigns', campaign)
export const startCampaign = (id: string) => api.post<Campaign>(`${campaignPath(id)}/start`, {})
export const pauseCampaign = (id: string) => api.post<Campaign>(`${campaignPath(id)}/pause`, {})
export const listContacts = (id: string) =>
  api
    .get<{ contacts: CampaignContact[] }>(`${campaignPath(id)}/contacts`, { limit: 500 })
    .then((body) => body.contacts)

export const listDoNotCall = () =>
  api.get<{ numbers: DoNotCallEntry[] }>('/do-not-call', { limit: 500 }).then((body) => body.numbers)
export const addDoNotCall = (phone: string) => api.post<DoNotCallEntry>('/do-not-call', { phone })
export const removeDoNotCall = (phone: string) =>
  api.delete<void>(`/do-not-call/${encodeURIComponent(phone)}`)

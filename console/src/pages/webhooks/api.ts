// Webhooks (admin): endpoints per event type, the signing secret shown once at creation, the
// delivery log of an endpoint, and replaying a delivery.
import type { RequestBody, ResponseBody, Schema } from '../../api/types.ts'
import { api } from '../../lib/api.ts'

export type NewEndpoint = RequestBody<'/admin/v1/webhooks', 'post'>
export type WebhookEvent = NewEndpoint['events'][number]
export const webhookEvents = [
  'decision.resolved',
  'session.settled',
  'payment.captured',
  'payment.voided',
  'payment.refunded',
  'payment.failed',
  'offer.accepted',
  'offer.expired',
] as const satisfies readonly WebhookEvent[]

export const eventDescriptions: Record<WebhookEvent, string> = {
  'decision.resolved': 'a reviewer approved or blocked a decision',
  'session.settled': 'a session was settled',
  'payment.captured': 'money was taken: a hold captured or a direct charge',
  'payment.voided': 'a hold was released in full',
  'payment.refunded': 'money was given back, in whole or in part',
  'payment.failed': 'the payment provider declined a payment, or never answered',
  'offer.accepted': 'a customer accepted an offer: its order, with the hold captured',
  'offer.expired': 'an offer made was not answered in time: its stock and hold were released',
}

export type Endpoint = Schema<'WebhookEndpoint'>
export type Delivery = Schema<'WebhookDelivery'>
export type Attempt = Delivery['attempt_log'][number]

const endpointPath = (id: string) => `/webhooks/${encodeURIComponent(id)}`

export const listEndpoints = () => api.get<{ webhooks: Endpoint[] }>('/webhooks').then((b) => b.webhooks)
export const createEndpoint = (endpoint: NewEndpoint) =>
  api.post<ResponseBody<'/admin/v1/webhooks', 'post'>>('/webhooks', endpoint)
export const deleteEndpoint = (id: string) => api.delete<void>(endpointPath(id))
export const listDeliveries = (id: string) =>
  api.get<{ deliveries: Delivery[] }>(`${endpointPath(id)}/deliveries`).then((b) => b.deliveries)
export const replayDelivery = (deliveryId: string) =>
  api.post<ResponseBody<'/admin/v1/webhooks/deliveries/{delivery_id}/replay', 'post'>>(
    `/webhooks/deliveries/${encodeURIComponent(deliveryId)}/replay`,
    {},
  )

/** Sends the endpoint a signed ping now; the answer says whether it answered 2xx, and how. */
export const sendTestEvent = (id: string) =>
  api.post<ResponseBody<'/admin/v1/webhooks/{id}/test', 'post'>>(`${endpointPath(id)}/test`, {})

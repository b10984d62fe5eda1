// Webhooks (admin): endpoints per event type, the signing secret shown once at creation, the
// delivery log of an endpoint, and replaying a delivery.
import { api } from '../../lib/api.ts'

export const webhookEvents = ['decision.resolved', 'session.settled'] as const
export type WebhookEvent = (typeof webhookEvents)[number]

export const eventDescriptions: Record<WebhookEvent, string> = {
  'decision.resolved': 'a reviewer approved or blocked a decision',
  'session.settled': 'a session was settled',
}

export interface Endpoint {
  id: string
  url: string
  events: string[]
  description: string
  created_at: string
}

export interface NewEndpoint {
  url: string
  events: WebhookEvent[]
  description: string
}

export interface Attempt {
  attempt: number
  started_at: string
  duration_ms: number
  response_status: number | null
  response_excerpt: string | null
  error: string | null
}

export interface Delivery {
  id: string
  event_id: string
  event_type: string
  status: 'pending' | 'succeeded' | 'failed'
  attempts: number
  max_attempts: number
  next_attempt_at: string | null
  delivered_at: string | null
  replay_of: string | null
  created_at: string
  attempt_log: Attempt[]
}

const endpointPath = (id: string) => `/webhooks/${encodeURIComponent(id)}`

export const listEndpoints = () => api.get<{ webhooks: Endpoint[] }>('/webhooks').then((b) => b.webhooks)
export const createEndpoint = (endpoint: NewEndpoint) =>
  api.post<Endpoint & { secret: string }>('/webhooks', endpoint)
export const deleteEndpoint = (id: string) => api.delete<void>(endpointPath(id))
export const listDeliveries = (id: string) =>
  api.get<{ deliveries: Delivery[] }>(`${endpointPath(id)}/deliveries`).then((b) => b.deliveries)
export const replayDelivery = (deliveryId: string) =>
  api.post<{ delivery_id: string }>(`/webhooks/deliveries/${encodeURIComponent(deliveryId)}/replay`, {})

/** Sends the endpoint a signed ping now; the answer says whether it answered 2xx, and how. */
export const sendTestEvent = (id: string) =>
  api.post<{ delivered: boolean; delivery: Delivery }>(`${endpointPath(id)}/test`, {})

// Merchants' webhook endpoints and the outbox of deliveries. An event is written as one delivery
// row per subscribed endpoint in the same transaction as the change it announces, so a committed
// change is always announced and a rolled-back one never is; the dispatcher sends them later.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import { jsonb } from '../../db/json.ts'
import { newId } from '../ids.ts'

export const webhookEvents = [
  'decision.resolved',
  'session.settled',
  'payment.captured',
  'payment.voided',
  'payment.refunded',
  'payment.failed',
  'offer.accepted',
  'offer.expired',
] as const
export type WebhookEvent = (typeof webhookEvents)[number]

/** attempts per delivery, the first included */
export const MAX_ATTEMPTS = 8

// Signing secrets must be readable to sign with, so they are sealed (not hashed) with a key
// derived from the deployment secret: a copy of the database alone does not reveal them.
function sealingKey(serverSecret: string): Buffer {
  return createHmac('sha256', serverSecret).update('tollgate webhook signing secrets').digest()
}

export function sealSecret(serverSecret: string, plain: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', sealingKey(serverSecret), iv)
  const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
  return [iv, cipher.getAuthTag(), sealed].map((b) => b.toString('base64url')).join('.')
}

export function unsealSecret(serverSecret: string, sealed: string): string {
  const [iv, tag, data] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'))
  if (!iv || !tag || !data) throw new Error('malformed sealed webhook secret')
  const decipher = createDecipheriv('aes-256-gcm', sealingKey(serverSecret), iv)
  decipher.setAuthTag(tag)
  return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8')
}

export interface EndpointView {
  id: string
  url: string
  events: string[]
  description: string
  created_at: string
}

function endpointView(row: {
  id: string
  url: string
  events: string[]
  description: string
  created_at: Date
}): EndpointView {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    description: row.description,
    created_at: row.created_at.toISOString(),
  }
}

export async function createEndpoint(
  db: Db,
  serverSecret: string,
  tenantId: string,
  input: { url: string; events: WebhookEvent[]; description: string; createdBy: string | null },
): Promise<{ endpoint: EndpointView; secret: string }> {
  const secret = `whsec_${randomBytes(32).toString('base64url')}`
  const row = await db
    .insertInto('webhook_endpoints')
    .values({
      tenant_id: tenantId,
      id: newId('whk'),
      url: input.url,
      events: jsonb([...new Set(input.events)]),
      description: input.description,
      secret_sealed: sealSecret(serverSecret, secret),
      created_by: input.createdBy,
    })
    .returning(['id', 'url', 'events', 'description', 'created_at'])
    .executeTakeFirstOrThrow()
  return { endpoint: endpointView(row), secret }
}

export async function listEndpoints(db: Db, tenantId: string): Promise<EndpointView[]> {
  const rows = await db
    .selectFrom('webhook_endpoints')
    .select(['id', 'url', 'events', 'description', 'created_at'])
    .where('tenant_id', '=', tenantId)
    .where('deleted_at', 'is', null)
    .orderBy('created_at')
    .execute()
  return rows.map(endpointView)
}

export async function findEndpoint(db: Db, tenantId: string, id: string, includeDeleted = false) {
  return db
    .selectFrom('webhook_endpoints')
    .select(['id', 'url', 'events', 'description', 'created_at', 'deleted_at'])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .$if(!includeDeleted, (q) => q.where('deleted_at', 'is', null))
    .executeTakeFirst()
}

/** Deleting keeps the row, so its delivery log stays readable; pending deliveries are dropped. */
export async function deleteEndpoint(db: Db, tenantId: string, id: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('webhook_endpoints')
    .set({ deleted_at: now })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  if (!result.numUpdatedRows) return false
  await db
    .updateTable('webhook_deliveries')
    .set({ status: 'failed', next_attempt_at: null })
    .where('tenant_id', '=', tenantId)
    .where('endpoint_id', '=', id)
    .where('status', '=', 'pending')
    .execute()
  return true
}

/**
 * Writes one delivery per endpoint subscribed to this event. Call it inside the transaction that
 * makes the change, so the announcement commits (or not) with it.
 */
export async function enqueueEvent(
  db: Db,
  tenantId: string,
  type: WebhookEvent,
  data: unknown,
  now: Date,
): Promise<number> {
  const endpoints = await db
    .selectFrom('webhook_endpoints')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('deleted_at', 'is', null)
    .where(sql<boolean>`events @> ${jsonb([type])}`)
    .execute()
  if (!endpoints.length) return 0
  const eventId = newId('evt')
  const body = JSON.stringify({ id: eventId, type, created_at: now.toISOString(), data })
  await db
    .insertInto('webhook_deliveries')
    .values(
      endpoints.map((e) => ({
        tenant_id: tenantId,
        id: newId('whd'),
        endpoint_id: e.id,
        event_id: eventId,
        event_type: type,
        body,
        status: 'pending',
        max_attempts: MAX_ATTEMPTS,
        next_attempt_at: now,
        created_at: now,
      })),
    )
    .execute()
  return endpoints.length
}

/** the event type of a test sent from the console; no endpoint subscribes to it, any may be sent it */
export const TEST_EVENT = 'ping'

/**
 * Writes a test event for one endpoint as a delivery of one attempt with no time set, so the poller
 * never takes it: the caller sends it at once (WebhookDispatcher.sendNow) and a failure is reported,
 * not retried for hours.
 */
export async function enqueueTestEvent(
  db: Db,
  tenantId: string,
  endpointId: string,
  sentBy: string,
  now: Date,
): Promise<string> {
  const eventId = newId('evt')
  const body = JSON.stringify({
    id: eventId,
    type: TEST_EVENT,
    created_at: now.toISOString(),
    data: { webhook_id: endpointId, sent_by: sentBy, message: 'A test event from the Tollgate console.' },
  })
  const id = newId('whd')
  await db
    .insertInto('webhook_deliveries')
    .values({
      tenant_id: tenantId,
      id,
      endpoint_id: endpointId,
      event_id: eventId,
      event_type: TEST_EVENT,
      body,
      status: 'pending',
      max_attempts: 1,
      next_attempt_at: null,
      created_at: now,
    })
    .execute()
  return id
}

/** A replay is a new delivery of the same event (same id and body), with a fresh set of attempts. */
export async function replayDelivery(db: Db, tenantId: string, deliveryId: string, now: Date) {
  const original = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as e', (j) =>
      j.onRef('e.tenant_id', '=', 'd.tenant_id').onRef('e.id', '=', 'd.endpoint_id'),
    )
    .select(['d.endpoint_id', 'd.event_id', 'd.event_type', 'd.body', 'e.deleted_at'])
    .where('d.tenant_id', '=', tenantId)
    .where('d.id', '=', deliveryId)
    .executeTakeFirst()
  if (!original) return { status: 'not_found' as const }
  if (original.deleted_at) return { status: 'endpoint_deleted' as const }
  const id = newId('whd')
  await db
    .insertInto('webhook_deliveries')
    .values({
      tenant_id: tenantId,
      id,
      endpoint_id: original.endpoint_id,
      event_id: original.event_id,
      event_type: original.event_type,
      body: original.body,
      status: 'pending',
      max_attempts: MAX_ATTEMPTS,
      next_attempt_at: now,
      replay_of: deliveryId,
      created_at: now,
    })
    .execute()
  return { status: 'queued' as const, id }
}

export interface DeliveryView {
  id: string
  event_id: string
  event_type: string
  status: string
  attempts: number
  max_attempts: number
  next_attempt_at: string | null
  delivered_at: string | null
  replay_of: string | null
  created_at: string
  attempt_log: {
    attempt: number
    started_at: string
    duration_ms: number
    response_status: number | null
    response_excerpt: string | null
    error: string | null
  }[]
}

export async function listDeliveries(
  db: Db,
  tenantId: string,
  filter: { endpointId: string; deliveryId?: string },
  limit: number,
): Promise<DeliveryView[]> {
  const { endpointId, deliveryId } = filter
  const deliveries = await db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('endpoint_id', '=', endpointId)
    .$if(deliveryId !== undefined, (q) => q.where('id', '=', deliveryId ?? ''))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
  if (!deliveries.length) return []
  const attempts = await db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where(
      'delivery_id',
      'in',
      deliveries.map((d) => d.id),
    )
    .orderBy('attempt')
    .execute()
  const iso = (d: Date | null) => (d ? d.toISOString() : null)
  return deliveries.map((d) => ({
    id: d.id,
    event_id: d.event_id,
    event_type: d.event_type,
    status: d.status,
    attempts: d.attempts,
    max_attempts: d.max_attempts,
    next_attempt_at: iso(d.next_attempt_at),
    delivered_at: iso(d.delivered_at),
    replay_of: d.replay_of,
    created_at: d.created_at.toISOString(),
    attempt_log: attempts
      .filter((a) => a.delivery_id === d.id)
      .map((a) => ({
        attempt: a.attempt,
        started_at: a.started_at.toISOString(),
        duration_ms: a.duration_ms,
        response_status: a.response_status,
        response_excerpt: a.response_excerpt,
        error: a.error,
      })),
  }))
}

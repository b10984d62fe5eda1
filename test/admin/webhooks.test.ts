import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../server/logging.ts'
import { retryDelaySeconds, WebhookDispatcher } from '../../server/webhooks/dispatcher.ts'
import { signatureHeader, verifySignature } from '../../server/webhooks/signature.ts'
import { startTestApp, TEST_SECRET, type TestApp } from '../support/app.ts'
import { customerPurchase, reviewRuleSet } from '../support/review-rule-set.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'

interface Received {
  headers: IncomingMessage['headers']
  body: string
}

/** A merchant's receiver on 127.0.0.1: records what arrives, answers with the next queued status. */
class Receiver {
  received: Received[] = []
  answers: number[] = []
  hang = false
  private server: Server | undefined
  url = ''

  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = ''
      req.on('data', (chunk) => {
        body += chunk
      })
      req.on('end', () => {
        this.received.push({ headers: req.headers, body })
        if (this.hang) return
        const status = this.answers.shift() ?? 200
        res
          .writeHead(status, { 'content-type': 'text/plain' })
          .end(status >= 300 ? 'receiver is down' : 'thanks')
      })
    })
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve))
    const { port } = this.server.address() as AddressInfo
    this.url = `http://127.0.0.1:${port}/tollgate`
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections()
    return new Promise((resolve) => this.server?.close(() => resolve()))
  }
}

let t: TestApp
let admin: StaffClient
let analyst: StaffClient
let globexAdmin: StaffClient
const receiver = new Receiver()
let clock = new Date()
const logger = createLogger('error', { write: () => {} })
const dispatcher = (timeoutMs = 5_000) =>
  new WebhookDispatcher({
    db: t.db,
    secret: TEST_SECRET,
    logger,
    now: () => clock,
    random: () => 0.5,
    timeoutMs,
  })

beforeAll(async () => {
  t = await startTestApp({ ruleSet: reviewRuleSet })
  admin = await staffClient(t, 'acme', 'admin')
  analyst = await staffClient(t, 'acme', 'analyst')
  globexAdmin = await staffClient(t, 'globex', 'admin')
  await receiver.start()
})
afterAll(async () => {
  await receiver.stop()
  await t.close()
})

async function json<T = Record<string, unknown>>(
  res: Response | Promise<Response>,
  status: number,
): Promise<T> {
  const r = await res
  const text = await r.text()
  expect(r.status, text).toBe(status)
  return (text ? JSON.parse(text) : null) as T
}

let n = 100
/** A decision that goes to review, resolved by the analyst: one decision.resolved event. */
async function resolvedReview(decision: 'approve' | 'block' = 'approve') {
  n += 1
  const res = await t.post('/v1/authorizations', customerPurchase(n))
  const { id } = (await res.json()) as { id: string }
  await json(analyst.request('POST', `/admin/v1/reviews/${id}/claim`, {}), 200)
  await json(analyst.request('POST', `/admin/v1/reviews/${id}/resolve`, { decision, note: 'checked' }), 200)
  clock = new Date(Date.now() + 1_000)
  return id
}

async function register(url = receiver.url) {
  return json<{ id: string; secret: string; url: string; events: string[] }>(
    admin.request('POST', '/admin/v1/webhooks', {
      url,
      events: ['decision.resolved'],
      description: 'orders',
    }),
    201,
  )
}

interface DeliveryLog {
  deliveries: {
    id: string
    event_id: string
    status: string
    attempts: number
    next_attempt_at: string | null
    replay_of: string | null
    attempt_log: {
      attempt: number
      response_status: number | null
      response_excerpt: string | null
      error: string | null
      duration_ms: number
    }[]
  }[]
}

describe('registering endpoints', () => {
  it('returns the signing secret once, lists the endpoint without it, and refuses non-http URLs', async () => {
    const created = await register()
    expect(created.secret).toMatch(/^whsec_/)
    const { webhooks } = await json<{ webhooks: Record<string, unknown>[] }>(
      admin.request('GET', '/admin/v1/webhooks'),
      200,
    )
    expect(webhooks.find((w) => w.id === created.id)).toEqual(
      expect.objectContaining({ url: receiver.url, events: ['decision.resolved'] }),
    )
    expect(JSON.stringify(webhooks)).not.toContain(created.secret)
    for (const url of ['ftp://example.com/hook', 'javascript:alert(1)', 'not a url', 'file:///etc/passwd']) {
      const problem = await json<{ errors: { field: string }[] }>(
        admin.request('POST', '/admin/v1/webhooks', { url, events: ['decision.resolved'] }),
        422,
      )
      expect(problem.errors[0]?.field).toBe('url')
    }
    await json(
      admin.request('POST', '/admin/v1/webhooks', { url: receiver.url, events: ['order.shipped'] }),
      422,
    )
    await json(
      analyst.request('POST', '/admin/v1/webhooks', { url: receiver.url, events: ['decision.resolved'] }),
      403,
    )
    await json(admin.request('DELETE', `/admin/v1/webhooks/${created.id}`), 204)
    await json(admin.request('DELETE', `/admin/v1/webhooks/${created.id}`), 404)
  })
})

describe('delivering', () => {
  it('delivers a resolution as a signed event whose signature verifies, and fails a wrong secret', async () => {
    const endpoint = await register()
    receiver.received = []
    const decisionId = await resolvedReview('block')
    expect(await dispatcher().runOnce()).toBe(1)
    expect(receiver.received).toHaveLength(1)
    const [delivery] = receiver.received
    const header = String(delivery?.headers['tollgate-signature'])
    const body = delivery?.body ?? ''
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/)
    expect(verifySignature(endpoint.secret, header, body, 300, clock.getTime())).toBe(true)
    expect(verifySignature('whsec_wrong', header, body, 300, clock.getTime())).toBe(false)
    const event = JSON.parse(body)
    expect(event).toMatchObject({
      type: 'decision.resolved',
      data: {
        decision: { id: decisionId, outcome: 'review', resolution: { outcome: 'block', note: 'checked' } },
      },
    })
    expect(delivery?.headers['tollgate-event-id']).toBe(event.id)
    await json(admin.request('DELETE', `/admin/v1/webhooks/${endpoint.id}`), 204)
  })

  it('retries a receiver answering 500 with backoff, and logs both attempts', async () => {
    const endpoint = await register()
    receiver.received = []
    receiver.answers = [500, 200]
    await resolvedReview()
    const started = clock
    expect(await dispatcher().runOnce()).toBe(1)
    let log = await json<DeliveryLog>(
      admin.request('GET', `/admin/v1/webhooks/${endpoint.id}/deliveries`),
      200,
    )
    const first = log.deliveries[0]
    expect(first).toMatchObject({ status: 'pending', attempts: 1 })
    // the first retry waits a minute (jitter fixed at the middle here)
    expect(new Date(first?.next_attempt_at ?? 0).getTime() - started.getTime()).toBe(
      retryDelaySeconds(1, () => 0.5) * 1000,
    )

    clock = new Date(started.getTime() + 30_000)
    expect(await dispatcher().runOnce()).toBe(0)
    clock = new Date(started.getTime() + 61_000)
    expect(await dispatcher().runOnce()).toBe(1)

    log = await json<DeliveryLog>(admin.request('GET', `/admin/v1/webhooks/${endpoint.id}/deliveries`), 200)
    expect(log.deliveries[0]).toMatchObject({ status: 'succeeded', attempts: 2, next_attempt_at: null })
    expect(
      log.deliveries[0]?.attempt_log.map((a) => [a.attempt, a.response_status, a.response_excerpt]),
    ).toEqual([
      [1, 500, 'receiver is down'],
      [2, 200, 'thanks'],
    ])
    expect(receiver.received).toHaveLength(2)
    // the same event both times
    expect(receiver.received[0]?.body).toBe(receiver.received[1]?.body)

    // replay: a new delivery of the same event
    const original = log.deliveries[0]?.id
    const replayed = await json<{ delivery_id: string }>(
      admin.request('POST', `/admin/v1/webhooks/deliveries/${original}/replay`, {}),
      202,
    )
    expect(await dispatcher().runOnce()).toBe(1)
    expect(receiver.received).toHaveLength(3)
    expect(JSON.parse(receiver.received[2]?.body ?? '{}').id).toBe(
      JSON.parse(receiver.received[0]?.body ?? '{}').id,
    )
    log = await json<DeliveryLog>(admin.request('GET', `/admin/v1/webhooks/${endpoint.id}/deliveries`), 200)
    expect(log.deliveries.find((d) => d.id === replayed.delivery_id)).toMatchObject({
      status: 'succeeded',
      replay_of: original,
    })

    // another tenant sees neither the log nor the replay
    await json(globexAdmin.request('GET', `/admin/v1/webhooks/${endpoint.id}/deliveries`), 404)
    await json(globexAdmin.request('POST', `/admin/v1/webhooks/deliveries/${original}/replay`, {}), 404)
    await json(admin.request('DELETE', `/admin/v1/webhooks/${endpoint.id}`), 204)
  })

  it('bounds each request by its timeout and logs the timeout', async () => {
    const endpoint = await register()
    receiver.hang = true
    try {
      await resolvedReview()
      const started = performance.now()
      expect(await dispatcher(300).runOnce()).toBe(1)
      expect(performance.now() - started).toBeLessThan(3_000)
    } finally {
      receiver.hang = false
    }
    const log = await json<DeliveryLog>(
      admin.request('GET', `/admin/v1/webhooks/${endpoint.id}/deliveries`),
      200,
    )
    expect(log.deliveries[0]).toMatchObject({ status: 'pending', attempts: 1 })
    expect(log.deliveries[0]?.attempt_log[0]?.error).toBe('timed out after 300 ms')
    expect(log.deliveries[0]?.attempt_log[0]?.duration_ms).toBeLessThan(3_000)
    await json(admin.request('DELETE', `/admin/v1/webhooks/${endpoint.id}`), 204)
  })

  it('writes nothing to send when no endpoint listens', async () => {
    await resolvedReview()
    expect(await dispatcher().runOnce()).toBe(0)
  })
})

describe('sending a test event', () => {
  interface TestResult {
    delivered: boolean
    delivery: DeliveryLog['deliveries'][number] & { event_type: string; status: string }
  }

  it('signs and sends a ping at once, reports the answer, and logs it once without retrying', async () => {
    const endpoint = await register()
    receiver.received = []
    receiver.answers = [204]
    const result = await json<TestResult>(
      admin.request('POST', `/admin/v1/webhooks/${endpoint.id}/test`),
      200,
    )
    expect(result.delivered).toBe(true)
    expect(result.delivery).toMatchObject({ event_type: 'ping', status: 'succeeded', attempts: 1 })
    expect(result.delivery.attempt_log).toEqual([
      expect.objectContaining({ attempt: 1, response_status: 204 }),
    ])

    expect(receiver.received).toHaveLength(1)
    const [arrived] = receiver.received
    const body = arrived?.body ?? ''
    expect(
      verifySignature(endpoint.secret, String(arrived?.headers['tollgate-signature']), body, 300, Date.now()),
    ).toBe(true)
    const event = JSON.parse(body)
    expect(event).toMatchObject({ type: 'ping', data: { webhook_id: endpoint.id, sent_by: admin.email } })
    expect(arrived?.headers['tollgate-event-type']).toBe('ping')
    expect(arrived?.headers['tollgate-delivery-id']).toBe(result.delivery.id)

    const log = await json<DeliveryLog>(
      admin.request('GET', `/admin/v1/webhooks/${endpoint.id}/deliveries`),
      200,
    )
    expect(log.deliveries.map((d) => d.id)).toEqual([result.delivery.id])
    // the poller has nothing to send again
    clock = new Date(Date.now() + 86_400_000)
    expect(await dispatcher().runOnce()).toBe(0)
    expect(receiver.received).toHaveLength(1)
    await json(admin.request('DELETE', `/admin/v1/webhooks/${endpoint.id}`), 204)
  })

  it('reports a receiver answering 500 and a closed port as failed, with what went wrong', async () => {
    const endpoint = await register()
    receiver.answers = [500]
    const refused = await json<TestResult>(
      admin.request('POST', `/admin/v1/webhooks/${endpoint.id}/test`),
      200,
    )
    expect(refused.delivered).toBe(false)
    expect(refused.delivery).toMatchObject({
      status: 'failed',
      attempts: 1,
      max_attempts: 1,
      next_attempt_at: null,
    })
    expect(refused.delivery.attempt_log[0]).toMatchObject({
      response_status: 500,
      response_excerpt: 'receiver is down',
    })

    // a port nobody listens on: the server of a receiver that has just stopped
    const gone = new Receiver()
    await gone.start()
    await gone.stop()
    const closed = await register(gone.url)
    const unreachable = await json<TestResult>(
      admin.request('POST', `/admin/v1/webhooks/${closed.id}/test`),
      200,
    )
    expect(unreachable.delivered).toBe(false)
    expect(unreachable.delivery.attempt_log[0]).toMatchObject({ response_status: null })
    expect(unreachable.delivery.attempt_log[0]?.error).toMatch(/fetch failed|ECONNREFUSED/)
    for (const id of [endpoint.id, closed.id])
      await json(admin.request('DELETE', `/admin/v1/webhooks/${id}`), 204)
  })

  it('is recorded in the audit log', async () => {
    const endpoint = await register()
    await json(admin.request('POST', `/admin/v1/webhooks/${endpoint.id}/test`), 200)
    const audit = await json<{ entries: { action: string; entity_id: string; actor: { email: string } }[] }>(
      admin.request('GET', `/admin/v1/audit?entity_type=webhook&entity_id=${endpoint.id}`),
      200,
    )
    expect(audit.entries[0]).toMatchObject({ action: 'webhook.tested', actor: { email: admin.email } })
    await json(admin.request('DELETE', `/admin/v1/webhooks/${endpoint.id}`), 204)
  })

  it('is refused to a viewer and an analyst, and for another tenant’s, a deleted or an unknown endpoint', async () => {
    const endpoint = await register()
    receiver.received = []
    const viewer = await staffClient(t, 'acme', 'viewer')
    for (const who of [viewer, analyst])
      await json(who.request('POST', `/admin/v1/webhooks/${endpoint.id}/test`), 403)
    await json(globexAdmin.request('POST', `/admin/v1/webhooks/${endpoint.id}/test`), 404)
    await json(admin.request('POST', '/admin/v1/webhooks/whk_nope/test'), 404)
    await json(admin.request('DELETE', `/admin/v1/webhooks/${endpoint.id}`), 204)
    await json(admin.request('POST', `/admin/v1/webhooks/${endpoint.id}/test`), 404)
    // without the CSRF token a signed-in admin's browser cannot be made to send one
    await json(
      admin.request('POST', `/admin/v1/webhooks/${endpoint.id}/test`, undefined, { csrf: null }),
      403,
    )
    expect(receiver.received).toHaveLength(0)
  })
})

describe('verifySignature', () => {
  const secret = 'whsec_test'
  const body = '{"id":"evt_1","type":"decision.resolved"}'
  const now = 1_800_000_000_000
  const t0 = now / 1000

  it('accepts the signature of the body at its timestamp', () => {
    expect(verifySignature(secret, signatureHeader(secret, t0, body), body, 300, now)).toBe(true)
  })
  it('accepts one matching v1 among several (secret rotation)', () => {
    const header = `${signatureHeader(secret, t0, body)},v1=${'0'.repeat(64)}`
    expect(verifySignature(secret, header, body, 300, now)).toBe(true)
  })
  it('refuses a changed body, a wrong secret, an old timestamp and garbage', () => {
    const header = signatureHeader(secret, t0, body)
    expect(verifySignature(secret, header, `${body} `, 300, now)).toBe(false)
    expect(verifySignature('whsec_other', header, body, 300, now)).toBe(false)
    expect(verifySignature(secret, signatureHeader(secret, t0 - 301, body), body, 300, now)).toBe(false)
    expect(verifySignature(secret, header.replace(/t=\d+/, `t=${t0 + 1}`), body, 300, now)).toBe(false)
    for (const garbage of [undefined, '', 'v1=abc', `t=${t0}`, 't=x,v1=zz'])
      expect(verifySignature(secret, garbage, body, 300, now)).toBe(false)
  })
  it('spreads retries: about 1 min, 5 min, 30 min, 2 h, with ±20% jitter', () => {
    expect([1, 2, 3, 4].map((a) => retryDelaySeconds(a, () => 0.5))).toEqual([60, 300, 1800, 7200])
    expect(retryDelaySeconds(1, () => 0)).toBe(48)
    expect(retryDelaySeconds(1, () => 1)).toBe(72)
    expect(retryDelaySeconds(50, () => 0.5)).toBe(86_400)
  })
})

// /admin/v1/campaigns: drafting, changing, starting, pausing and following a campaign through the
// console's API — problems naming the field, each role's boundary, another tenant's campaign never
// visible, and every change audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'
import { always, seedCustomer, seedOffer } from './support.ts'

let t: TestApp
let viewer: StaffClient
let editor: StaffClient
let publisher: StaffClient
let admin: StaffClient
let globexPublisher: StaffClient

beforeAll(async () => {
  t = await startTestApp()
  viewer = await staffClient(t, 'acme', 'viewer')
  editor = await staffClient(t, 'acme', 'editor')
  publisher = await staffClient(t, 'acme', 'publisher')
  admin = await staffClient(t, 'acme', 'admin')
  globexPublisher = await staffClient(t, 'globex', 'publisher')
  await seedOffer(t.db, 'acme', { id: 'off_reading' })
  await seedOffer(t.db, 'acme', { id: 'off_web_only', channels: ['web'] })
  await seedOffer(t.db, 'globex', { id: 'off_globex' })
  const now = new Date()
  for (let i = 0; i < 3; i++)
    await seedCustomer(
      t.db,
      'acme',
      {
        id: `cust-${i}`,
        phone: `+1555020000${i}`,
        purchases: Array.from({ length: i }, () => ({ amount: 1000, daysAgo: 2 })),
      },
      now,
    )
})
afterAll(() => t.close())

async function json<T = Record<string, unknown>>(
  res: Response | Promise<Response>,
  status: number,
): Promise<T> {
  const r = await res
  const text = await r.text()
  expect(r.status, text).toBe(status)
  return (text ? JSON.parse(text) : null) as T
}

interface Campaign {
  id: string
  name: string
  status: string
  channel: string
  pacing: { per_minute: number; max_concurrent: number }
  retries: { max_attempts: number; retry_minutes: number }
  suppression: { negative_lists: unknown; recent_contact_days: number; open_offer: boolean }
  progress: { total: number; open: number; by_status: Record<string, number> }
}
interface Problem {
  type: string
  detail?: string
  errors?: { field: string; message: string }[]
}

const draft = {
  name: 'Repeat buyers',
  offer_id: 'off_reading',
  channel: 'phone',
  audience: { all: [{ fact: 'purchases_30d', operator: 'greaterThanInclusive', value: 1 }] },
  windows: always,
}

describe('campaigns in the admin API', () => {
  let campaign: Campaign

  it('lets an editor draft a campaign with defaults, and a viewer read it with its progress', async () => {
    campaign = await json<Campaign>(editor.request('POST', '/admin/v1/campaigns', draft), 201)
    expect(campaign).toMatchObject({
      name: 'Repeat buyers',
      status: 'draft',
      channel: 'phone',
      pacing: { per_minute: 10, max_concurrent: 2 },
      retries: { max_attempts: 3, retry_minutes: 60 },
      suppression: { negative_lists: 'all', recent_contact_days: 7, open_offer: true },
      progress: { total: 0, open: 0, by_status: {} },
    })
    expect(campaign.id).toMatch(/^cmp_/)
    const read = await json<Campaign>(viewer.request('GET', `/admin/v1/campaigns/${campaign.id}`), 200)
    expect(read.name).toBe('Repeat buyers')
    const { campaigns } = await json<{ campaigns: Campaign[] }>(
      viewer.request('GET', '/admin/v1/campaigns'),
      200,
    )
    expect(campaigns.map((c) => c.id)).toContain(campaign.id)
  })

  it('serves the customer facts an audience may use', async () => {
    const { facts } = await json<{ facts: { name: string; operators: string[] }[] }>(
      viewer.request('GET', '/admin/v1/campaigns/audience-facts'),
      200,
    )
    expect(facts.map((f) => f.name)).toEqual(
      expect.arrayContaining(['purchases_30d', 'on_list', 'days_since_last_contact']),
    )
    expect(facts.find((f) => f.name === 'has_phone')?.operators).toEqual(['equal', 'notEqual'])
  })

  it('refuses bad input as problem+json naming each field', async () => {
    const res = await editor.request('POST', '/admin/v1/campaigns', {
      ...draft,
      audience: {
        all: [
          { fact: 'shoe_size', operator: 'equal', value: 9 },
          { fact: 'purchases_30d', operator: 'contains', value: 'x' },
        ],
      },
      windows: [{ days: ['mon'], from: '18:00', to: '09:00' }],
      pacing: { per_minute: 0, max_concurrent: 2 },
    })
    expect(res.headers.get('content-type')).toContain('application/problem+json')
    const problem = await json<Problem>(res, 422)
    expect(problem.type).toBe('urn:tollgate:problem:validation_failed')
    const fields = problem.errors?.map((e) => e.field)
    expect(fields).toEqual(expect.arrayContaining(['windows.0.to', 'pacing.per_minute']))

    const audience = await json<Problem>(
      editor.request('POST', '/admin/v1/campaigns', {
        ...draft,
        audience: {
          all: [
            { fact: 'shoe_size', operator: 'equal', value: 9 },
            { fact: 'purchases_30d', operator: 'contains', value: 'x' },
          ],
        },
      }),
      422,
    )
    expect(audience.errors?.map((e) => e.field)).toEqual([
      'audience.all.0.fact',
      'audience.all.1.operator',
      'audience.all.1.value',
    ])

    const offer = await json<Problem>(
      editor.request('POST', '/admin/v1/campaigns', { ...draft, offer_id: 'off_web_only' }),
      422,
    )
    expect(offer.errors).toEqual([
      expect.objectContaining({
        field: 'offer_id',
        message: 'the offer is not sold on the call_out channel',
      }),
    ])
    const email = await json<Problem>(
      editor.request('POST', '/admin/v1/campaigns', {
        ...draft,
        channel: 'email',
        email: {
          from: 'offers@acme.test',
          subject: 'Hello {{nmae}}',
          body: 'Take {{offer_name}}',
          accept_url: 'https://acme.test/offers/{presentation_id}',
        },
      }),
      422,
    )
    expect(email.errors?.map((e) => e.field)).toEqual(['email.subject'])
  })

  it('changes a draft, and nothing once it has started', async () => {
    const changed = await json<Campaign>(
      editor.request('PATCH', `/admin/v1/campaigns/${campaign.id}`, {
        pacing: { per_minute: 5, max_concurrent: 1 },
      }),
      200,
    )
    expect(changed.pacing).toEqual({ per_minute: 5, max_concurrent: 1 })
  })

  it('needs a publisher to start, turns the audience into contacts, and lets an editor pause it', async () => {
    const refused = await json<Problem>(
      editor.request('POST', `/admin/v1/campaigns/${campaign.id}/start`),
      403,
    )
    expect(refused.detail).toContain('publisher')
    const running = await json<Campaign>(
      publisher.request('POST', `/admin/v1/campaigns/${campaign.id}/start`),
      200,
    )
    expect(running.status).toBe('running')
    // customers 1 and 2 bought in the last 30 days
    expect(running.progress).toEqual({ total: 2, open: 2, by_status: { pending: 2 } })

    const { contacts } = await json<{ contacts: { customer_id: string; status: string; phone: string }[] }>(
      viewer.request('GET', `/admin/v1/campaigns/${campaign.id}/contacts`),
      200,
    )
    expect(contacts.map((c) => [c.customer_id, c.status]).sort()).toEqual([
      ['cust-1', 'pending'],
      ['cust-2', 'pending'],
    ])

    const late = await json<Problem>(
      editor.request('PATCH', `/admin/v1/campaigns/${campaign.id}`, { name: 'Renamed' }),
      409,
    )
    expect(late.detail).toContain('only a draft can change')
    await json(viewer.request('POST', `/admin/v1/campaigns/${campaign.id}/pause`), 403)
    const paused = await json<Campaign>(
      editor.request('POST', `/admin/v1/campaigns/${campaign.id}/pause`),
      200,
    )
    expect(paused.status).toBe('paused')
    expect(await t.services.campaigns.claimDue('bridge', 10)).toEqual([])
    await json(editor.request('POST', `/admin/v1/campaigns/${campaign.id}/pause`), 409)
    const resumed = await json<Campaign>(
      publisher.request('POST', `/admin/v1/campaigns/${campaign.id}/start`),
      200,
    )
    expect(resumed.progress.total).toBe(2)
    const claimed = await t.services.campaigns.claimDue('bridge', 10)
    // max_concurrent 1 since the change above
    expect(claimed).toHaveLength(1)
  })

  it('refuses an e-mail campaign where the deployer set no SMTP server', async () => {
    const mail = await json<Campaign>(
      editor.request('POST', '/admin/v1/campaigns', {
        ...draft,
        channel: 'email',
        windows: [],
        email: {
          from: 'offers@acme.test',
          subject: 'For you, {{name}}',
          body: '{{offer_name}} for {{price}}: {{accept_url}}',
          accept_url: 'https://acme.test/offers/{presentation_id}',
        },
      }),
      201,
    )
    const problem = await json<Problem>(
      publisher.request('POST', `/admin/v1/campaigns/${mail.id}/start`),
      409,
    )
    expect(problem.detail).toContain('SMTP_URL')
  })

  it('never shows or starts another tenant’s campaign', async () => {
    await json(globexPublisher.request('GET', `/admin/v1/campaigns/${campaign.id}`), 404)
    await json(globexPublisher.request('GET', `/admin/v1/campaigns/${campaign.id}/contacts`), 404)
    await json(globexPublisher.request('POST', `/admin/v1/campaigns/${campaign.id}/start`), 404)
    await json(globexPublisher.request('PATCH', `/admin/v1/campaigns/${campaign.id}`, { name: 'x' }), 404)
    const { campaigns } = await json<{ campaigns: Campaign[] }>(
      globexPublisher.request('GET', '/admin/v1/campaigns'),
      200,
    )
    expect(campaigns).toEqual([])
    // nor offers another tenant's offer
    const problem = await json<Problem>(
      globexPublisher.request('POST', '/admin/v1/campaigns', { ...draft, offer_id: 'off_reading' }),
      422,
    )
    expect(problem.errors?.[0]?.field).toBe('offer_id')
  })

  it('asks for a session, and a viewer cannot draft', async () => {
    const anonymous = await t.app.request('/admin/v1/campaigns')
    expect(anonymous.status).toBe(401)
    await json(viewer.request('POST', '/admin/v1/campaigns', draft), 403)
  })

  it('audits every change with who and what', async () => {
    const { entries } = await json<{
      entries: { action: string; actor: { email: string | null }; after: Record<string, unknown> | null }[]
    }>(admin.request('GET', `/admin/v1/audit?entity_type=campaign&entity_id=${campaign.id}`), 200)
    expect(entries.map((e) => e.action).sort()).toEqual([
      'campaign.created',
      'campaign.paused',
      'campaign.resumed',
      'campaign.started',
      'campaign.updated',
    ])
    const start = entries.find((e) => e.action === 'campaign.started')
    expect(start?.actor.email).toBe(publisher.email)
    expect(start?.after).toMatchObject({ status: 'running', contacts: { pending: 2, suppressed: 0 } })
  })
})

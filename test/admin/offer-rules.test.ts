// Offer and treatment rules through the admin API: the rule builder's catalog offers the treatment
// event and the enrichment facts; a draft whose offer or treatment params do not fit is saved with
// every problem named by its field, and refused at publishing as application/problem+json; a viewer
// cannot draft one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'

let t: TestApp
let viewer: StaffClient
let editor: StaffClient
let publisher: StaffClient
const base = '/admin/v1/rule-sets'

beforeAll(async () => {
  t = await startTestApp()
  viewer = await staffClient(t, 'acme', 'viewer')
  editor = await staffClient(t, 'acme', 'editor')
  publisher = await staffClient(t, 'acme', 'publisher')
})
afterAll(() => t.close())

const definition = {
  settings: { currency: 'USD', offers: { max_per_contact: 2, control_percent: 10 } },
  rules: [
    {
      id: 'both',
      name: 'Offer by SKU and tag at once',
      conditions: { all: [] },
      event: { type: 'offer', params: { sku: 'gift-card-25', tag: 'gift' } },
    },
    {
      id: 'loud',
      name: 'A style that does not exist',
      conditions: { all: [{ fact: 'demographic_age_band', operator: 'equal', value: '65+' }] },
      event: { type: 'treatment', params: { style: 'loud', message: 'seniors' } },
    },
    {
      id: 'interest',
      name: 'An interest fact without its interest',
      conditions: { all: [{ fact: 'demographic_interest', operator: 'equal', value: true }] },
      event: { type: 'offer', params: { tag: 'goods' } },
    },
  ],
}

describe('offer and treatment rules in the admin API', () => {
  it('are offered by the rule builder’s catalog, with the enrichment facts', async () => {
    const res = await viewer.request('GET', '/admin/v1/facts')
    expect(res.status).toBe(200)
    const catalog = (await res.json()) as {
      facts: { name: string }[]
      events: { type: string; params: { properties?: Record<string, unknown> } }[]
    }
    const names = catalog.facts.map((f) => f.name)
    expect(names).toEqual(
      expect.arrayContaining(['demographic_age_band', 'card_tier', 'payment_method_stored']),
    )
    const offer = catalog.events.find((e) => e.type === 'offer')
    expect(Object.keys(offer?.params.properties ?? {})).toEqual(['sku', 'tag', 'weight', 'message'])
    const treatment = catalog.events.find((e) => e.type === 'treatment')
    expect(Object.keys(treatment?.params.properties ?? {})).toEqual([
      'style',
      'pace',
      'language',
      'segment',
      'message',
    ])
  })

  it('name every offending field of a draft and refuse to publish it', async () => {
    const created = await editor.request('POST', base, { id: 'offers', name: 'Offers' })
    expect(created.status, await created.clone().text()).toBe(201)
    const saved = await editor.request('PUT', `${base}/offers/versions/1`, { definition })
    expect(saved.status, await saved.clone().text()).toBe(200)
    const body = (await saved.json()) as { valid: boolean; problems: { field: string }[] }
    expect(body.valid).toBe(false)
    expect(body.problems.map((p) => p.field)).toEqual([
      'rules.0.event.params.sku',
      'rules.1.event.params.style',
      'rules.2.conditions.all.0.params.interest',
    ])
    const refused = await publisher.request('POST', `${base}/offers/versions/1/publish`, {})
    expect(refused.status).toBe(422)
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    const problem = (await refused.json()) as { type: string; errors: { field: string }[] }
    expect(problem.type).toBe('urn:tollgate:problem:invalid_rule_set')
    expect(problem.errors.map((e) => e.field)).toContain('rules.0.event.params.sku')

    // the offers' settings are checked too: more than ten offers per contact, half held out
    const settings = await editor.request('PUT', `${base}/offers/versions/1`, {
      definition: {
        ...definition,
        settings: { currency: 'USD', offers: { max_per_contact: 11, control_percent: 51 } },
      },
    })
    const checked = (await settings.json()) as { problems: { field: string }[] }
    expect(checked.problems.map((p) => p.field)).toEqual([
      'settings.offers.max_per_contact',
      'settings.offers.control_percent',
    ])
  })

  it('cannot be drafted by a viewer', async () => {
    const res = await viewer.request('PUT', `${base}/offers/versions/1`, { definition })
    expect(res.status).toBe(403)
  })
})

// Lists end to end: staff add, search, remove and import entries through /admin/v1, and live
// POST /v1/authorizations decisions see them — IP ranges, e-mail domains, expiry, removal, and the
// shared lists across tenants without either tenant learning who the other is.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RuleSetDefinitionInput } from '../../rules/schema.ts'
import { demoRuleSet } from '../../server/tenants/demo-rule-set.ts'
import { createTenant } from '../../server/tenants/tenants.ts'
import { purchase, startTestApp, type TestApp } from '../support/app.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'

// the demo rule set blocks negative phone, ip and card; these add the other subjects
const ruleSet: RuleSetDefinitionInput = {
  ...demoRuleSet,
  rules: [
    ...demoRuleSet.rules,
    ...(['email_domain', 'address', 'name'] as const).map((subject) => ({
      id: `negative-${subject}`,
      name: `Negative list: ${subject}`,
      priority: 10,
      enabled: true,
      conditions: {
        all: [{ fact: 'list_hit', params: { list: 'negative', subject }, operator: 'equal', value: true }],
      },
      event: {
        type: 'block' as const,
        params: {
          reason_code: `negative_list.${subject}`,
          message: `The ${subject} is on the negative list`,
        },
      },
    })),
  ],
}

let t: TestApp
let viewer: StaffClient
let analyst: StaffClient
let editor: StaffClient
let admin: StaffClient
let globexAnalyst: StaffClient
let globexAdmin: StaffClient
let customerSeq = 0

interface Entry {
  id: string
  subject: string
  value: string
  reason: string
  status: string
  added_at: string
  removed_at: string | null
}

beforeAll(async () => {
  t = await startTestApp({ ruleSet })
  viewer = await staffClient(t, 'acme', 'viewer')
  analyst = await staffClient(t, 'acme', 'analyst')
  editor = await staffClient(t, 'acme', 'editor')
  admin = await staffClient(t, 'acme', 'admin')
  globexAnalyst = await staffClient(t, 'globex', 'analyst', 'analyst@globex-corp.test')
  globexAdmin = await staffClient(t, 'globex', 'admin', 'admin@globex-corp.test')
})
afterAll(() => t.close())

/** A purchase by a fresh customer, so the demo allowances never get in the way. */
async function decide(overrides: Record<string, unknown> = {}, key?: string) {
  customerSeq++
  const base = purchase()
  const body = {
    ...base,
    // a small amount, so the demo's monthly money allowance never limits the same card
    amount: { value: 100, currency: 'USD' },
    customer: { ...base.customer, id: `c-lists-${customerSeq}` },
    ...overrides,
  }
  const res = await t.post('/v1/authorizations', body, { key })
  const text = await res.text()
  expect(res.status, text).toBe(201)
  return { text, body: JSON.parse(text) as { id: string; outcome: string; reasons: { rule: string }[] } }
}

async function add(client: StaffClient, listId: string, body: Record<string, unknown>) {
  return client.request('POST', `/admin/v1/lists/${listId}/entries`, { reason: 'test', ...body })
}

async function added(client: StaffClient, listId: string, body: Record<string, unknown>): Promise<Entry> {
  const res = await add(client, listId, body)
  const text = await res.text()
  expect(res.status, text).toBe(201)
  return JSON.parse(text) as Entry
}

async function entries(client: StaffClient, listId: string, query = '') {
  const res = await client.request('GET', `/admin/v1/lists/${listId}/entries?${query}`)
  expect(res.status).toBe(200)
  return (await res.json()) as { entries: Entry[]; next_cursor: string | null }
}

function csvRequest(client: StaffClient, path: string, body: string, type = 'text/csv') {
  return t.app.request(path, {
    method: 'POST',
    headers: { cookie: client.cookie, 'x-csrf-token': client.csrf, 'content-type': type },
    body,
  })
}

interface ImportBody {
  id: string
  status: string
  progress: number
  total_rows: number
  accepted: number
  duplicates: number
  rejected: number
  rejections: { line: number; message: string }[]
  error: string | null
}

async function waitForImport(listId: string, importId: string, seen: ImportBody[] = []): Promise<ImportBody> {
  for (;;) {
    const res = await viewer.request('GET', `/admin/v1/lists/${listId}/imports/${importId}`)
    expect(res.status).toBe(200)
    const body = (await res.json()) as ImportBody
    seen.push(body)
    if (body.status === 'completed' || body.status === 'failed') return body
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('keeping a list', () => {
  it('lets an analyst add and a viewer only read', async () => {
    expect((await add(viewer, 'negative', { subject: 'phone', value: '+15555550142' })).status).toBe(403)
    const entry = await added(analyst, 'negative', { subject: 'phone', value: '(555) 555-0142' })
    expect(entry).toMatchObject({ subject: 'phone', value: '+15555550142', status: 'active', reason: 'test' })
    expect((await viewer.request('POST', '/admin/v1/lists', { name: 'Nope', kind: 'negative' })).status).toBe(
      403,
    )
    const created = await editor.request('POST', '/admin/v1/lists', {
      id: 'vip',
      name: 'VIP',
      kind: 'positive',
    })
    expect(created.status).toBe(201)
    const lists = (await (await viewer.request('GET', '/admin/v1/lists')).json()) as {
      lists: { id: string; shared: boolean; active_entries: number }[]
    }
    expect(lists.lists.map((l) => l.id)).toEqual(expect.arrayContaining(['negative', 'positive', 'vip']))
    expect(lists.lists.some((l) => l.shared)).toBe(false)
  })

  it('normalizes every subject and refuses invalid values naming the field, storing nothing', async () => {
    const cases: [string, string, string][] = [
      ['ip', '192.0.2.77/24', '192.0.2.0/24'],
      ['ip', '2001:DB8:0:0::1', '2001:db8::1'],
      ['bin', '424242', '424242'],
      ['email', 'Mallory@Example.COM', 'mallory@example.com'],
      ['email_domain', '@Fraud.Example', 'fraud.example'],
      ['address', 'us | 94 107 |  12   MAIN st', 'us|94107|12 main st'],
      ['name', '  Mallory   O. Smith ', 'mallory o smith'],
      ['device', 'dev-1', 'dev-1'],
      ['customer', 'c-900', 'c-900'],
    ]
    for (const [subject, value, stored] of cases)
      expect((await added(analyst, 'vip', { subject, value })).value, `${subject} ${value}`).toBe(stored)

    const before = (await entries(viewer, 'vip', 'include_removed=true&limit=500')).entries.length
    for (const [subject, value] of [
      ['phone', 'call me'],
      ['ip', '10.0.0.0/33'],
      ['ip', '300.1.1.1'],
      ['bin', '42424'],
      ['email', 'not-an-email'],
      ['email_domain', 'localhost'],
      ['card', '4242424242424242'],
      ['address', '12 Main St'],
    ]) {
      const res = await add(analyst, 'vip', { subject, value })
      expect(res.status, `${subject} ${value}`).toBe(422)
      expect((await res.json()).errors[0].field).toBe('value')
    }
    expect((await add(analyst, 'vip', { subject: 'planet', value: 'mars' })).status).toBe(422)
    const past = await add(analyst, 'vip', {
      subject: 'device',
      value: 'd-x',
      expires_at: '2020-01-01T00:00:00Z',
    })
    expect(past.status).toBe(422)
    expect((await past.json()).errors[0].field).toBe('expires_at')
    expect((await entries(viewer, 'vip', 'include_removed=true&limit=500')).entries.length).toBe(before)
    // the same value twice is a conflict, not a second row
    expect((await add(analyst, 'vip', { subject: 'device', value: 'dev-1' })).status).toBe(409)
  })

  it('searches, removes with history, and shows the list as it was at any time', async () => {
    const entry = await added(analyst, 'negative', { subject: 'email', value: 'history@example.com' })
    await new Promise((resolve) => setTimeout(resolve, 30))
    const removed = await analyst.request('DELETE', `/admin/v1/lists/negative/entries/${entry.id}`)
    expect(removed.status).toBe(200)
    const removedBody = (await removed.json()) as Entry & { removed_by: string }
    expect(removedBody.status).toBe('removed')
    expect(removedBody.removed_by).toBe(analyst.userId)
    expect((await analyst.request('DELETE', `/admin/v1/lists/negative/entries/${entry.id}`)).status).toBe(409)

    expect((await entries(viewer, 'negative', 'q=history')).entries).toEqual([])
    const withRemoved = await entries(viewer, 'negative', 'q=HISTORY&include_removed=true')
    expect(withRemoved.entries.map((e) => [e.id, e.status])).toEqual([[entry.id, 'removed']])

    const addedAt = new Date(entry.added_at).getTime()
    const removedAt = new Date(removedBody.removed_at ?? '').getTime()
    const between = new Date((addedAt + removedAt) / 2).toISOString()
    const then = await entries(viewer, 'negative', `subject=email&as_of=${encodeURIComponent(between)}`)
    expect(then.entries.map((e) => [e.id, e.status])).toEqual([[entry.id, 'active']])
    const before = new Date(addedAt - 1).toISOString()
    expect(
      (await entries(viewer, 'negative', `q=history&as_of=${encodeURIComponent(before)}`)).entries,
    ).toEqual([])

    const audit = await t.db
      .selectFrom('audit_log')
      .select('action')
      .where('tenant_id', '=', 'acme')
      .where('entity_id', '=', entry.id)
      .execute()
    expect(audit.map((a) => a.action).sort()).toEqual(['list_entry.added', 'list_entry.removed'])
  })

  it('pages with a cursor', async () => {
    const first = await entries(viewer, 'vip', 'limit=4')
    expect(first.entries).toHaveLength(4)
    expect(first.next_cursor).not.toBeNull()
    const second = await entries(viewer, 'vip', `limit=4&cursor=${first.next_cursor}`)
    expect(second.entries.map((e) => e.id)).not.toContain(first.entries[0]?.id)
    expect((await viewer.request('GET', '/admin/v1/lists/vip/entries?cursor=garbage')).status).toBe(422)
  })

  it('keeps another tenant’s lists out of reach', async () => {
    const entry = await added(analyst, 'vip', { subject: 'customer', value: 'c-secret' })
    expect((await globexAnalyst.request('GET', '/admin/v1/lists/vip/entries')).status).toBe(404)
    expect((await add(globexAnalyst, 'vip', { subject: 'customer', value: 'c-1' })).status).toBe(404)
    expect(
      (await globexAnalyst.request('DELETE', `/admin/v1/lists/negative/entries/${entry.id}`)).status,
    ).toBe(404)
    expect((await globexAnalyst.request('GET', '/admin/v1/lists/vip/export.csv')).status).toBe(404)
    expect((await globexAnalyst.request('GET', '/admin/v1/lists/shared:negative/entries')).status).toBe(404)
  })
})

describe('lists in live decisions', () => {
  it('blocks an address inside a negative CIDR range and not one outside it', async () => {
    await added(analyst, 'negative', { subject: 'ip', value: '192.0.2.0/24' })
    await added(analyst, 'negative', { subject: 'ip', value: '2001:db8:bad::/48' })
    const inside = await decide({ network: { ip: '192.0.2.200', device_id: 'd-1' } })
    expect(inside.body.outcome).toBe('block')
    expect(inside.body.reasons.map((r) => r.rule)).toContain('negative-ip')
    const inside6 = await decide({ network: { ip: '2001:db8:bad:1::5' } })
    expect(inside6.body.outcome).toBe('block')
    expect((await decide({ network: { ip: '192.0.3.1' } })).body.outcome).toBe('approve')
    expect((await decide({ network: { ip: '2001:db8:bae::1' } })).body.outcome).toBe('approve')

    const detail = await viewer.request('GET', `/admin/v1/decisions/${inside.body.id}`)
    const facts = ((await detail.json()) as { facts: { fact: string; params: unknown; value: unknown }[] })
      .facts
    expect(facts).toContainEqual({
      fact: 'list_hit',
      params: { list: 'negative', subject: 'ip' },
      value: true,
    })
  })

  it('blocks a negative e-mail domain, address and name', async () => {
    await added(analyst, 'negative', { subject: 'email_domain', value: 'burner.example' })
    const domain = await decide({ customer: { id: 'c-dom', email: 'x@Burner.Example' } })
    expect(domain.body.reasons.map((r) => r.rule)).toContain('negative-email_domain')
    expect((await decide({ customer: { id: 'c-dom2', email: 'x@fine.example' } })).body.outcome).toBe(
      'approve',
    )

    await added(analyst, 'negative', { subject: 'address', value: 'US|10001|1 Drop   Box Ln' })
    const address = await decide({
      payment_method: {
        type: 'card',
        card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' },
        billing_address: { line1: '1 drop box ln', postal_code: '10001', country: 'US' },
      },
    })
    expect(address.body.reasons.map((r) => r.rule)).toContain('negative-address')

    await added(analyst, 'negative', { subject: 'name', value: 'Mallory Smith' })
    const name = await decide({ customer: { id: 'c-name', name: 'mallory  SMITH' } })
    expect(name.body.reasons.map((r) => r.rule)).toContain('negative-name')
  })

  it('stops blocking once an entry is removed', async () => {
    const entry = await added(analyst, 'negative', { subject: 'phone', value: '+15555550177' })
    const network = { ip: '198.51.100.9', ani: '+15555550177' }
    expect((await decide({ network })).body.outcome).toBe('block')
    expect((await analyst.request('DELETE', `/admin/v1/lists/negative/entries/${entry.id}`)).status).toBe(200)
    expect((await decide({ network })).body.outcome).toBe('approve')
  })

  it('stops blocking once an entry expires', async () => {
    const expiresAt = new Date(Date.now() + 1_500).toISOString()
    await added(analyst, 'negative', { subject: 'phone', value: '+15555550178', expires_at: expiresAt })
    const network = { ip: '198.51.100.9', ani: '+15555550178' }
    expect((await decide({ network })).body.outcome).toBe('block')
    await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 100))
    expect((await decide({ network })).body.outcome).toBe('approve')
    const listed = await entries(viewer, 'negative', 'q=0178&include_removed=true')
    expect(listed.entries.map((e) => e.status)).toEqual(['expired'])
    // adding it again closes the expired entry and starts a new one
    await added(analyst, 'negative', { subject: 'phone', value: '+15555550178' })
    expect((await decide({ network })).body.outcome).toBe('block')
  })
})

describe('shared lists', () => {
  const sharedPhone = '+15555550199'
  const network = { ip: '198.51.100.10', ani: sharedPhone }
  let contribution: Entry

  it('refuses the reserved tenant id', async () => {
    await expect(createTenant(t.db, { tenantId: 'shared', name: 'Sneaky' })).rejects.toThrow(/reserved/)
  })

  it('lets only admins opt in, and contributing needs the opt-in', async () => {
    expect(
      (await analyst.request('PUT', '/admin/v1/sharing', { reads_shared: true, contributes_shared: false }))
        .status,
    ).toBe(403)
    expect(await (await admin.request('GET', '/admin/v1/sharing')).json()).toEqual({
      reads_shared: false,
      contributes_shared: false,
    })
    const refused = await add(globexAnalyst, 'negative', {
      subject: 'phone',
      value: sharedPhone,
      contribute: true,
    })
    expect(refused.status).toBe(409)
    const put = await globexAdmin.request('PUT', '/admin/v1/sharing', {
      reads_shared: false,
      contributes_shared: true,
    })
    expect(put.status).toBe(200)
  })

  it('attributes a contribution to the contributing tenant', async () => {
    contribution = await added(globexAnalyst, 'negative', {
      subject: 'phone',
      value: sharedPhone,
      source: 'chargeback',
      reason: 'Globex Corp chargeback ticket GX-4471',
      contribute: true,
    })
    const shared = await t.db
      .selectFrom('list_entries')
      .selectAll()
      .where('tenant_id', '=', 'shared')
      .where('value', '=', sharedPhone)
      .execute()
    expect(shared).toHaveLength(1)
    expect(shared[0]).toMatchObject({
      list_id: 'negative',
      contributed_by: 'globex',
      origin_entry_id: contribution.id,
      added_by: globexAnalyst.userId,
      source: 'chargeback',
    })
  })

  it('does not block a tenant that has not opted in to read', async () => {
    expect((await decide({ network })).body.outcome).toBe('approve')
  })

  it('blocks a tenant that reads the shared lists, without exposing the contributor', async () => {
    expect(
      (await admin.request('PUT', '/admin/v1/sharing', { reads_shared: true, contributes_shared: false }))
        .status,
    ).toBe(200)
    const decision = await decide({ network })
    expect(decision.body.outcome).toBe('block')
    expect(decision.body.reasons.map((r) => r.rule)).toContain('negative-phone')

    const detail = await (await viewer.request('GET', `/admin/v1/decisions/${decision.body.id}`)).text()
    expect(JSON.parse(detail).facts).toContainEqual({
      fact: 'list_hit',
      params: { list: 'negative', subject: 'phone' },
      value: true,
    })
    const matches = await (
      await viewer.request('GET', `/admin/v1/list-matches?decision_id=${decision.body.id}`)
    ).text()
    const sharedMatches = (JSON.parse(matches) as { matches: { shared: boolean }[] }).matches.filter(
      (m) => m.shared,
    )
    expect(sharedMatches).toEqual([
      expect.objectContaining({
        list_id: 'shared:negative',
        list_name: 'Shared negative list',
        shared: true,
        subject: 'phone',
        value: sharedPhone,
        reason: null,
        category: 'chargeback',
        contributed_by: 'another member',
      }),
    ])
    for (const text of [decision.text, detail, matches]) {
      for (const secret of ['globex', 'Globex', 'GX-4471', globexAnalyst.userId, contribution.id])
        expect(text, secret).not.toContain(secret)
    }
    const lists = (await (await viewer.request('GET', '/admin/v1/lists')).json()) as {
      lists: { id: string; shared: boolean }[]
    }
    expect(
      lists.lists
        .filter((l) => l.shared)
        .map((l) => l.id)
        .sort(),
    ).toEqual(['shared:negative', 'shared:positive'])

    // the contributor sees its own contribution as its own
    const own = (await (
      await globexAnalyst.request(
        'GET',
        `/admin/v1/list-matches?subject=phone&value=${encodeURIComponent(sharedPhone)}`,
      )
    ).json()) as { matches: { shared: boolean; contributed_by: string | null; reason: string | null }[] }
    expect(own.matches).toEqual([expect.objectContaining({ shared: false, contributed_by: null })])
  })

  it('withdraws the shared copy when the contributor removes its entry', async () => {
    const res = await globexAnalyst.request('DELETE', `/admin/v1/lists/negative/entries/${contribution.id}`)
    expect(res.status).toBe(200)
    expect((await decide({ network })).body.outcome).toBe('approve')
  })

  it('contributes an existing entry on request', async () => {
    const entry = await added(globexAnalyst, 'negative', { subject: 'ip', value: '203.0.113.128/25' })
    const res = await globexAnalyst.request(
      'POST',
      `/admin/v1/lists/negative/entries/${entry.id}/contribute`,
      {},
    )
    expect(res.status).toBe(201)
    expect((await res.json()).shared_list_id).toBe('shared:negative')
    expect((await decide({ network: { ip: '203.0.113.200' } })).body.outcome).toBe('block')
    expect((await decide({ network: { ip: '203.0.113.100' } })).body.outcome).toBe('approve')
  })
})

describe('CSV import and export', () => {
  const ROWS = 100_000
  const bad = new Map<number, string>([
    [2 + 10, 'phone,not a phone,,'],
    [2 + 5_000, 'ip,10.0.0.0/40,,'],
    [2 + 50_000, 'planet,mars,,'],
    [2 + 99_998, 'email,nobody,,'],
    [2 + 77_777, 'bin,123,,2030-01-01'],
    [2 + 33_333, 'device,dev-x,,yesterday'],
  ])

  it('imports 100,000 rows in batches, showing progress and reporting exactly the bad lines', async () => {
    expect(
      (await editor.request('POST', '/admin/v1/lists', { id: 'bulk', name: 'Bulk', kind: 'negative' }))
        .status,
    ).toBe(201)
    const lines = ['subject,value,reason,expires_at']
    for (let i = 0; i < ROWS; i++) {
      const line = i + 2
      const row = bad.get(line)
      if (row) lines.push(row)
      else if (i % 4 === 0) lines.push(`email,user${i}@bulk.example,"bulk, row ${i}",`)
      else if (i % 4 === 1) lines.push(`device,dev-${i},,2099-01-01T00:00:00Z`)
      else if (i % 4 === 2) lines.push(`customer,cust-${i},,`)
      else lines.push(`ip,10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255},,`)
    }
    const csv = `${lines.join('\n')}\n`
    expect(csv.length).toBeGreaterThan(1024 * 1024)

    expect((await csvRequest(viewer, '/admin/v1/lists/bulk/imports', csv)).status).toBe(403)
    expect((await csvRequest(analyst, '/admin/v1/lists/bulk/imports', '{}', 'application/json')).status).toBe(
      415,
    )

    const started = performance.now()
    const res = await csvRequest(analyst, '/admin/v1/lists/bulk/imports', csv)
    expect(res.status, await res.clone().text()).toBe(202)
    const job = (await res.json()) as ImportBody
    const seen: ImportBody[] = []
    const done = await waitForImport('bulk', job.id, seen)
    const seconds = (performance.now() - started) / 1000
    console.log(
      `[lists] imported ${ROWS} rows in ${seconds.toFixed(1)} s (${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`,
    )

    expect(done).toMatchObject({
      status: 'completed',
      progress: 1,
      total_rows: ROWS,
      rejected: bad.size,
      duplicates: 0,
    })
    expect(done.accepted).toBe(ROWS - bad.size)
    expect(done.rejections.map((r) => r.line)).toEqual([...bad.keys()].sort((a, b) => a - b))
    expect(done.rejections.find((r) => r.line === 12)?.message).toMatch(/^value is not a phone number/)
    expect(done.rejections.find((r) => r.line === 2 + 50_000)?.message).toMatch(/^subject "planet"/)
    // progress was visible while it ran, and only went forward
    const midway = seen.filter((s) => s.status === 'running' && s.progress > 0 && s.progress < 1)
    expect(midway.length).toBeGreaterThan(0)
    const progress = seen.map((s) => s.accepted)
    expect(progress).toEqual([...progress].sort((a, b) => a - b))

    const lists = (await (await viewer.request('GET', '/admin/v1/lists')).json()) as {
      lists: { id: string; active_entries: number }[]
    }
    expect(lists.lists.find((l) => l.id === 'bulk')?.active_entries).toBe(ROWS - bad.size)
    // every negative list counts, imported ones too: row 3 of the file is 10.0.0.3
    expect((await decide({ network: { ip: '10.0.0.3' } })).body.outcome).toBe('block')
  }, 120_000)

  it('exports the active entries as a stream that imports back to the same list', async () => {
    expect(
      (await editor.request('POST', '/admin/v1/lists', { id: 'small', name: 'Small', kind: 'positive' }))
        .status,
    ).toBe(201)
    await added(analyst, 'small', { subject: 'email', value: 'a@example.com', reason: 'says "hi", twice' })
    await added(analyst, 'small', { subject: 'ip', value: '192.0.2.0/28', reason: 'office\nnetwork' })
    await added(analyst, 'small', {
      subject: 'device',
      value: 'dev-9',
      expires_at: '2099-05-01T00:00:00.000Z',
    })
    const gone = await added(analyst, 'small', { subject: 'customer', value: 'c-gone' })
    await analyst.request('DELETE', `/admin/v1/lists/small/entries/${gone.id}`)

    const exported = await viewer.request('GET', '/admin/v1/lists/small/export.csv')
    expect(exported.status).toBe(200)
    expect(exported.headers.get('content-type')).toMatch(/^text\/csv/)
    const csv = await exported.text()
    expect(csv.split('\n')[0]).toBe('subject,value,reason,expires_at,source,added_by,added_at')
    expect(csv).not.toContain('c-gone')

    expect(
      (await editor.request('POST', '/admin/v1/lists', { id: 'copy', name: 'Copy', kind: 'positive' }))
        .status,
    ).toBe(201)
    const res = await csvRequest(analyst, '/admin/v1/lists/copy/imports', csv)
    expect(res.status).toBe(202)
    const done = await waitForImport('copy', ((await res.json()) as ImportBody).id)
    expect(done).toMatchObject({ status: 'completed', accepted: 3, rejected: 0 })

    const shape = async (listId: string) =>
      (await entries(viewer, listId)).entries
        .map((e) => [e.subject, e.value, e.reason, (e as Entry & { expires_at: string | null }).expires_at])
        .sort()
    expect(await shape('copy')).toEqual(await shape('small'))

    const big = await viewer.request('GET', '/admin/v1/lists/bulk/export.csv')
    const body = await big.text()
    expect(body.trimEnd().split('\n')).toHaveLength(ROWS - bad.size + 1)
  }, 60_000)

  it('fails a file without a header and keeps admin bodies at 1 MiB elsewhere', async () => {
    const res = await csvRequest(analyst, '/admin/v1/lists/small/imports', 'email,a@b.example\n')
    const done = await waitForImport('small', ((await res.json()) as ImportBody).id)
    expect(done.status).toBe('failed')
    expect(done.error).toMatch(/header/)
    const huge = await editor.request('POST', '/admin/v1/lists', {
      name: 'x',
      kind: 'negative',
      description: 'y'.repeat(2 * 1024 * 1024),
    })
    expect(huge.status).toBe(413)
  })
})

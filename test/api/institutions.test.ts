// Institutions and line types end to end: reference data staff load (prefixes and IP ranges, by
// hand or CSV), the demo rule set blocking prisons, pay phones and areas without ANI, the facts in a
// decision's explanation, and the data as it was at a decision's time for its replay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkFactSources } from '../../server/checks/sources.ts'
import { seedReferenceSamples } from '../../server/reference/samples.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'
import { authorize, type DecisionWithExplanation, newPerson, type Person, sessionBy } from './identities.ts'

let t: TestApp
let analyst: StaffClient
let viewer: StaffClient
beforeAll(async () => {
  t = await startTestApp()
  await seedReferenceSamples(t.db, 'acme')
  analyst = await staffClient(t, 'acme', 'analyst')
  viewer = await staffClient(t, 'acme', 'viewer')
})
afterAll(() => t.close())

function callFrom(person: Person, ani: string, ip?: string) {
  return sessionBy(person, {
    channel: 'phone',
    customer: { id: person.customerId },
    network: { ani, dnis: '+18005550199', ...(ip ? { ip } : {}) },
    entered: { phone: ani },
  })
}

async function explained(id: string): Promise<DecisionWithExplanation> {
  const response = await t.get(`/v1/decisions/${id}`)
  expect(response.status).toBe(200)
  return (await response.json()) as DecisionWithExplanation
}

function reading(d: DecisionWithExplanation, fact: string): unknown {
  return d.explanation.facts.find((f) => f.fact === fact)?.value
}

function csv(text: string) {
  return t.app.request('/admin/v1/reference/line-types/import', {
    method: 'POST',
    headers: { cookie: analyst.cookie, 'x-csrf-token': analyst.csrf, 'content-type': 'text/csv' },
    body: text,
  })
}

describe('calls from institutions', () => {
  it('blocks a prison number', async () => {
    const decision = await authorize(t, callFrom(newPerson(), '+12125550143'))
    expect(decision.outcome).toBe('block')
    expect(decision.reasons.map((r) => r.reason_code)).toContain('institution.phone')
    expect(reading(await explained(decision.id), 'line_type')).toBe('prison')
  })

  it('blocks a pay-phone ANI and a number in an area that cannot forward ANI', async () => {
    const payPhone = await authorize(t, callFrom(newPerson(), '+17185550111'))
    expect(payPhone.outcome).toBe('block')
    expect(reading(await explained(payPhone.id), 'line_type')).toBe('pay_phone')
    const noAniArea = await authorize(t, callFrom(newPerson(), '+19075550123'))
    expect(noAniArea.outcome).toBe('block')
    expect(reading(await explained(noAniArea.id), 'line_type')).toBe('no_ani_area')
  })

  it('lets a hospital, a cellular line and an unknown number through, the longest prefix deciding', async () => {
    const hospital = await authorize(t, callFrom(newPerson(), '+16175550199'))
    expect(hospital.outcome).toBe('approve')
    expect(reading(await explained(hospital.id), 'line_type')).toBe('hospital')
    // +16175550100 is a pay phone inside the hospital's +1617555
    const lobby = await authorize(t, callFrom(newPerson(), '+16175550100'))
    expect(lobby.outcome).toBe('block')
    expect(reading(await explained(lobby.id), 'line_type')).toBe('pay_phone')
    const unknown = await authorize(t, callFrom(newPerson(), '+14155550100'))
    expect(unknown.outcome).toBe('approve')
    expect(reading(await explained(unknown.id), 'line_type')).toBeNull()
  })

  it('shows an IP in a government range in the explanation, and blocks a prison network', async () => {
    const government = await authorize(t, callFrom(newPerson(), '+14155550101', '192.0.2.10'))
    expect(government.outcome).toBe('approve')
    expect(reading(await explained(government.id), 'ip_institution')).toBe('government')
    const prison = await authorize(t, callFrom(newPerson(), '+14155550102', '192.0.2.70'))
    expect(prison.outcome).toBe('block')
    expect(prison.reasons.map((r) => r.reason_code)).toContain('institution.ip')
  })

  it('does not read another tenant’s reference data', async () => {
    const decision = await authorize(t, callFrom(newPerson(), '+12125550144'), { key: t.otherKey })
    expect(decision.outcome).toBe('approve')
  })
})

describe('the reference data routes', () => {
  it('lists entries for a viewer, and refuses a viewer’s additions', async () => {
    const response = await viewer.request('GET', '/admin/v1/reference/line-types?kind=ip_range')
    expect(response.status).toBe(200)
    const { entries } = (await response.json()) as { entries: { value: string; category: string }[] }
    expect(entries).toContainEqual(expect.objectContaining({ value: '192.0.2.0/26', category: 'government' }))
    expect(entries.every((e) => !e.value.startsWith('+'))).toBe(true)
    const refused = await viewer.request('POST', '/admin/v1/reference/line-types', {
      kind: 'phone_prefix',
      value: '+1999',
      category: 'school',
    })
    expect(refused.status).toBe(403)
  })

  it('adds one entry, normalizing it, and the next call sees it; removing it keeps history', async () => {
    const person = newPerson()
    const added = await analyst.request('POST', '/admin/v1/reference/line-types', {
      kind: 'phone_prefix',
      value: '+1 (646) 555-01',
      category: 'prison',
      description: 'County jail',
    })
    expect(added.status).toBe(201)
    const entry = (await added.json()) as { id: string; value: string }
    expect(entry.value).toBe('+164655501')
    expect((await authorize(t, callFrom(person, '+16465550123'))).outcome).toBe('block')

    const removed = await analyst.request('DELETE', `/admin/v1/reference/line-types/${entry.id}`)
    expect(removed.status).toBe(200)
    expect((await authorize(t, callFrom(newPerson(), '+16465550124'))).outcome).toBe('approve')
    const again = await analyst.request('DELETE', `/admin/v1/reference/line-types/${entry.id}`)
    expect(again.status).toBe(404)
    const bad = await analyst.request('POST', '/admin/v1/reference/line-types', {
      kind: 'ip_range',
      value: '300.1.2.3/8',
      category: 'school',
    })
    expect(bad.status).toBe(422)
  })

  it('imports a CSV, reporting the rejected rows by line number', async () => {
    const response = await csv(
      [
        'kind,value,category,description',
        'phone_prefix,+1303555,prison,Detention center',
        'phone_prefix,not-a-prefix,prison,',
        'ip_range,198.18.0.0/15,school,Campus network',
        'ip_range,198.18.0.0/40,school,',
        'fax,+1404555,pbx,',
        'phone_prefix,+1404555,castle,',
        'ip_range,198.19.7.9/24,hospital,host bits are cleared',
      ].join('\n'),
    )
    const text = await response.text()
    expect(response.status, text).toBe(200)
    const result = JSON.parse(text) as {
      rows: number
      added: number
      rejected: number
      rejections: { line: number; message: string }[]
    }
    expect(result).toMatchObject({ rows: 7, added: 3, rejected: 4 })
    expect(result.rejections.map((r) => r.line)).toEqual([3, 5, 6, 7])
    expect(result.rejections[3]?.message).toMatch(/category/)

    const prison = await authorize(t, callFrom(newPerson(), '+13035550100'))
    expect(prison.outcome).toBe('block')
    const hospital = await authorize(t, callFrom(newPerson(), '+14155550103', '198.19.7.200'))
    // 198.19.7.0/24 is narrower than the school's 198.18.0.0/15
    expect(reading(await explained(hospital.id), 'ip_institution')).toBe('hospital')
  })

  it('refuses an import that is not text/csv or not readable CSV', async () => {
    const json = await analyst.request('POST', '/admin/v1/reference/line-types/import', { kind: 'x' })
    expect(json.status).toBe(415)
    const broken = await csv('kind,value,category\nphone_prefix,"+1555,prison\n')
    expect(broken.status).toBe(422)
  })

  it('imports BINs', async () => {
    const response = await t.app.request('/admin/v1/reference/bins/import', {
      method: 'POST',
      headers: { cookie: analyst.cookie, 'x-csrf-token': analyst.csrf, 'content-type': 'text/csv' },
      body: 'bin,funding,country\n411111,debit,US\n41111,gift,US\n4111111111,credit,US\n',
    })
    const result = (await response.json()) as { added: number; rejections: { line: number }[] }
    expect(result.added).toBe(1)
    expect(result.rejections.map((r) => r.line)).toEqual([3, 4])
  })
})

describe('as of a decision’s time', () => {
  it('a line type added after a decision does not change what its replay sees', async () => {
    const before = new Date()
    await new Promise((resolve) => setTimeout(resolve, 5))
    const added = await analyst.request('POST', '/admin/v1/reference/line-types', {
      kind: 'phone_prefix',
      value: '+1720555',
      category: 'prison',
    })
    expect(added.status).toBe(201)
    expect(
      await checkFactSources(t.db, 'acme', before).referenceCategory('phone_prefix', '+17205550100'),
    ).toBeNull()
    expect(
      await checkFactSources(t.db, 'acme', new Date()).referenceCategory('phone_prefix', '+17205550100'),
    ).toBe('prison')
    expect(await checkFactSources(t.db, 'acme', null).referenceCategory('phone_prefix', '+17205550100')).toBe(
      'prison',
    )
    // and a removal after the decision does not either
    const { id } = (await added.json()) as { id: string }
    const whileInForce = new Date()
    await new Promise((resolve) => setTimeout(resolve, 5))
    await analyst.request('DELETE', `/admin/v1/reference/line-types/${id}`)
    expect(
      await checkFactSources(t.db, 'acme', whileInForce).referenceCategory('phone_prefix', '+17205550100'),
    ).toBe('prison')
    expect(
      await checkFactSources(t.db, 'acme', null).referenceCategory('phone_prefix', '+17205550100'),
    ).toBeNull()
  })
})

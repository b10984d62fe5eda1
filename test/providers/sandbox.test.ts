// The SANDBOX providers' deterministic answers, as the demo and the end-to-end suite rely on them.
import { describe, expect, it } from 'vitest'
import { sandboxRoutes } from '../../server/providers/sandbox.ts'

const sandbox = sandboxRoutes()

async function ask(kind: string, query: unknown, attempt = 1) {
  const res = await sandbox.request(`/providers/${kind}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tollgate-attempt': String(attempt) },
    body: JSON.stringify({ query }),
  })
  return { status: res.status, body: (await res.json()) as { answer?: Record<string, unknown> } }
}

const person = {
  name: 'Ann Lee',
  email: 'ann@example.com',
  phone: '+12025550100',
  birth_date: '1980-04-02',
  address: { line1: '12 Main St', postal_code: '94107', country: 'US' },
}

describe('the sandbox providers', () => {
  it('place numbers by their last digits', async () => {
    expect((await ask('ani_line_type', { phone: '+12025550000' })).body.answer?.line_type).toBe('prison')
    expect((await ask('ani_line_type', { phone: '+12025551111' })).body.answer?.line_type).toBe('pay_phone')
    expect((await ask('ani_line_type', { phone: '+12025552222' })).body.answer).toMatchObject({
      line_type: 'cellular',
      ported: true,
    })
    expect((await ask('ani_line_type', { phone: '+12025550100' })).body.answer?.line_type).toBe('landline')
    expect((await ask('ani_line_type', { phone: '+12025559999' })).status).toBe(500)
  })

  it('verify people, except at unverified.example, and answer the same every time', async () => {
    const first = await ask('credit_bureau', person)
    expect(first.body.answer).toMatchObject({ identity_verified: true, address_match: 'full' })
    expect((await ask('credit_bureau', person)).body).toEqual(first.body)
    const unverified = await ask('credit_bureau', { ...person, email: 'x@unverified.example' })
    expect(unverified.body.answer).toMatchObject({ identity_verified: false, score_band: 'no_file' })
    expect((await ask('credit_bureau', { ...person, phone: '+12025559999' })).status).toBe(500)
  })

  it('fail a flaky e-mail on the first attempt only', async () => {
    const flaky = { ...person, email: 'flaky@example.com' }
    expect((await ask('credit_bureau', flaky, 1)).status).toBe(500)
    expect((await ask('credit_bureau', flaky, 2)).status).toBe(200)
  })

  it('approve, decline or flag accounts by their last four', async () => {
    const account = {
      routing_number: '011000015',
      account_last4: '6789',
      account_fingerprint: 'f',
      amount: null,
      name: null,
    }
    expect((await ask('check_approval', account)).body.answer?.result).toBe('approved')
    expect((await ask('check_approval', { ...account, account_last4: '0000' })).body.answer?.result).toBe(
      'declined',
    )
    expect((await ask('check_approval', { ...account, account_last4: '1111' })).body.answer?.result).toBe(
      'risk',
    )
  })

  it('refuse an unknown kind or a malformed query', async () => {
    expect((await ask('horoscope', {})).status).toBe(404)
    expect((await ask('ani_line_type', { number: 1 })).status).toBe(400)
  })
})

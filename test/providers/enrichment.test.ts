// The second data element (the upsell document): the demographics and card-issuer provider kinds —
// what each is asked (never a card number), the sandbox's deterministic answers, and their facts in
// the catalog the console's rule builder reads.
import { describe, expect, it } from 'vitest'
import { providerAnswerSchemas, providerKinds, providerQuery } from '../../rules/facts/providers.ts'
import { describeFactCatalog } from '../../rules/facts.ts'
import { sandboxRoutes } from '../../server/providers/sandbox.ts'
import { capturedRequest } from '../rules/support.ts'

const sandbox = sandboxRoutes()

async function ask(kind: string, query: unknown) {
  const res = await sandbox.request(`/providers/${kind}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  })
  return { status: res.status, body: (await res.json()) as { answer?: Record<string, unknown> } }
}

const person = { phone: '+12025550100', email: 'ann@example.com', name: 'Ann Lee', postal_code: '94107' }

describe('what the enrichment providers are asked', () => {
  it('demographics: the phone or ANI, the e-mail, or a name with a postal code — a name alone finds no one', () => {
    expect(providerQuery('demographics', capturedRequest())).toEqual({
      phone: '+15555550100',
      email: 'ann@example.com',
      name: 'Ann Lee',
      postal_code: '94107',
    })
    const caller = capturedRequest({ customer: { phone: null, email: null, name: null }, card: null })
    expect(providerQuery('demographics', caller)).toEqual({
      phone: '+15555550100',
      email: null,
      name: null,
      postal_code: null,
    })
    const nameOnly = capturedRequest({
      customer: { phone: null, email: null },
      network: { ani: null },
      card: null,
    })
    expect(providerQuery('demographics', nameOnly)).toBeNull()
  })

  it('card issuer: the BIN only, never the number; nothing without a card', () => {
    const query = providerQuery('card_issuer', capturedRequest())
    expect(query).toEqual({ bin: '424242' })
    expect(JSON.stringify(query)).not.toContain('4242424242424242')
    expect(providerQuery('card_issuer', capturedRequest({ card: null }))).toBeNull()
  })
})

describe('the sandbox enrichment providers', () => {
  it('describe a person the same way every time, with hints for the demo’s segments', async () => {
    const first = await ask('demographics', person)
    expect(first.status).toBe(200)
    expect(providerAnswerSchemas.demographics.safeParse(first.body.answer).success).toBe(true)
    expect(first.body.answer).toMatchObject({ found: true })
    expect((await ask('demographics', person)).body).toEqual(first.body)
    expect(
      (await ask('demographics', { ...person, email: 'senior.sam@example.com' })).body.answer,
    ).toMatchObject({
      age_band: '65+',
      occupation: 'retired',
      family_status: 'empty_nester',
    })
    expect(
      (await ask('demographics', { ...person, email: 'young.yu@example.com' })).body.answer,
    ).toMatchObject({
      age_band: '18-24',
      occupation: 'student',
    })
    expect(
      (await ask('demographics', { ...person, name: 'The Family Lee', email: null })).body.answer,
    ).toMatchObject({ family_status: 'married_with_children' })
    expect((await ask('demographics', { ...person, email: 'x@unlisted.example' })).body.answer).toMatchObject(
      {
        found: false,
        age_band: null,
        interests: [],
      },
    )
    expect((await ask('demographics', { ...person, phone: '+12025559999' })).status).toBe(500)
  })

  it('name the issuer and the card tier by the BIN', async () => {
    expect((await ask('card_issuer', { bin: '424242' })).body.answer).toEqual({
      issuer_name: 'Sandbox Visa Bank',
      designator: 'SBX-STD-4242',
      tier: 'standard',
      product: 'Sandbox Visa Standard',
    })
    expect((await ask('card_issuer', { bin: '555555' })).body.answer).toMatchObject({
      issuer_name: 'Sandbox Mastercard Bank',
      tier: 'gold',
    })
    expect((await ask('card_issuer', { bin: '400056' })).body.answer).toMatchObject({ tier: 'platinum' })
    expect((await ask('card_issuer', { bin: '999999' })).status).toBe(500)
    // a whole card number is not a BIN: refused, never looked up
    expect((await ask('card_issuer', { bin: '4242424242424242' })).status).toBe(400)
  })
})

describe('the fact catalog', () => {
  it('offers the enrichment facts to the rule builder', () => {
    const catalog = describeFactCatalog()
    const byName = new Map(catalog.map((f) => [f.name, f]))
    for (const name of [
      'demographic_age_band',
      'demographic_sex',
      'demographic_income_band',
      'demographic_occupation',
      'demographic_education',
      'demographic_family_status',
      'demographic_lifestyle',
      'card_issuer_name',
      'card_issuer_designator',
      'card_tier',
      'card_product',
    ])
      expect(byName.get(name), name).toMatchObject({ value_type: 'string' })
    expect(byName.get('demographic_interest')).toMatchObject({ value_type: 'boolean' })
    expect(JSON.stringify(byName.get('demographic_interest')?.params)).toContain('interest')
    expect(byName.get('payment_method_stored')).toMatchObject({ value_type: 'boolean' })
    // provider_status and provider_unavailable name the new kinds too
    expect(JSON.stringify(byName.get('provider_status')?.params)).toContain('card_issuer')
    expect(providerKinds).toContain('demographics')
  })
})

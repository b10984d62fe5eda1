// POST /v1/authorizations and GET /v1/decisions/{id} refusing what they cannot accept: every class of
// error is application/problem+json naming the field, a refused request stores nothing, and no
// input at all makes the server answer 500.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { purchase, startTestApp, type TestApp } from '../support/app.ts'
import { countRows, newPerson, problemOf, purchaseBy } from './identities.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp()
})
afterAll(() => t.close())

function post(body: string, headers: Record<string, string> = {}) {
  return t.app.request('/v1/authorizations', {
    method: 'POST',
    headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json', ...headers },
    body,
  })
}

/** The body with the value at path replaced (or removed, for undefined). */
function withValue(body: Record<string, unknown>, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(body) as Record<string | number, unknown>
  let node: Record<string | number, unknown> = copy
  for (const step of path.slice(0, -1)) {
    const next = node[step]
    if (typeof next !== 'object' || next === null) {
      node[step] = {}
    }
    node = node[step] as Record<string | number, unknown>
  }
  const last = path[path.length - 1]
  if (last === undefined) return value
  if (value === undefined) delete node[last]
  else node[last] = value
  return copy
}

const base = () => purchase({ items: [{ sku: 'reading-30', quantity: 1, unit_amount: 2500 }] })

describe('422: a field is invalid, and errors[] names it', () => {
  const cases: [title: string, path: (string | number)[], value: unknown, field: string][] = [
    ['a missing kind', ['kind'], undefined, 'kind'],
    ['a missing channel', ['channel'], undefined, 'channel'],
    ['an unknown kind', ['kind'], 'subscription', 'kind'],
    ['a channel of the wrong type', ['channel'], 7, 'channel'],
    ['an amount given as a string', ['amount', 'value'], '2500', 'amount.value'],
    ['an amount in major units (49.99)', ['amount', 'value'], 49.99, 'amount.value'],
    ['a negative amount', ['amount', 'value'], -1, 'amount.value'],
    ['a missing currency', ['amount', 'currency'], undefined, 'amount.currency'],
    ['a lowercase currency', ['amount', 'currency'], 'usd', 'amount.currency'],
    ['a currency that is no code', ['amount', 'currency'], 'DOLLARS', 'amount.currency'],
    ['an unknown field at the top', ['coupon'], 'FREE', 'coupon'],
    ['an unknown field inside customer', ['customer', 'ssn'], '078-05-1120', 'customer.ssn'],
    [
      'an unknown field inside the card',
      ['payment_method', 'card', 'pin'],
      '1234',
      'payment_method.card.pin',
    ],
    ['an invalid e-mail', ['customer', 'email'], 'ann-at-example.com', 'customer.email'],
    ['an invalid phone', ['customer', 'phone'], '12', 'customer.phone'],
    ['a phone made of letters', ['customer', 'phone'], 'call me maybe', 'customer.phone'],
    ['an invalid ANI', ['network', 'ani'], '+1', 'network.ani'],
    ['an invalid entered phone', ['entered', 'phone'], '555', 'entered.phone'],
    ['an invalid IP', ['network', 'ip'], '300.1.2.3', 'network.ip'],
    ['a host name for an IP', ['network', 'ip'], 'example.com', 'network.ip'],
    ['an IPv6 address with a zone', ['network', 'ip'], '2001:db8::1%eth0', 'network.ip'],
    ['an invalid entered IP', ['entered', 'ip'], '10.0.0', 'entered.ip'],
    ['an invalid birth date', ['customer', 'birth_date'], '1980-13-45', 'customer.birth_date'],
    [
      'a card number with letters',
      ['payment_method', 'card', 'number'],
      '4242x4242x4242x4242',
      'payment_method.card.number',
    ],
    [
      'a card number too short',
      ['payment_method', 'card', 'number'],
      '4242 4242 42',
      'payment_method.card.number',
    ],
    ['an expiry month of 13', ['payment_method', 'card', 'exp_month'], 13, 'payment_method.card.exp_month'],
    ['a CVC of two digits', ['payment_method', 'card', 'cvc'], '12', 'payment_method.card.cvc'],
    ['an unknown payment method type', ['payment_method', 'type'], 'barter', 'payment_method.type'],
    ['a card on a checking account', ['payment_method', 'type'], 'checking', 'payment_method.card'],
    [
      'a lowercase country',
      ['payment_method', 'billing_address', 'country'],
      'us',
      'payment_method.billing_address.country',
    ],
    ['a zero quantity', ['items', 0, 'quantity'], 0, 'items.0.quantity'],
    ['a fractional unit amount', ['items', 0, 'unit_amount'], 12.5, 'items.0.unit_amount'],
    ['a NUL character in a name', ['customer', 'name'], 'Ann\u0000Lee', 'customer.name'],
    ['an unpaired surrogate in a customer id', ['customer', 'id'], 'c-\ud800', 'customer.id'],
    ['a NUL character in a SKU', ['items', 0, 'sku'], '\u0000', 'items.0.sku'],
  ]

  it.each(cases)('refuses %s', async (_title, path, value, field) => {
    const response = await t.post('/v1/authorizations', withValue(base(), path, value))
    const problem = await problemOf(response, 422)
    expect(problem.type).toBe('urn:tollgate:problem:validation_failed')
    expect(problem.instance).toBe('/v1/authorizations')
    expect(problem.errors?.map((e) => e.field)).toContain(field)
    const error = problem.errors?.find((e) => e.field === field)
    expect(error?.pointer).toBe(field ? `/${field.replaceAll('.', '/')}` : '/')
    expect(error?.message.length).toBeGreaterThan(0)
    expect(problem.detail).toContain(field || '(body)')
  })

  it('names each unknown property at its own pointer, with a/b escaped as a~1b', async () => {
    const body = { ...base(), coupon: 'FREE', 'a/b': 1, customer: { ...base().customer, ssn: '078-05-1120' } }
    const problem = await problemOf(await t.post('/v1/authorizations', body), 422)
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { field: 'coupon', pointer: '/coupon', message: 'is not a known property' },
        { field: 'a/b', pointer: '/a~1b', message: 'is not a known property' },
        { field: 'customer.ssn', pointer: '/customer/ssn', message: 'is not a known property' },
      ]),
    )
    expect(problem.errors?.map((e) => e.pointer)).not.toContain('/')
    expect(problem.detail).toContain('customer.ssn: is not a known property')
  })

  it('refuses a purchase without an amount, naming amount', async () => {
    const { amount: _amount, ...body } = base()
    const problem = await problemOf(await t.post('/v1/authorizations', body), 422)
    expect(problem.errors).toEqual([
      { field: 'amount', pointer: '/amount', message: 'is required for a purchase' },
    ])
  })

  it('names every offending field at once', async () => {
    const body = withValue(purchase({ customer: { id: 'c-81', phone: 'nope' } }), ['network', 'ip'], 'nope')
    const problem = await problemOf(await t.post('/v1/authorizations', body), 422)
    expect(problem.errors?.map((e) => e.field).sort()).toEqual(['customer.phone', 'network.ip'])
  })

  it('refuses an Idempotency-Key with spaces, naming the header', async () => {
    const problem = await problemOf(
      await t.post('/v1/authorizations', base(), { idempotencyKey: 'a b' }),
      422,
    )
    expect(problem.errors?.map((e) => e.field)).toContain('idempotency-key')
  })

  it('refuses a body that is not an object', async () => {
    for (const body of ['null', '[]', '"purchase"', '42', 'true']) {
      const problem = await problemOf(await post(body), 422)
      expect(problem.errors?.[0]?.pointer).toBe('/')
    }
  })

  it('refuses a decision id that is not one, and answers 404 for an unknown one', async () => {
    const invalid = await problemOf(await t.get('/v1/decisions/not-a-decision'), 422)
    expect(invalid.errors?.[0]?.field).toBe('id')
    const tooLong = await problemOf(await t.get(`/v1/decisions/dec_${'a'.repeat(80)}`), 422)
    expect(tooLong.errors?.[0]?.field).toBe('id')
    const unknown = await problemOf(await t.get('/v1/decisions/dec_0000000000000000000000'), 404)
    expect(unknown.type).toBe('urn:tollgate:problem:not_found')
  })
})

describe('requests that cannot be read', () => {
  it('400 for malformed JSON', async () => {
    for (const body of ['{', '{"kind": "purchase",}', "{'kind':'purchase'}", '', 'kind=purchase']) {
      const problem = await problemOf(await post(body), 400)
      expect(problem.type).toBe('urn:tollgate:problem:malformed_request')
    }
  })

  it('415 for a body that is not application/json', async () => {
    const json = JSON.stringify(base())
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const problem = await problemOf(await post(json, { 'content-type': type }), 415)
      expect(problem.type).toBe('urn:tollgate:problem:unsupported_media_type')
    }
    const none = await t.app.request('/v1/authorizations', {
      method: 'POST',
      headers: { authorization: `Bearer ${t.key}` },
      body: new Blob([json]),
    })
    await problemOf(none, 415)
    // a charset or a +json suffix is still JSON
    const withCharset = await post(json, { 'content-type': 'application/json; charset=utf-8' })
    expect(withCharset.status).toBe(201)
  })

  it('413 for a body over 64 KiB, with or without a Content-Length', async () => {
    const big = JSON.stringify(purchase({ customer: { name: 'x'.repeat(70 * 1024) } }))
    const problem = await problemOf(
      await post(big, { 'content-length': String(Buffer.byteLength(big)) }),
      413,
    )
    expect(problem.type).toBe('urn:tollgate:problem:payload_too_large')
    const streamed = await t.app.request('/v1/authorizations', {
      method: 'POST',
      headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(big))
          controller.close()
        },
      }),
      duplex: 'half',
    } as RequestInit)
    await problemOf(streamed, 413)
    // just under the limit is read, and refused only for what it says
    const under = JSON.stringify(purchase({ customer: { name: 'x'.repeat(60 * 1024) } }))
    const problemUnder = await problemOf(await post(under), 422)
    expect(problemUnder.errors?.[0]?.field).toBe('customer.name')
  })

  it('404 problem for an unknown path or method', async () => {
    for (const [method, path] of [
      ['GET', '/v1/nothing-here'],
      ['GET', '/nothing-here'],
      ['DELETE', '/v1/authorizations'],
      ['GET', '/v1/decisions'],
    ] as const) {
      const response = await t.app.request(path, { method, headers: { authorization: `Bearer ${t.key}` } })
      const problem = await problemOf(response, 404)
      expect(problem.type).toBe('urn:tollgate:problem:not_found')
    }
  })
})

describe('409 when no rule set is active', () => {
  it('refuses to decide, and says what to do', async () => {
    await t.db
      .updateTable('rule_sets')
      .set({ active_version: null })
      .where('tenant_id', '=', 'acme')
      .execute()
    try {
      const problem = await problemOf(await t.post('/v1/authorizations', purchaseBy(newPerson())), 409)
      expect(problem.type).toBe('urn:tollgate:problem:no_active_rule_set')
      expect(problem.detail).toMatch(/activate a rule set/i)
      // the other tenant still decides
      expect((await t.post('/v1/authorizations', purchaseBy(newPerson()), { key: t.otherKey })).status).toBe(
        201,
      )
    } finally {
      await t.db.updateTable('rule_sets').set({ active_version: 1 }).where('tenant_id', '=', 'acme').execute()
    }
    expect((await t.post('/v1/authorizations', purchaseBy(newPerson()))).status).toBe(201)
  })

  it('also when the tenant points at no rule set', async () => {
    await t.db
      .updateTable('tenants')
      .set({ decision_rule_set_id: null })
      .where('tenant_id', '=', 'acme')
      .execute()
    try {
      await problemOf(await t.post('/v1/authorizations', purchaseBy(newPerson())), 409)
    } finally {
      await t.db
        .updateTable('tenants')
        .set({ decision_rule_set_id: 'authorizations' })
        .where('tenant_id', '=', 'acme')
        .execute()
    }
  })
})

describe('a refused request stores nothing', () => {
  it('leaves every table as it was, whatever the reason for refusing', async () => {
    // one accepted request first, so the idempotency reuse below has something to collide with
    const accepted = await t.post('/v1/authorizations', purchaseBy(newPerson()), {
      idempotencyKey: 'stored-1',
    })
    expect(accepted.status).toBe(201)
    const before = await countRows(t)
    expect(before.decisions).toBeGreaterThan(0)

    const person = newPerson()
    const refusals: [number, () => Response | Promise<Response>][] = [
      [422, () => t.post('/v1/authorizations', purchaseBy(person, { kind: 'rental' }))],
      [
        422,
        () =>
          t.post(
            '/v1/authorizations',
            purchaseBy(person, { customer: { id: person.customerId, phone: 'x' } }),
          ),
      ],
      [422, () => t.post('/v1/authorizations', purchaseBy(person, { network: { ip: '1.2.3' } }))],
      [
        422,
        () => t.post('/v1/authorizations', purchaseBy(person, { amount: { value: 49.99, currency: 'USD' } })),
      ],
      [422, () => t.post('/v1/authorizations', purchaseBy(person, { amount: undefined }))],
      [422, () => t.post('/v1/authorizations', purchaseBy(person), { idempotencyKey: 'stored-1' })],
      [400, () => post('{"kind":')],
      [415, () => post(JSON.stringify(purchaseBy(person)), { 'content-type': 'text/plain' })],
      [413, () => post(JSON.stringify(purchaseBy(person, { items: [{ sku: 'x'.repeat(70_000) }] })))],
      [401, () => t.post('/v1/authorizations', purchaseBy(person), { key: 'tg_acme_wrongwrongwrongwrong' })],
    ]
    for (const [status, send] of refusals) expect((await send()).status).toBe(status)

    await t.db
      .updateTable('rule_sets')
      .set({ active_version: null })
      .where('tenant_id', '=', 'acme')
      .execute()
    try {
      expect((await t.post('/v1/authorizations', purchaseBy(person))).status).toBe(409)
    } finally {
      await t.db.updateTable('rule_sets').set({ active_version: 1 }).where('tenant_id', '=', 'acme').execute()
    }

    expect(await countRows(t)).toEqual(before)
  })
})

describe('no input makes a 500', () => {
  const tricky = fc.string({
    unit: fc.constantFrom(
      'a',
      'Z',
      '0',
      '9',
      '+',
      '-',
      ' ',
      '.',
      ':',
      '%',
      '@',
      '\u0000',
      '\ud800',
      '\udc00',
      'é',
      '😀',
      '\u202e',
      '"',
      '\\',
    ),
    maxLength: 40,
  })
  const anyValue = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    tricky,
    fc.integer(),
    fc.double(),
    fc.constantFrom(
      undefined,
      null,
      '',
      'anonymous',
      '2001:db8::1%eth0',
      '::ffff:1.2.3.4',
      '::ffff:0102:0304',
      '4242424242424242',
      '0000 0000 0000',
      '------------',
      Number.MAX_SAFE_INTEGER,
      1_000_000_000_000,
      -0,
      '1e400',
      'US',
      'ZZ',
      '1980-02-30',
      [],
      {},
    ),
  )
  const paths: (string | number)[][] = [
    [],
    ['kind'],
    ['channel'],
    ['amount'],
    ['amount', 'value'],
    ['amount', 'currency'],
    ['customer'],
    ['customer', 'id'],
    ['customer', 'email'],
    ['customer', 'phone'],
    ['customer', 'name'],
    ['customer', 'birth_date'],
    ['network'],
    ['network', 'ip'],
    ['network', 'ani'],
    ['network', 'dnis'],
    ['network', 'device_id'],
    ['entered', 'phone'],
    ['entered', 'ip'],
    ['payment_method'],
    ['payment_method', 'type'],
    ['payment_method', 'card'],
    ['payment_method', 'card', 'number'],
    ['payment_method', 'card', 'exp_month'],
    ['payment_method', 'card', 'exp_year'],
    ['payment_method', 'card', 'cvc'],
    ['payment_method', 'billing_address', 'country'],
    ['payment_method', 'billing_address', 'postal_code'],
    ['payment_method', 'billing_address', 'line1'],
    ['items'],
    ['items', 0],
    ['items', 0, 'sku'],
    ['items', 0, 'quantity'],
    ['items', 0, 'unit_amount'],
    ['__proto__'],
    ['constructor'],
  ]

  async function neverFails(response: Response) {
    const text = await response.text()
    expect(response.status, text).not.toBe(500)
    expect(response.status, text).toBeLessThan(500)
    if (response.status >= 400) expect(response.headers.get('content-type')).toMatch(/problem\+json/)
  }

  it('for a valid purchase with one or two fields replaced by anything', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...paths), anyValue), { minLength: 1, maxLength: 2 }),
        async (changes) => {
          let body: unknown = base()
          for (const [path, value] of changes) {
            body =
              typeof body === 'object' && body !== null && !Array.isArray(body)
                ? withValue(body as Record<string, unknown>, path, value)
                : value
          }
          await neverFails(await post(JSON.stringify(body) ?? 'null'))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('for any JSON value, any text, and any session or call', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        await neverFails(await post(JSON.stringify(value)))
      }),
      { numRuns: 100 },
    )
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (text) => {
        await neverFails(await post(text))
      }),
      { numRuns: 100 },
    )
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            kind: fc.constantFrom('purchase', 'session'),
            channel: fc.constantFrom('web', 'phone', 'chat', 'video'),
            network: fc.record({ ani: anyValue, ip: anyValue }, { requiredKeys: [] }),
            entered: fc.record({ phone: anyValue, ip: anyValue }, { requiredKeys: [] }),
          },
          { requiredKeys: ['kind', 'channel'] },
        ),
        async (body) => {
          await neverFails(await post(JSON.stringify(body)))
        },
      ),
      { numRuns: 150 },
    )
  })

  it('for any path and any header under /v1', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.webSegment(),
        fc.string({ maxLength: 300 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
        async (segment, header) => {
          await neverFails(await t.get(`/v1/decisions/${segment}`))
          await neverFails(
            await t.app.request('/v1/authorizations', {
              method: 'POST',
              headers: {
                authorization: header,
                'content-type': 'application/json',
                'idempotency-key': header || 'k',
              },
              body: JSON.stringify(base()),
            }),
          )
        },
      ),
      { numRuns: 100 },
    )
  })
})

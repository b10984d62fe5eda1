// Full card numbers and CVCs are passed through and forgotten: after a run of authorizations with
// test cards (grouped every which way, accepted, blocked, refused, replayed), no table, no log line
// and no response holds a full number or a CVC.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app.ts'
import { newPerson, purchaseBy } from './identities.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp()
})
afterAll(() => t.close())

const cards = [
  { number: '4242424242424242', spellings: ['4242 4242 4242 4242', '4242-4242-4242-4242'], cvc: '7319' },
  { number: '5555555555554444', spellings: ['5555 5555 5555 4444', '5555-5555-5555-4444'], cvc: '826' },
  // the Amex number as the brief spells it fails the Luhn check: it must not be stored either
  { number: '378282282310005', spellings: ['3782 822823 10005', '3782-822823-10005'], cvc: '4093' },
  { number: '378282246310005', spellings: ['3782 822463 10005'], cvc: '6152' },
  { number: '4000000000000002', spellings: ['4000 0000 0000 0002', '4000-0000-0000-0002'], cvc: '958' },
  { number: '6011111111111117', spellings: ['6011 1111 1111 1117'], cvc: '3871' },
]

/** Every form in which a card's number or CVC could leak. */
function forbidden(card: (typeof cards)[number]): string[] {
  const digits = card.number
  return [
    digits,
    ...card.spellings,
    // a number with most of its digits is still a leak: the BIN and the last four are all that may stay
    digits.slice(0, 12),
    digits.slice(-12),
    `"cvc":"${card.cvc}"`,
    `cvc=${card.cvc}`,
  ]
}

const sentBodies: string[] = []
const responses: string[] = []

async function send(body: Record<string, unknown>, idempotencyKey?: string): Promise<number> {
  sentBodies.push(JSON.stringify(body))
  const response = await t.post('/v1/authorizations', body, idempotencyKey ? { idempotencyKey } : {})
  responses.push(
    `${[...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${await response.text()}`,
  )
  return response.status
}

function cardBody(number: string, cvc: string, overrides: Record<string, unknown> = {}) {
  const person = newPerson()
  return purchaseBy(person, {
    amount: { value: 500, currency: 'USD' },
    payment_method: {
      type: 'card',
      card: { number, exp_month: 11, exp_year: 2031, cvc },
      billing_address: { line1: '1 Card Way', postal_code: '10001', country: 'US' },
    },
    ...overrides,
  })
}

/** Every value of every text-like column of every table, as text. */
async function everyStoredText(): Promise<{ where: string; text: string }[]> {
  const { rows: columns } = await sql<{ table_name: string; column_name: string }>`
    select c.table_name, c.column_name
    from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
    order by c.table_name, c.ordinal_position`.execute(t.db)
  expect(columns.length).toBeGreaterThan(20)
  const texts: { where: string; text: string }[] = []
  for (const { table_name: table, column_name: column } of columns) {
    const { rows } = await sql<{ value: string }>`
      select ${sql.ref(column)}::text as value from ${sql.table(table)} where ${sql.ref(column)} is not null`.execute(
      t.db,
    )
    for (const row of rows) texts.push({ where: `${table}.${column}`, text: row.value })
  }
  return texts
}

describe('card numbers and CVCs', () => {
  it('are never stored, logged or returned', async () => {
    const statuses: number[] = []
    for (const card of cards) {
      for (const number of [card.number, ...card.spellings]) {
        // decided: approved, or blocked when the number fails the Luhn check
        statuses.push(await send(cardBody(number, card.cvc)))
        // decided, expired
        statuses.push(
          await send(
            cardBody(number, card.cvc, {
              payment_method: { type: 'card', card: { number, exp_month: 1, exp_year: 2020, cvc: card.cvc } },
            }),
          ),
        )
      }
      // refused after the card was read: the phone is invalid
      statuses.push(await send(cardBody(card.number, card.cvc, { customer: { phone: 'not a phone' } })))
      // refused by the schema, with the number in a field it is not allowed in
      statuses.push(
        await send(
          cardBody(card.number, card.cvc, {
            payment_method: { type: 'checking', card: { number: card.number, exp_month: 1, exp_year: 2031 } },
          }),
        ),
      )
      // refused by the schema: a CVC too long
      statuses.push(
        await send(
          cardBody(card.number, card.cvc, {
            payment_method: {
              type: 'card',
              card: { number: card.number, exp_month: 1, exp_year: 2031, cvc: `${card.cvc}99` },
            },
          }),
        ),
      )
      // replayed, and a key reused for another body
      const key = `card-${card.number.slice(-4)}-${Date.now()}`
      const body = cardBody(card.number, card.cvc)
      statuses.push(await send(body, key))
      statuses.push(await send(body, key))
      statuses.push(await send({ ...body, amount: { value: 501, currency: 'USD' } }, key))
    }
    // the run exercised accepted and refused requests alike
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThan(20)
    expect(statuses.filter((s) => s === 422).length).toBeGreaterThan(10)

    const decisions = await t.db.selectFrom('decisions').select(['outcome']).execute()
    const outcomes = new Set(decisions.map((d) => d.outcome))
    expect(outcomes).toContain('approve')
    expect(outcomes).toContain('block')

    const stored = await everyStoredText()
    const storedTables = new Set(stored.map((s) => s.where.split('.')[0]))
    for (const table of ['decisions', 'customers', 'customer_identifiers', 'payment_methods', 'usage_events'])
      expect(storedTables).toContain(table)
    // the last four digits are kept, so the search below is not vacuous
    expect(stored.some((s) => s.where === 'payment_methods.last4' && s.text === '4444')).toBe(true)

    const logs = t.logs.join('\n')
    expect(t.logs.length).toBeGreaterThan(cards.length * 8)
    const everything: { where: string; text: string }[] = [
      ...stored,
      { where: 'logs', text: logs },
      ...responses.map((text, i) => ({ where: `response ${i}`, text })),
    ]

    const leaks: string[] = []
    for (const card of cards) {
      for (const needle of forbidden(card)) {
        for (const { where, text } of everything)
          if (text.includes(needle)) leaks.push(`${needle} in ${where}`)
      }
    }
    for (const body of sentBodies)
      for (const { where, text } of everything)
        if (text.includes(body)) leaks.push(`a request body in ${where}`)
    // no CVC field is stored or logged, under any value (a 422 may name the field, never its value)
    for (const { where, text } of [...stored, { where: 'logs', text: logs }])
      if (/\bcvc\b/i.test(text)) leaks.push(`a cvc in ${where}`)
    expect(leaks).toEqual([])
  })

  it('the stored request keeps only BIN, last four, brand and fingerprint of the card', async () => {
    const row = await t.db
      .selectFrom('decisions')
      .select('request')
      .where('tenant_id', '=', 'acme')
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow()
    const card = (row.request as { payment_method: { card: Record<string, unknown> } }).payment_method.card
    expect(Object.keys(card).sort()).toEqual(
      // whether a security code came, never the code
      ['bin', 'brand', 'cvc_given', 'exp_month', 'exp_year', 'fingerprint', 'last4', 'luhn_valid'].sort(),
    )
    expect(String(card.bin)).toHaveLength(6)
    expect(String(card.last4)).toHaveLength(4)
  })
})

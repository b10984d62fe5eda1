// The sandbox money gateway behaves like a real one: outcomes by Stripe's test card numbers, one
// answer per idempotency key, holds that lapse, tokens that remember their card, and books that
// outlive the process that wrote them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GatewayAnswer, PaymentSource } from '../../server/payments/port.ts'
import { GatewayUnavailable } from '../../server/payments/port.ts'
import { createSandboxMoneyGateway, IdempotencyMismatch } from '../../server/payments/sandbox-gateway.ts'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'
import { bankAccount, card } from '../support/money.ts'

let database: TestDatabase
let clock = new Date('2026-12-05T21:00:00Z')
const now = () => clock

beforeAll(async () => {
  database = await createTestDatabase()
})
afterAll(() => database.close())

function gateway(account = 'acme') {
  return createSandboxMoneyGateway({ db: database.db, account, now, noAnswerDelayMs: 20 })
}

let n = 0
const key = () => `k-${++n}`

function succeeded(answer: GatewayAnswer) {
  if (answer.status !== 'succeeded') throw new Error(`expected success, got ${JSON.stringify(answer)}`)
  return answer
}

async function heldPayments(account = 'acme') {
  return database.db
    .selectFrom('sandbox_gateway_payments')
    .selectAll()
    .where('account', '=', account)
    .execute()
}

describe('outcomes by test card number', () => {
  it.each([
    ['4000000000000002', 'generic_decline'],
    ['4000000000009995', 'insufficient_funds'],
    ['4000000000000127', 'incorrect_cvc'],
    ['4000000000000036', 'incorrect_zip'],
    ['4000000000000069', 'expired_card'],
    ['4000000000000119', 'processing_error'],
  ])('%s is declined with %s, for a hold and for a charge', async (number, code) => {
    for (const call of ['authorize', 'charge'] as const) {
      const answer = await gateway()[call]({
        idempotencyKey: key(),
        amount: 1000,
        currency: 'USD',
        source: card(number),
        description: 'test',
      })
      expect(answer).toMatchObject({ status: 'declined', code })
      expect(answer.status === 'declined' && answer.message.length > 0).toBe(true)
    }
  })

  it('4242424242424242 places a hold that lapses in seven days, with a token', async () => {
    const answer = succeeded(
      await gateway().authorize({
        idempotencyKey: key(),
        amount: 4999,
        currency: 'USD',
        source: card('4242424242424242'),
        description: 'x',
      }),
    )
    expect(answer).toMatchObject({ amount_authorized: 4999, amount_captured: 0, amount_refunded: 0 })
    expect(answer.expires_at?.getTime()).toBe(clock.getTime() + 7 * 24 * 3600 * 1000)
    expect(answer.token).toMatch(/^tok_sandbox_/)
    expect(answer.reference).toMatch(/^pi_sandbox_/)
  })

  it('keeps no card number in its books', async () => {
    await gateway().authorize({
      idempotencyKey: key(),
      amount: 100,
      currency: 'USD',
      source: card('4242424242424242'),
      description: 'x',
    })
    for (const table of [
      'sandbox_gateway_payments',
      'sandbox_gateway_requests',
      'sandbox_gateway_tokens',
    ] as const) {
      const rows = await database.db.selectFrom(table).selectAll().execute()
      expect(JSON.stringify(rows)).not.toContain('4242424242424242')
    }
  })

  it('4000000000009979 records the hold, then its answer never comes; the same key later gets it', async () => {
    const k = key()
    const before = (await heldPayments()).length
    const call = {
      idempotencyKey: k,
      amount: 700,
      currency: 'USD',
      source: card('4000000000009979'),
      description: 'x',
    }
    await expect(gateway().authorize(call)).rejects.toBeInstanceOf(GatewayUnavailable)
    expect((await heldPayments()).length).toBe(before + 1)
    const found = succeeded((await gateway().find({ idempotencyKey: k })) as GatewayAnswer)
    expect(found.amount_authorized).toBe(700)
    const retried = succeeded(await gateway().authorize(call))
    expect(retried.reference).toBe(found.reference)
    expect((await heldPayments()).length).toBe(before + 1)
    expect(await gateway().find({ idempotencyKey: 'never-sent' })).toBeNull()
  })
})

describe('idempotency', () => {
  it('answers the same key with the same answer and moves nothing twice', async () => {
    const g = gateway()
    const call = {
      idempotencyKey: key(),
      amount: 1500,
      currency: 'USD',
      source: card('4242424242424242'),
      description: 'x',
    }
    const before = (await heldPayments()).length
    const [a, b] = await Promise.all([g.authorize(call), g.authorize(call)])
    const c = await g.authorize(call)
    expect(b).toEqual(a)
    expect(c).toEqual(a)
    expect((await heldPayments()).length).toBe(before + 1)

    const reference = succeeded(a).reference
    const capture = { idempotencyKey: key(), reference, amount: 1000 }
    const first = succeeded(await g.capture(capture))
    const again = succeeded(await g.capture(capture))
    expect(again).toEqual(first)
    expect(first.amount_captured).toBe(1000)
    const refund = { idempotencyKey: key(), reference, amount: 400 }
    expect(succeeded(await g.refund(refund)).amount_refunded).toBe(400)
    expect(succeeded(await g.refund(refund)).amount_refunded).toBe(400)
  })

  it('refuses a key reused for a different request', async () => {
    const k = key()
    await gateway().authorize({
      idempotencyKey: k,
      amount: 100,
      currency: 'USD',
      source: card('4242424242424242'),
      description: 'x',
    })
    await expect(
      gateway().authorize({
        idempotencyKey: k,
        amount: 200,
        currency: 'USD',
        source: card('4242424242424242'),
        description: 'x',
      }),
    ).rejects.toBeInstanceOf(IdempotencyMismatch)
    await expect(gateway().void({ idempotencyKey: k, reference: 'pi_x' })).rejects.toBeInstanceOf(
      IdempotencyMismatch,
    )
  })

  it('keeps each account apart: the same key in another account is another request', async () => {
    const k = key()
    const call = {
      idempotencyKey: k,
      amount: 100,
      currency: 'USD',
      source: card('4242424242424242'),
      description: 'x',
    }
    const a = succeeded(await gateway('acme').authorize(call))
    const b = succeeded(await gateway('globex').authorize(call))
    expect(b.reference).not.toBe(a.reference)
    const foreign = await gateway('globex').capture({
      idempotencyKey: key(),
      reference: a.reference,
      amount: 100,
    })
    expect(foreign).toMatchObject({ status: 'declined', code: 'not_supported' })
  })

  it('keeps its books in the database, so a new process finds the holds', async () => {
    const k = key()
    const call = {
      idempotencyKey: k,
      amount: 300,
      currency: 'USD',
      source: card('4242424242424242'),
      description: 'x',
    }
    const a = succeeded(await gateway().authorize(call))
    const restarted = gateway()
    expect(await restarted.authorize(call)).toEqual(a)
    expect(
      succeeded(await restarted.capture({ idempotencyKey: key(), reference: a.reference, amount: 300 }))
        .amount_captured,
    ).toBe(300)
  })
})

describe('holds', () => {
  async function hold(amount = 5000) {
    return succeeded(
      await gateway().authorize({
        idempotencyKey: key(),
        amount,
        currency: 'USD',
        source: card('4242424242424242'),
        description: 'x',
      }),
    )
  }

  it('captures part and releases the rest; a second capture is refused', async () => {
    const h = await hold()
    const captured = succeeded(
      await gateway().capture({ idempotencyKey: key(), reference: h.reference, amount: 1234 }),
    )
    expect(captured).toMatchObject({ amount_authorized: 5000, amount_captured: 1234, expires_at: null })
    expect(
      await gateway().capture({ idempotencyKey: key(), reference: h.reference, amount: 1 }),
    ).toMatchObject({
      status: 'declined',
      code: 'not_supported',
    })
  })

  it('refuses to capture more than the hold', async () => {
    const h = await hold()
    expect(
      await gateway().capture({ idempotencyKey: key(), reference: h.reference, amount: 5001 }),
    ).toMatchObject({
      status: 'declined',
      code: 'amount_too_large',
    })
  })

  it('voids a hold, which can then be neither captured nor voided again', async () => {
    const h = await hold()
    expect(
      succeeded(await gateway().void({ idempotencyKey: key(), reference: h.reference })).amount_captured,
    ).toBe(0)
    expect(
      await gateway().capture({ idempotencyKey: key(), reference: h.reference, amount: 10 }),
    ).toMatchObject({
      status: 'declined',
    })
    expect(await gateway().void({ idempotencyKey: key(), reference: h.reference })).toMatchObject({
      status: 'declined',
    })
  })

  it('refunds in parts up to what was captured', async () => {
    const h = await hold()
    await gateway().capture({ idempotencyKey: key(), reference: h.reference, amount: 3000 })
    expect(
      succeeded(await gateway().refund({ idempotencyKey: key(), reference: h.reference, amount: 1000 }))
        .amount_refunded,
    ).toBe(1000)
    expect(
      await gateway().refund({ idempotencyKey: key(), reference: h.reference, amount: 2001 }),
    ).toMatchObject({
      code: 'amount_too_large',
    })
    expect(
      succeeded(await gateway().refund({ idempotencyKey: key(), reference: h.reference, amount: 2000 }))
        .amount_refunded,
    ).toBe(3000)
  })

  it('raises an open hold (incremental authorization), never lowers it', async () => {
    const h = await hold(1000)
    expect(
      succeeded(await gateway().increment({ idempotencyKey: key(), reference: h.reference, amount: 2500 }))
        .amount_authorized,
    ).toBe(2500)
    expect(
      await gateway().increment({ idempotencyKey: key(), reference: h.reference, amount: 2000 }),
    ).toMatchObject({
      code: 'amount_too_large',
    })
    expect(
      succeeded(await gateway().capture({ idempotencyKey: key(), reference: h.reference, amount: 2500 }))
        .amount_captured,
    ).toBe(2500)
  })

  it('lets a hold lapse after its lifetime: it can no longer be captured or raised', async () => {
    const h = await hold()
    clock = new Date(clock.getTime() + 7 * 24 * 3600 * 1000 + 1000)
    expect(
      await gateway().capture({ idempotencyKey: key(), reference: h.reference, amount: 100 }),
    ).toMatchObject({
      status: 'declined',
      code: 'authorization_expired',
    })
    expect(
      await gateway().increment({ idempotencyKey: key(), reference: h.reference, amount: 9000 }),
    ).toMatchObject({
      code: 'authorization_expired',
    })
    const short = createSandboxMoneyGateway({ db: database.db, account: 'acme', now, holdLifetimeMs: 60_000 })
    const quick = succeeded(
      await short.authorize({
        idempotencyKey: key(),
        amount: 100,
        currency: 'USD',
        source: card('4242424242424242'),
        description: 'x',
      }),
    )
    expect(quick.expires_at?.getTime()).toBe(clock.getTime() + 60_000)
  })
})

describe('tokens and bank accounts', () => {
  it('charges a stored method again through its token, which remembers the card', async () => {
    const first = succeeded(
      await gateway().charge({
        idempotencyKey: key(),
        amount: 900,
        currency: 'USD',
        source: card('4242424242424242'),
        description: 'x',
      }),
    )
    expect(first).toMatchObject({ amount_captured: 900, expires_at: null })
    const token = first.token as string
    const again = succeeded(
      await gateway().charge({
        idempotencyKey: key(),
        amount: 450,
        currency: 'USD',
        source: { type: 'token', token },
        description: 'x',
      }),
    )
    expect(again.amount_captured).toBe(450)
    expect(
      await gateway().authorize({
        idempotencyKey: key(),
        amount: 1,
        currency: 'USD',
        source: { type: 'token', token: 'tok_sandbox_nope' },
        description: 'x',
      }),
    ).toMatchObject({ status: 'declined', code: 'generic_decline' })
    // another account cannot use this account's token
    expect(
      await gateway('globex').charge({
        idempotencyKey: key(),
        amount: 1,
        currency: 'USD',
        source: { type: 'token', token },
        description: 'x',
      }),
    ).toMatchObject({ status: 'declined' })
  })

  it('charges a checking account directly, never holds it; an account ending 0002 has insufficient funds', async () => {
    const bank = bankAccount
    expect(
      succeeded(
        await gateway().charge({
          idempotencyKey: key(),
          amount: 2000,
          currency: 'USD',
          source: bank('000123456789'),
          description: 'x',
        }),
      ),
    ).toMatchObject({ amount_captured: 2000 })
    expect(
      await gateway().charge({
        idempotencyKey: key(),
        amount: 2000,
        currency: 'USD',
        source: bank('000111110002'),
        description: 'x',
      }),
    ).toMatchObject({ status: 'declined', code: 'insufficient_funds' })
    expect(
      await gateway().authorize({
        idempotencyKey: key(),
        amount: 2000,
        currency: 'USD',
        source: bank('000123456789'),
        description: 'x',
      }),
    ).toMatchObject({ status: 'declined', code: 'not_supported' })
  })
})

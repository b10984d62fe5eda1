// Staff counting stock while the ledger reserves it: each count is one conditional UPDATE against
// the row's current reservation, so a count racing reservations is applied with at least the
// reserved units left, or refused naming its field — never a broken CHECK, never a unit sold twice.
// Meaningful on PostgreSQL (TEST_DATABASE_URL), where the transactions really overlap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ProblemError } from '../../server/http/problem.ts'
import { changeStock, createOffer, readOffer } from '../../server/offers/catalog.ts'
import { reserveRequest, seedCustomer } from '../offers/support.ts'
import { startTestApp, type TestApp } from '../support/app.ts'

let t: TestApp

beforeAll(async () => {
  t = await startTestApp({ poolSize: 12 })
})
afterAll(() => t.close())

describe('stock counts racing reservations', () => {
  it('keeps on hand ≥ reserved, and every count is applied or refused by name', async () => {
    const offer = await createOffer(t.db, 'acme', null, {
      sku: 'race-deck',
      name: 'Race deck',
      price: 1000,
      currency: 'USD',
      channels: ['web'],
      stock_on_hand: 6,
    })
    const customers = []
    for (let i = 0; i < 10; i++) customers.push(await seedCustomer(t.db, 'acme'))
    const now = new Date()

    const reservations = customers.map((customer) =>
      t.services.offers.reserve(reserveRequest('acme', offer.id, customer, now)),
    )
    const counts = [4, 2, 6, 0, 3, 5].map((setTo) =>
      changeStock(t.db, 'acme', offer.id, null, { set_to: setTo, reason: 'Counting during a rush' }).then(
        (after) => ({ applied: after }),
        (error: unknown) => ({ refused: error }),
      ),
    )
    const [made, counted] = await Promise.all([Promise.all(reservations), Promise.all(counts)])

    for (const result of counted) {
      if ('applied' in result)
        expect(result.applied.stock_on_hand).toBeGreaterThanOrEqual(result.applied.stock_reserved)
      else {
        expect(result.refused).toBeInstanceOf(ProblemError)
        expect((result.refused as ProblemError).errors?.map((e) => e.field)).toEqual(['set_to'])
      }
    }
    for (const outcome of made) if (!outcome.made) expect(outcome.reason).toBe('out_of_stock')

    const final = await readOffer(t.db, 'acme', offer.id)
    const open = made.filter((m) => m.made).length
    expect(final?.stock_reserved).toBe(open)
    expect(final?.stock_on_hand).toBeGreaterThanOrEqual(open)
    const presented = await t.db
      .selectFrom('offer_presentations')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('tenant_id', '=', 'acme')
      .where('offer_id', '=', offer.id)
      .where('status', '=', 'presented')
      .executeTakeFirstOrThrow()
    expect(Number(presented.n)).toBe(open)
    // no more offers made than units there ever were
    expect(open).toBeLessThanOrEqual(6)
  })
})

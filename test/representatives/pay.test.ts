// Representatives' pay: the per-leg rules (share of the charge by time inside the billing window,
// per minute of connected time), their properties, and the accrual at settlement: one row per
// leg, balanced ledger entries, and a retry that adds nothing.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { accrueSessionPay, type PayLeg, type PayPlan, payForLegs } from '../../server/representatives/pay.ts'
import { createTenant } from '../../server/tenants/tenants.ts'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'

const t0 = Date.parse('2026-12-05T10:00:00Z')
const at = (seconds: number) => new Date(t0 + seconds * 1000)
const leg = (
  id: string,
  rep: string | null,
  from: number,
  to: number | null,
  party = 'representative',
): PayLeg => ({
  id,
  party,
  representative_id: rep,
  connected_at: at(from),
  disconnected_at: to === null ? null : at(to),
})

const half: PayPlan = { plan: 'share', shareBps: 5_000 }
const perMinute: PayPlan = { plan: 'per_minute', ratePerMinute: 120, currency: 'USD' }

describe('payForLegs', () => {
  it('pays one representative on a share plan their basis points of the charge', () => {
    const lines = payForLegs({
      legs: [leg('l1', 'rep_a', 0, 600), leg('c1', null, -30, 630, 'customer')],
      plans: new Map([['rep_a', half]]),
      billingStartedAt: at(0),
      billingEndedAt: at(600),
      chargeTotal: 2_990,
      currency: 'USD',
    })
    expect(lines).toEqual([
      {
        legId: 'l1',
        representativeId: 'rep_a',
        seconds: 600,
        amount: 1_495,
        currency: 'USD',
        payPlan: 'share',
      },
    ])
  })

  it('splits the charge among overlapping legs by their seconds, each at its own basis points, rounded down', () => {
    // a: the whole 10 minutes; b joins for the middle 5; c for the last minute
    const lines = payForLegs({
      legs: [leg('la', 'rep_a', 0, 600), leg('lb', 'rep_b', 120, 420), leg('lc', 'rep_c', 540, 600)],
      plans: new Map<string, PayPlan>([
        ['rep_a', half],
        ['rep_b', { plan: 'share', shareBps: 4_000 }],
        ['rep_c', half],
      ]),
      billingStartedAt: at(0),
      billingEndedAt: at(600),
      chargeTotal: 3_001,
      currency: 'USD',
    })
    // all legs: 600 + 300 + 60 = 960 s
    expect(lines.map((l) => [l.legId, l.seconds, l.amount])).toEqual([
      ['la', 600, Math.floor((3_001 * 600 * 5_000) / (960 * 10_000))],
      ['lb', 300, Math.floor((3_001 * 300 * 4_000) / (960 * 10_000))],
      ['lc', 60, Math.floor((3_001 * 60 * 5_000) / (960 * 10_000))],
    ])
    expect(lines.map((l) => l.amount)).toEqual([937, 375, 93])
  })

  it('pays a per-minute plan for its own seconds in its own currency, rounded down', () => {
    const [line] = payForLegs({
      legs: [leg('l1', 'rep_a', 0, 61)],
      plans: new Map([['rep_a', { plan: 'per_minute', ratePerMinute: 100, currency: 'EUR' } as PayPlan]]),
      billingStartedAt: at(0),
      billingEndedAt: at(61),
      chargeTotal: 500,
      currency: 'USD',
    })
    expect(line).toMatchObject({ seconds: 61, amount: 101, currency: 'EUR', payPlan: 'per_minute' })
  })

  it('counts only time inside the billing window, and an open leg to the window’s end', () => {
    const lines = payForLegs({
      legs: [leg('early', 'rep_a', -60, 30), leg('open', 'rep_b', 30, null)],
      plans: new Map([
        ['rep_a', perMinute],
        ['rep_b', perMinute],
      ]),
      billingStartedAt: at(0),
      billingEndedAt: at(90),
      chargeTotal: 0,
      currency: 'USD',
    })
    expect(lines.map((l) => [l.legId, l.seconds, l.amount])).toEqual([
      ['early', 30, 60],
      ['open', 60, 120],
    ])
  })

  it('pays nothing for a session that was never billed, and leaves out representatives without a plan', () => {
    const never = payForLegs({
      legs: [leg('l1', 'rep_a', 0, 60)],
      plans: new Map([['rep_a', perMinute]]),
      billingStartedAt: null,
      billingEndedAt: null,
      chargeTotal: 0,
      currency: 'USD',
    })
    expect(never).toEqual([expect.objectContaining({ seconds: 0, amount: 0 })])
    const unknown = payForLegs({
      legs: [leg('l1', 'rep_x', 0, 60)],
      plans: new Map(),
      billingStartedAt: at(0),
      billingEndedAt: at(60),
      chargeTotal: 100,
      currency: 'USD',
    })
    expect(unknown).toEqual([])
  })

  it('refuses a charge that is not a non-negative integer', () => {
    const input = {
      legs: [],
      plans: new Map(),
      billingStartedAt: at(0),
      billingEndedAt: at(1),
      currency: 'USD',
    }
    expect(() => payForLegs({ ...input, chargeTotal: -1 })).toThrow(RangeError)
    expect(() => payForLegs({ ...input, chargeTotal: 1.5 })).toThrow(RangeError)
  })

  it('never pays share legs more than their basis points of the charge, and loses at most a unit per leg', () => {
    const legArb = fc.record({
      from: fc.integer({ min: -120, max: 3_600 }),
      length: fc.integer({ min: 0, max: 3_600 }),
      bps: fc.integer({ min: 0, max: 10_000 }),
    })
    fc.assert(
      fc.property(
        fc.array(legArb, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        (specs, chargeTotal) => {
          const legs = specs.map((s, i) => leg(`l${i}`, `rep_${i}`, s.from, s.from + s.length))
          const plans = new Map<string, PayPlan>(
            specs.map((s, i) => [`rep_${i}`, { plan: 'share', shareBps: s.bps }]),
          )
          const windowStart = Math.max(0, Math.min(...specs.map((s) => s.from)))
          const windowEnd = Math.max(...specs.map((s) => s.from + s.length))
          const lines = payForLegs({
            legs,
            plans,
            billingStartedAt: at(windowStart),
            billingEndedAt: at(Math.max(windowStart, windowEnd)),
            chargeTotal,
            currency: 'USD',
          })
          const allSeconds = lines.reduce((sum, l) => sum + l.seconds, 0)
          const paid = lines.reduce((sum, l) => sum + l.amount, 0)
          expect(paid).toBeLessThanOrEqual(chargeTotal)
          for (const [i, line] of lines.entries()) {
            const exact =
              allSeconds === 0
                ? 0
                : (chargeTotal * line.seconds * (specs[i]?.bps ?? 0)) / (allSeconds * 10_000)
            expect(Number.isInteger(line.amount)).toBe(true)
            expect(line.amount).toBeLessThanOrEqual(exact + 1e-6)
            expect(line.amount).toBeGreaterThan(exact - 1)
            expect(line.seconds).toBeGreaterThanOrEqual(0)
          }
        },
      ),
    )
  })

  it('pays per minute in proportion to time: more seconds never pay less', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 7_200 }),
        fc.integer({ min: 0, max: 7_200 }),
        (rate, a, b) => {
          const pay = (seconds: number) =>
            payForLegs({
              legs: [leg('l', 'rep', 0, seconds)],
              plans: new Map([
                ['rep', { plan: 'per_minute', ratePerMinute: rate, currency: 'JPY' } as PayPlan],
              ]),
              billingStartedAt: at(0),
              billingEndedAt: at(7_200),
              chargeTotal: 0,
              currency: 'USD',
            })[0]?.amount ?? -1
          const [low, high] = a <= b ? [a, b] : [b, a]
          expect(pay(low)).toBeLessThanOrEqual(pay(high))
          expect(pay(60)).toBe(rate)
        },
      ),
    )
  })
})

describe('accrueSessionPay', () => {
  let database: TestDatabase
  beforeAll(async () => {
    database = await createTestDatabase()
    for (const tenantId of ['acme', 'globex'])
      await createTenant(database.db, { tenantId, name: tenantId, timeZone: 'UTC' })
    await database.db
      .insertInto('representatives')
      .values([
        {
          tenant_id: 'acme',
          id: 'rep_a',
          name: 'Ada',
          extension: '1001',
          pay_plan: 'share',
          pay_share_bps: 5_000,
          pay_currency: 'XXX',
        },
        {
          tenant_id: 'acme',
          id: 'rep_b',
          name: 'Bo',
          extension: '1002',
          pay_plan: 'per_minute',
          pay_rate_per_minute: 60,
          pay_currency: 'USD',
        },
        // another tenant's representative with the same id is never read for acme's session
        {
          tenant_id: 'globex',
          id: 'rep_c',
          name: 'Cy',
          extension: '1003',
          pay_plan: 'share',
          pay_share_bps: 10_000,
          pay_currency: 'XXX',
        },
      ])
      .execute()
  })
  afterAll(() => database.close())

  const input = {
    tenantId: 'acme',
    sessionId: 'ses_1',
    legs: [
      leg('leg_1', 'rep_a', 0, 300),
      leg('leg_2', 'rep_b', 100, 300),
      leg('leg_3', 'rep_c', 0, 300),
      leg('leg_c', null, 0, 300, 'customer'),
    ],
    billingStartedAt: at(0),
    billingEndedAt: at(300),
    chargeTotal: 1_000,
    currency: 'USD',
    at: at(400),
  }

  it('writes one accrual per representative leg and a balanced ledger transaction for each', async () => {
    const result = await database.db.transaction().execute((trx) => accrueSessionPay(trx, input))
    // 300 + 200 + 300 s of representative legs; rep_c is not acme's, so its part stays with the house
    expect(result.unknownRepresentatives).toEqual(['rep_c'])
    expect(result.accrued.map((l) => [l.legId, l.seconds, l.amount, l.currency])).toEqual([
      ['leg_1', 300, Math.floor((1_000 * 300 * 5_000) / (800 * 10_000)), 'USD'],
      ['leg_2', 200, 200, 'USD'],
    ])
    const accruals = await database.db
      .selectFrom('pay_accruals')
      .selectAll()
      .where('tenant_id', '=', 'acme')
      .orderBy('leg_id')
      .execute()
    expect(
      accruals.map((a) => [a.representative_id, a.leg_id, a.seconds, Number(a.amount), a.pay_plan]),
    ).toEqual([
      ['rep_a', 'leg_1', 300, 187, 'share'],
      ['rep_b', 'leg_2', 200, 200, 'per_minute'],
    ])
    const entries = await database.db
      .selectFrom('ledger_entries')
      .selectAll()
      .where('tenant_id', '=', 'acme')
      .where('session_id', '=', 'ses_1')
      .execute()
    expect(entries).toHaveLength(4)
    const byTransaction = new Map<string, typeof entries>()
    for (const e of entries)
      byTransaction.set(e.transaction_id, [...(byTransaction.get(e.transaction_id) ?? []), e])
    expect(byTransaction.size).toBe(2)
    for (const group of byTransaction.values()) {
      const debit = group.reduce((s, e) => s + Number(e.debit), 0)
      const credit = group.reduce((s, e) => s + Number(e.credit), 0)
      expect(debit).toBe(credit)
      expect(group.every((e) => e.kind === 'pay_accrual' && e.representative_id !== null)).toBe(true)
    }
  })

  it('adds nothing when settlement retries', async () => {
    const again = await database.db.transaction().execute((trx) => accrueSessionPay(trx, input))
    expect(again.accrued).toEqual([])
    const count = await database.db
      .selectFrom('pay_accruals')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('tenant_id', '=', 'acme')
      .executeTakeFirstOrThrow()
    expect(Number(count.n)).toBe(2)
    const entries = await database.db
      .selectFrom('ledger_entries')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('tenant_id', '=', 'acme')
      .executeTakeFirstOrThrow()
    expect(Number(entries.n)).toBe(4)
  })

  it('records a leg that earned nothing without a ledger entry, and nothing for a session without legs', async () => {
    const result = await database.db.transaction().execute((trx) =>
      accrueSessionPay(trx, {
        ...input,
        sessionId: 'ses_2',
        legs: [leg('leg_9', 'rep_a', 0, 60)],
        chargeTotal: 0,
      }),
    )
    expect(result.accrued).toEqual([expect.objectContaining({ legId: 'leg_9', seconds: 60, amount: 0 })])
    const entries = await database.db
      .selectFrom('ledger_entries')
      .selectAll()
      .where('tenant_id', '=', 'acme')
      .where('session_id', '=', 'ses_2')
      .execute()
    expect(entries).toEqual([])
    const none = await database.db
      .transaction()
      .execute((trx) => accrueSessionPay(trx, { ...input, sessionId: 'ses_3', legs: [] }))
    expect(none).toEqual({ accrued: [], unknownRepresentatives: [] })
  })
})

// The ledger refuses what does not balance and keeps what it is given: entries are only inserted.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  accountBalance,
  accounts,
  postTransaction,
  UnbalancedTransaction,
} from '../../server/ledger/ledger.ts'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'

let database: TestDatabase

beforeAll(async () => {
  database = await createTestDatabase()
})
afterAll(() => database.close())

const base = { tenantId: 'acme', kind: 'charge' as const, currency: 'USD' }

async function entryCount() {
  const row = await database.db
    .selectFrom('ledger_entries')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

describe('postTransaction', () => {
  it.each([
    ['no entries', []],
    ['one entry', [{ account: accounts.revenue, credit: 100 }]],
    [
      'debits unequal to credits',
      [
        { account: accounts.gatewayReceivable, debit: 100 },
        { account: accounts.revenue, credit: 99 },
      ],
    ],
    [
      'an entry of zero',
      [
        { account: accounts.gatewayReceivable, debit: 0 },
        { account: accounts.revenue, credit: 0 },
      ],
    ],
    [
      'an entry with both sides',
      [
        { account: accounts.gatewayReceivable, debit: 100, credit: 100 },
        { account: accounts.revenue, credit: 100, debit: 100 },
      ],
    ],
    [
      'a negative amount',
      [
        { account: accounts.gatewayReceivable, debit: -100 },
        { account: accounts.revenue, credit: -100 },
      ],
    ],
    [
      'a fraction of a minor unit',
      [
        { account: accounts.gatewayReceivable, debit: 10.5 },
        { account: accounts.revenue, credit: 10.5 },
      ],
    ],
  ])('refuses %s and writes nothing', async (_name, entries) => {
    const before = await entryCount()
    await expect(postTransaction(database.db, { ...base, entries })).rejects.toBeInstanceOf(
      UnbalancedTransaction,
    )
    expect(await entryCount()).toBe(before)
  })

  it('refuses an account outside the chart', async () => {
    await expect(
      postTransaction(database.db, {
        ...base,
        entries: [
          // biome-ignore lint/suspicious/noExplicitAny: deliberately outside the type
          { account: 'petty_cash' as any, debit: 5 },
          { account: accounts.revenue, credit: 5 },
        ],
      }),
    ).rejects.toBeInstanceOf(UnbalancedTransaction)
  })

  it('appends a balanced transaction under one id, and balances are sums', async () => {
    const id = await postTransaction(database.db, {
      ...base,
      paymentId: 'pay_1',
      memo: 'a test charge',
      entries: [
        { account: accounts.gatewayReceivable, debit: 2500 },
        { account: accounts.revenue, credit: 2000 },
        { account: accounts.revenue, credit: 500 },
      ],
    })
    const rows = await database.db
      .selectFrom('ledger_entries')
      .selectAll()
      .where('tenant_id', '=', 'acme')
      .where('transaction_id', '=', id)
      .execute()
    expect(rows).toHaveLength(3)
    expect(
      rows.every((r) => r.kind === 'charge' && r.payment_id === 'pay_1' && r.memo === 'a test charge'),
    ).toBe(true)
    expect(await accountBalance(database.db, 'acme', accounts.gatewayReceivable, 'USD')).toBe(2500)
    expect(await accountBalance(database.db, 'acme', accounts.revenue, 'USD')).toBe(-2500)
    expect(await accountBalance(database.db, 'globex', accounts.revenue, 'USD')).toBe(0)
    expect(await accountBalance(database.db, 'acme', accounts.revenue, 'EUR')).toBe(0)
  })

  it('never changes or removes an entry once written', async () => {
    await postTransaction(database.db, {
      ...base,
      entries: [
        { account: accounts.gatewayReceivable, debit: 1 },
        { account: accounts.revenue, credit: 1 },
      ],
    })
    await expect(
      sql`update ledger_entries set debit = debit + 1 where debit > 0`.execute(database.db),
    ).rejects.toThrow(/append-only/)
    await expect(sql`delete from ledger_entries`.execute(database.db)).rejects.toThrow(/append-only/)
  })

  it('rolls back with the transaction it was posted in', async () => {
    const before = await entryCount()
    await expect(
      database.db.transaction().execute(async (trx) => {
        await postTransaction(trx, {
          ...base,
          entries: [
            { account: accounts.gatewayReceivable, debit: 7 },
            { account: accounts.revenue, credit: 7 },
          ],
        })
        throw new Error('the change it recorded failed')
      }),
    ).rejects.toThrow('the change it recorded failed')
    expect(await entryCount()).toBe(before)
  })
})

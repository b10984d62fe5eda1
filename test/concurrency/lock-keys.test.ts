// The customer lock is computed in SQL inside the read that identifies the customer, every other
// subject lock in JavaScript: both must be the same key, or the two would not exclude each other.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lockKey, lockKeyText } from '../../server/locks.ts'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'

let database: TestDatabase
beforeAll(async () => {
  database = await createTestDatabase({ poolSize: 2 })
})
afterAll(() => database.close())

describe('subject lock keys', () => {
  it('are the same whether computed in JavaScript or in SQL', async () => {
    const cases: [string, string][] = [
      ['acme', 'customer:cus_0mwsppf2rpcz4naev1b2k'],
      ['demo', 'customer:x'],
      ['t9', 'customer:ümlaut and spaces'],
    ]
    for (const [tenant, subject] of cases) {
      const { rows } = await sql<{
        key: string | bigint
      }>`select ${sql.raw(lockKeyText('t', 's'))} as key from (select ${tenant}::text as t, ${subject}::text as s) x`.execute(
        database.db,
      )
      expect(BigInt(rows[0]?.key ?? 0), `${tenant} ${subject}`).toBe(lockKey(tenant, subject))
    }
  })

  it('differ between tenants for the same subject', () => {
    expect(lockKey('acme', 'customer:c')).not.toBe(lockKey('globex', 'customer:c'))
  })
})

// The customer lock is computed in SQL inside the read that identifies the customer, every other
// subject lock in JavaScript: both must be the same key, or the two would not exclude each other.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { advisoryLocks, lockKey, lockKeyText } from '../../server/locks.ts'
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

describe('the advisory-locks statement', () => {
  it('holds every key until the transaction ends, negative ones and repeats included', async () => {
    const keys = [lockKey('demo', 'phone:+15555550100'), lockKey('demo', 'card:pmf_x'), -42n, 7n, 7n]
    const statement = advisoryLocks(keys)
    if (!statement) throw new Error('no statement for five keys')
    const held = await database.db.transaction().execute(async (trx) => {
      await trx.executeQuery(statement)
      // an int8 advisory lock shows in pg_locks as its high and low 32 bits (classid, objid)
      const { rows } = await sql<{ key: string }>`select ((classid::int8 << 32) | objid::int8)::text as key
        from pg_locks where locktype = 'advisory' and objsubid = 1 and pid = pg_backend_pid()`.execute(trx)
      return rows.map((r) => BigInt.asIntN(64, BigInt(r.key)))
    })
    expect(held.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(
      [...new Set(keys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    )
    const after = await sql<{ n: string }>`select count(*)::text as n from pg_locks
      where locktype = 'advisory' and pid = pg_backend_pid()`.execute(database.db)
    expect(after.rows[0]?.n).toBe('0')
  })

  it('is one text whatever the number of keys, so it is prepared once', () => {
    const one = advisoryLocks([1n])
    const many = advisoryLocks(Array.from({ length: 40 }, (_, i) => BigInt(i) - 20n))
    expect(one?.sql).toBe(many?.sql)
    expect(many?.parameters).toHaveLength(1)
    expect(advisoryLocks([])).toBeNull()
  })
})

// The embedded database's Kysely dialect (db/pglite-dialect.ts): one connection lent to one holder at
// a time, transactions that commit, roll back and refuse to commit once aborted.
import { PGlite } from '@electric-sql/pglite'
import { type Generated, isAbortedTransactionError, Kysely, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PGliteDialect } from '../../db/pglite-dialect.ts'

interface Scratch {
  marks: { id: Generated<number>; by: string }
}

describe('PGlite dialect', () => {
  let db: Kysely<Scratch>
  beforeAll(async () => {
    db = new Kysely<Scratch>({ dialect: new PGliteDialect({ pglite: new PGlite() }) })
    await sql`create table marks (id serial primary key, by text not null)`.execute(db)
  })
  afterAll(() => db.destroy())

  it('runs concurrent transactions one after another, in the order they asked', async () => {
    const order: string[] = []
    const slow = db.transaction().execute(async (trx) => {
      order.push('first begins')
      await trx.insertInto('marks').values({ by: 'first' }).execute()
      await new Promise((resolve) => setTimeout(resolve, 30))
      order.push('first ends')
    })
    const fast = db.transaction().execute(async (trx) => {
      order.push('second begins')
      const rows = await trx.selectFrom('marks').select('by').execute()
      // the first transaction committed before this one began
      expect(rows.map((r) => r.by)).toContain('first')
      order.push('second ends')
    })
    const outside = db.selectFrom('marks').select('by').execute()
    await Promise.all([slow, fast, outside])
    expect(order).toEqual(['first begins', 'first ends', 'second begins', 'second ends'])
  })

  it('rolls back a transaction whose work throws, and lends the connection on', async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('marks').values({ by: 'rolled back' }).execute()
        throw new Error('changed my mind')
      }),
    ).rejects.toThrow('changed my mind')
    const rows = await db.selectFrom('marks').select('by').where('by', '=', 'rolled back').execute()
    expect(rows).toEqual([])
  })

  it('refuses to commit a transaction an earlier statement aborted', async () => {
    const attempt = db.transaction().execute(async (trx) => {
      await trx.insertInto('marks').values({ by: 'aborted' }).execute()
      await sql`select 1 / 0`.execute(trx).catch(() => {})
    })
    const error = await attempt.catch((e: unknown) => e)
    expect(isAbortedTransactionError(error)).toBe(true)
    const rows = await db.selectFrom('marks').select('by').where('by', '=', 'aborted').execute()
    expect(rows).toEqual([])
  })

  it('reports affected rows as Kysely expects', async () => {
    const result = await db
      .updateTable('marks')
      .set({ by: 'renamed' })
      .where('by', '=', 'first')
      .executeTakeFirst()
    expect(result.numUpdatedRows).toBe(1n)
  })
})

// Decisions in batches (server/decision-store/batcher.ts), on PGlite and on PostgreSQL: units that arrive together
// share one transaction, units about the same subject never do and run in arrival order, and one
// unit's failure — in JavaScript or in SQL — costs only that unit.
import { sql } from 'kysely'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { Batcher, type Unit } from '../../server/decision-store/batcher.ts'
import { Conflict } from '../../server/decision-store/store.ts'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'

let database: TestDatabase
// the probe rows are identity_mismatches (any table the decisions write would do): id → decision_id
beforeAll(async () => {
  database = await createTestDatabase()
})
beforeEach(async () => {
  await sql`delete from identity_mismatches`.execute(database.db)
})
afterAll(() => database.close())

const notes = async () =>
  (
    await sql<{ id: number; note: string }>`select decision_id::int as id, kinds as note
      from identity_mismatches order by decision_id::int`.execute(database.db)
  ).rows

const probe = (id: number, note: string) => ({
  tenant_id: 'probe',
  decision_id: String(id),
  occurred_at: new Date(),
  customer_id: null,
  phone: null,
  ip: null,
  kinds: note,
})

/** A unit that reads its transaction's id and the probe rows, then writes its own row. */
function writer(id: number, note: string) {
  return async ({ pipeline, writes }: Unit) => {
    const [row] = await pipeline.gather.rows<{ txid: string; seen: number }>(
      sql`select txid_current()::text as txid, (select count(*) from identity_mismatches)::int as seen`.compile(
        pipeline.trx,
      ),
    )
    writes.add('mismatch', probe(id, note))
    return row as { txid: string; seen: number }
  }
}

describe('decisions in batches', () => {
  it('runs units that arrive together in one transaction, and commits all their writes', async () => {
    const batcher = new Batcher(database.db)
    const results = await Promise.all(
      [1, 2, 3, 4].map((id) => batcher.run([BigInt(id)], writer(id, `n${id}`))),
    )
    expect(new Set(results.map((r) => r.txid)).size).toBe(1)
    expect(await notes()).toEqual([1, 2, 3, 4].map((id) => ({ id, note: `n${id}` })))
  })

  it('with a batch size of one (TOLLGATE_DECISION_BATCH=1) gives every unit a transaction of its own', async () => {
    const batcher = new Batcher(database.db, { maxSize: 1 })
    const results = await Promise.all([1, 2, 3].map((id) => batcher.run([BigInt(id)], writer(id, `n${id}`))))
    expect(new Set(results.map((r) => r.txid)).size).toBe(3)
    expect(await notes()).toHaveLength(3)
  })

  it('never puts two units with a key in common in one batch: the later one sees the earlier one’s write', async () => {
    const batcher = new Batcher(database.db)
    const [first, second, other] = await Promise.all([
      batcher.run([1n, 2n], writer(1, 'first')),
      batcher.run([2n, 3n], writer(2, 'second')),
      batcher.run([4n], writer(3, 'other')),
    ])
    expect(first?.txid).toBe(other?.txid)
    expect(second?.txid).not.toBe(first?.txid)
    expect(first?.seen).toBe(0)
    expect(second?.seen).toBe(2)
  })

  it('fails a unit that throws alone, without any of its writes, and commits the others', async () => {
    const batcher = new Batcher(database.db)
    const failing = batcher.run([2n], async (unit) => {
      await writer(2, 'never')(unit)
      throw new Error('this request is refused')
    })
    const results = await Promise.allSettled([
      batcher.run([1n], writer(1, 'kept')),
      failing,
      batcher.run([3n], writer(3, 'kept too')),
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    await expect(failing).rejects.toThrow('this request is refused')
    expect(await notes()).toEqual([
      { id: 1, note: 'kept' },
      { id: 3, note: 'kept too' },
    ])
  })

  it('runs every unit alone again when a statement fails, so only the bad unit fails', async () => {
    await database.db.insertInto('identity_mismatches').values(probe(9, 'taken')).execute()
    const batcher = new Batcher(database.db)
    const results = await Promise.allSettled([
      batcher.run([1n], writer(1, 'one')),
      batcher.run([2n], writer(9, 'duplicate')),
      batcher.run([3n], writer(3, 'three')),
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: '23505' })
    expect(await notes()).toEqual([
      { id: 1, note: 'one' },
      { id: 3, note: 'three' },
      { id: 9, note: 'taken' },
    ])
  })

  it('lets a unit that meets a subject claimed in its batch run again in a later one', async () => {
    const batcher = new Batcher(database.db)
    const claiming = (id: number) => async (unit: Unit) => {
      const seen = await writer(id, `claimed by ${id}`)(unit)
      // both find the same customer only once they have read: the second gives way
      if (!unit.claim(99n)) throw new Conflict()
      return seen
    }
    const [first, second] = await Promise.all([
      batcher.run([1n], claiming(1)),
      batcher.run([2n], claiming(2)),
    ])
    expect(second?.txid).not.toBe(first?.txid)
    expect(second?.seen).toBe(1)
    expect(await notes()).toHaveLength(2)
  })
})

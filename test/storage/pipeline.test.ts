// The pipelined transaction (server/decision-store/pipeline.ts) on PGlite and on PostgreSQL: statements sent without
// waiting still run in order and atomically, the failing statement is the one reported, gathered
// reads come back as JSON rows, and nothing can run on the connection once the transaction ended.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pipelinedTransaction } from '../../server/decision-store/pipeline.ts'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'

let database: TestDatabase
beforeAll(async () => {
  database = await createTestDatabase()
  await sql`create table pipeline_probe (id int primary key, note text)`.execute(database.db)
})
afterAll(() => database.close())

const count = async () =>
  Number((await sql<{ n: string }>`select count(*) as n from pipeline_probe`.execute(database.db)).rows[0]?.n)

describe('pipelined transactions', () => {
  // a plan JIT-compiled costs tens of milliseconds (db/connect.ts); PGlite has no JIT
  it.runIf(process.env.TEST_DATABASE_URL)('run on connections with JIT off', async () => {
    const { rows } = await sql<{ jit: string }>`show jit`.execute(database.db)
    expect(rows[0]?.jit).toBe('off')
  })

  it('commits the writes sent with COMMIT, and a failing write takes the whole transaction with it', async () => {
    await pipelinedTransaction(database.db, async (p) => {
      p.sendBeforeCommit(sql`insert into pipeline_probe values (1, 'one')`.compile(p.trx))
    })
    expect(await count()).toBe(1)
    const failing = pipelinedTransaction(database.db, async (p) => {
      await p.send(sql`insert into pipeline_probe values (2, 'two')`.compile(p.trx))
      p.sendBeforeCommit(sql`insert into pipeline_probe values (1, 'again')`.compile(p.trx))
    })
    await expect(failing).rejects.toMatchObject({ code: '23505' })
    expect(await count()).toBe(1)
  })

  it('reports the statement that failed, not the aborted ones behind it', async () => {
    const failing = pipelinedTransaction(database.db, async (p) => {
      void p.send(sql`select * from no_such_table`.compile(p.trx)).catch(() => {})
      await p.send(sql`select 1 as one`.compile(p.trx))
    })
    await expect(failing).rejects.toThrow(/no_such_table/)
  })

  it('gathers the reads of one turn into one statement, with rows as JSON', async () => {
    const rows = await pipelinedTransaction(database.db, async (p) =>
      Promise.all([
        p.gather.rows<{ id: number; note: string }>(sql`select id, note from pipeline_probe`.compile(p.trx)),
        p.gather.rows<{ n: number; at: string }>(
          sql`select ${41}::int8 + 1 as n, timestamptz '2026-01-02 03:04:05+00' as at`.compile(p.trx),
        ),
        p.gather.rows(sql`select 1 where false`.compile(p.trx)),
      ]),
    )
    expect(rows[0]).toEqual([{ id: 1, note: 'one' }])
    expect(rows[1]).toEqual([{ n: 42, at: expect.any(String) }])
    // a timestamp arrives as ISO text in the session's zone: the same instant
    expect(new Date(String(rows[1]?.[0]?.at)).toISOString()).toBe('2026-01-02T03:04:05.000Z')
    expect(rows[2]).toEqual([])
  })

  it('refuses a statement made after its transaction ended, so it never runs in the next one', async () => {
    let late: Promise<unknown> = Promise.resolve()
    await pipelinedTransaction(database.db, async (p) => {
      // a read scheduled past the end of the work, as a forgotten lookup would be
      late = new Promise((resolve) => setTimeout(resolve, 20)).then(() =>
        p.send(sql`insert into pipeline_probe values (9, 'late')`.compile(p.trx)),
      )
    })
    await expect(late).rejects.toThrow(/after its transaction ended/)
    expect(await count()).toBe(1)
  })
})

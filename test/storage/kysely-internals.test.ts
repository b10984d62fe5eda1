// The two places Tollgate reaches into Kysely's execution layer (server/decision-store/kysely-internals.ts),
// on PGlite and on PostgreSQL. A Kysely upgrade that changes how a connection is provided or how a
// Transaction is made fails here, before it can send a decision's statements outside its transaction.
import { CompiledQuery, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { transactionOn, withConnection } from '../../server/decision-store/kysely-internals.ts'
import { createTenant } from '../../server/tenants/tenants.ts'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'

let database: TestDatabase
beforeAll(async () => {
  database = await createTestDatabase()
})
afterAll(() => database.close())

describe('Kysely internals', () => {
  it('withConnection holds one pooled connection for everything sent on it', async () => {
    const backends = await withConnection(database.db, async (connection) => {
      const pid = CompiledQuery.raw('select pg_backend_pid() as pid')
      const first = await connection.executeQuery<{ pid: number }>(pid)
      const second = await connection.executeQuery<{ pid: number }>(pid)
      return [first.rows[0]?.pid, second.rows[0]?.pid]
    })
    expect(backends[0]).toBeTypeOf('number')
    expect(backends[1]).toBe(backends[0])
  })

  it('transactionOn runs queries built with Kysely on that connection, inside the transaction it is in', async () => {
    const seenInside = await withConnection(database.db, async (connection) => {
      await connection.executeQuery(CompiledQuery.raw('begin'))
      const trx = transactionOn(database.db, connection)
      expect(trx.isTransaction).toBe(true)
      await trx
        .insertInto('tenants')
        .values({ tenant_id: 'rolled-back', name: 'Rolled back', time_zone: 'UTC', default_currency: 'USD' })
        .execute()
      const inside = await trx
        .selectFrom('tenants')
        .select('tenant_id')
        .where('tenant_id', '=', 'rolled-back')
        .execute()
      const { rows } = await sql<{ txid: string }>`select txid_current()::text as txid`.execute(trx)
      const again = await connection.executeQuery<{ txid: string }>(
        CompiledQuery.raw('select txid_current()::text as txid'),
      )
      // one transaction: the raw statement on the connection and the Kysely one see the same id
      expect(rows[0]?.txid).toBe(again.rows[0]?.txid)
      await connection.executeQuery(CompiledQuery.raw('rollback'))
      return inside
    })
    expect(seenInside).toEqual([{ tenant_id: 'rolled-back' }])
    // the insert went through the connection's transaction, so the rollback took it away
    const after = await database.db
      .selectFrom('tenants')
      .select('tenant_id')
      .where('tenant_id', '=', 'rolled-back')
      .execute()
    expect(after).toEqual([])
  })

  it('transactionOn compiles like the database it came from, and commits with the connection', async () => {
    await withConnection(database.db, async (connection) => {
      await connection.executeQuery(CompiledQuery.raw('begin'))
      const trx = transactionOn(database.db, connection)
      const compiled = trx.selectFrom('tenants').select('name').where('tenant_id', '=', 'kept').compile()
      expect(compiled.sql).toBe('select "name" from "tenants" where "tenant_id" = $1')
      expect(compiled.parameters).toEqual(['kept'])
      await createTenant(trx, { tenantId: 'kept', name: 'Kept', timeZone: 'UTC' })
      await connection.executeQuery(CompiledQuery.raw('commit'))
    })
    const kept = await database.db
      .selectFrom('tenants')
      .select('name')
      .where('tenant_id', '=', 'kept')
      .execute()
    expect(kept).toEqual([{ name: 'Kept' }])
  })
})

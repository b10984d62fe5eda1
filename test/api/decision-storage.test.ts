// How a decision row is stored: its JSON is compressed with lz4 where the database server has it
// (Debian's PostgreSQL does), with PostgreSQL's default pglz where not (PGlite), and reads back
// the same either way.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { purchase, startTestApp, type TestApp } from '../support/app.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp()
})
afterAll(() => t.close())

// a basket of 40 lines makes the captured request alone larger than the 2 KB past which rows are compressed
const items = Array.from({ length: 40 }, (_, i) => ({
  sku: `reading-${String(i).padStart(3, '0')}`,
  quantity: 1,
  unit_amount: 50,
}))

describe('decision rows', () => {
  it('compress their JSON with lz4 where the server supports it, and read back whole', async () => {
    const response = await t.post(
      '/v1/authorizations',
      purchase({ amount: { value: 2000, currency: 'USD' }, items }),
    )
    expect(response.status).toBe(201)
    const { id } = await response.json()

    const { rows: supported } = await sql<{ lz4: boolean }>`select 'lz4' = any(enumvals) as lz4
      from pg_settings where name = 'default_toast_compression'`.execute(t.db)
    const { rows } = await sql<{ method: string | null; bytes: number }>`select
        pg_column_compression(request) as method, octet_length(request::text) as bytes
      from decisions where tenant_id = 'acme' and id = ${id}`.execute(t.db)
    expect(rows[0]?.bytes).toBeGreaterThan(2048)
    expect(rows[0]?.method).toBe(supported[0]?.lz4 ? 'lz4' : 'pglz')
    // on PostgreSQL in CI the server has lz4: the migration must have taken effect there
    if (process.env.TEST_DATABASE_URL) expect(supported[0]?.lz4).toBe(true)

    const row = await t.db
      .selectFrom('decisions')
      .select(['request', 'fired_rules'])
      .where('tenant_id', '=', 'acme')
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    expect((row.request as { items: unknown }).items).toEqual(items)
    const stored = await t.get(`/v1/decisions/${id}`)
    expect(stored.status).toBe(200)
    const decision = await stored.json()
    expect(decision.id).toBe(id)
    expect(decision.explanation.fired_rules.map((r: { id: string }) => r.id)).toEqual(
      (row.fired_rules as { id: string }[]).map((r) => r.id),
    )
  })
})

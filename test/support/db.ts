// A fresh, migrated database for one suite: PGlite in memory, or a PostgreSQL database cloned from
// the template when TEST_DATABASE_URL is set.
import { randomBytes } from 'node:crypto'
import { connect, type DatabaseHandle } from '../../db/connect.ts'
import { migrateToLatest } from '../../db/migrate.ts'
import { templateName, withAdminDb, withDatabase } from './pg.ts'

export interface TestDatabase extends DatabaseHandle {
  /** the PostgreSQL URL of this suite's database, for starting other processes on it */
  url: string | null
}

export async function createTestDatabase(options: { poolSize?: number } = {}): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL
  if (!adminUrl) {
    const handle = await connect({})
    await migrateToLatest(handle.db)
    return { ...handle, url: null }
  }
  const name = `tollgate_test_${randomBytes(6).toString('hex')}`
  await withAdminDb(adminUrl, (sql) => sql.unsafe(`create database ${name} template ${templateName}`))
  const url = withDatabase(adminUrl, name)
  const handle = await connect({ url, poolSize: options.poolSize ?? 10 })
  return {
    ...handle,
    url,
    async close() {
      // A close that hangs (seen under the full suite's load, in the telephony suites) says where
      // and what the database's connections were doing, so its cause can be read from CI's log.
      let step = 'closing the pool'
      const watch = setTimeout(() => void reportSlowClose(adminUrl, name, step), 10_000)
      try {
        await handle.close()
        step = 'dropping the database'
        await withAdminDb(adminUrl, (sql) => sql.unsafe(`drop database if exists ${name} with (force)`))
      } finally {
        clearTimeout(watch)
      }
    },
  }
}

async function reportSlowClose(adminUrl: string, name: string, step: string): Promise<void> {
  try {
    const rows = await withAdminDb(adminUrl, (sql) =>
      sql.unsafe(
        `select pid, datname, state, wait_event_type, wait_event, now() - xact_start as in_transaction,
                left(query, 200) as query
           from pg_stat_activity where datname = $1 or query ilike '%' || $1 || '%'`,
        [name],
      ),
    )
    process.stderr.write(
      `[test database] ${name}: still ${step} after 10 s; its connections: ${JSON.stringify(rows)}\n`,
    )
  } catch (error) {
    process.stderr.write(`[test database] ${name}: still ${step} after 10 s (${String(error)})\n`)
  }
}

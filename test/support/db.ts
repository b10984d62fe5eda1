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
      await handle.close()
      await withAdminDb(adminUrl, (sql) => sql.unsafe(`drop database if exists ${name} with (force)`))
    },
  }
}

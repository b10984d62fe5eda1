// With TEST_DATABASE_URL: build the migrated template database every suite clones.
import { templateName, withAdminDb } from './pg.ts'

export async function setup(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL
  if (!url) {
    console.log('[tollgate] database suites run on PGlite (set TEST_DATABASE_URL to run them on PostgreSQL)')
    return
  }
  console.log(`[tollgate] database suites run on PostgreSQL at ${new URL(url).host}`)
  const { connect } = await import('../../db/connect.ts')
  const { migrateToLatest } = await import('../../db/migrate.ts')
  await withAdminDb(url, async (admin) => {
    await admin.unsafe(`drop database if exists ${templateName} with (force)`)
    await admin.unsafe(`create database ${templateName}`)
  })
  const handle = await connect({ url: databaseUrl(url, templateName), poolSize: 1 })
  await migrateToLatest(handle.db)
  await handle.close()
}

function databaseUrl(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

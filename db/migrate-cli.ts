// `npm run migrate`: bring the configured database to the latest schema and exit.
import { connect, databaseFromEnv } from './connect.ts'
import { migrateToLatest } from './migrate.ts'

const handle = await connect(databaseFromEnv(process.env))
const applied = await migrateToLatest(handle.db)
console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date')
await handle.close()

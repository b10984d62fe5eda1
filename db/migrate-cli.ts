// `npm run migrate`: bring the configured database to the latest schema and exit.
import { loadConfig } from '../server/config.ts'
import { connect } from './connect.ts'
import { migrateToLatest } from './migrate.ts'

const config = loadConfig(process.env)
const handle = await connect({ url: config.databaseUrl, dataDir: config.dataDir })
const applied = await migrateToLatest(handle.db)
console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date')
await handle.close()

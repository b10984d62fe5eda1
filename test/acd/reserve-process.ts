// A second bridge process for test/acd/two-processes.test.ts: it builds its own service graph on the
// PostgreSQL at DATABASE_URL, says "ready", waits for "go" on stdin, asks services.acd to reserve every
// call named in CALL_IDS at once, prints the reservations as one JSON line and exits.
import { createInterface } from 'node:readline'
import { connect } from '../../db/connect.ts'
import { createLogger } from '../../server/logging.ts'
import { createServices } from '../../server/services.ts'

const url = process.env.DATABASE_URL
const tenantId = process.env.TENANT_ID ?? 'rush'
const callIds = (process.env.CALL_IDS ?? '').split(',').filter(Boolean)
if (!url) throw new Error('DATABASE_URL is required')

const handle = await connect({ url, poolSize: 10 })
const services = createServices({ db: handle.db, secret: 'two-processes', logger: createLogger('warn') })
// one round trip first, so the pool is open before the race starts
await handle.db.selectFrom('calls').select('id').limit(1).execute()
process.stdout.write('ready\n')

const lines = createInterface({ input: process.stdin })
for await (const line of lines) {
  if (line.trim() !== 'go') continue
  const results = await Promise.all(
    callIds.map(async (callId) => ({ callId, reservation: await services.acd.reserve(tenantId, callId) })),
  )
  process.stdout.write(`${JSON.stringify({ pid: process.pid, results })}\n`)
  break
}
lines.close()
await handle.close()

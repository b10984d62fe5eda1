// A second server process for test/offers/two-processes.test.ts: it builds its own service graph on
// the PostgreSQL at DATABASE_URL, says "ready", waits for "go" on stdin, asks services.offers to
// reserve OFFER_ID for every customer in CUSTOMERS (customerId:paymentMethodId, comma-separated) at
// once, prints the outcomes as one JSON line and exits.
import { createInterface } from 'node:readline'
import { connect } from '../../db/connect.ts'
import { createLogger } from '../../server/logging.ts'
import { createServices } from '../../server/services.ts'
import { reserveRequest } from './support.ts'

const url = process.env.DATABASE_URL
const tenantId = process.env.TENANT_ID ?? 'race'
const offerId = process.env.OFFER_ID ?? ''
const customers = (process.env.CUSTOMERS ?? '')
  .split(',')
  .filter(Boolean)
  .map((pair) => {
    const [customerId = '', paymentMethodId = ''] = pair.split(':')
    return { customerId, paymentMethodId }
  })
if (!url) throw new Error('DATABASE_URL is required')

const handle = await connect({ url, poolSize: 10 })
const services = createServices({ db: handle.db, secret: 'two-processes', logger: createLogger('warn') })
// one round trip first, so the pool is open before the race starts
await handle.db.selectFrom('offers').select('id').limit(1).execute()
process.stdout.write('ready\n')

const lines = createInterface({ input: process.stdin })
for await (const line of lines) {
  if (line.trim() !== 'go') continue
  const outcomes = await Promise.all(
    customers.map((customer) =>
      services.offers.reserve(reserveRequest(tenantId, offerId, customer, new Date())),
    ),
  )
  process.stdout.write(
    `${JSON.stringify({ pid: process.pid, outcomes: outcomes.map((o) => (o.made ? 'made' : o.reason)) })}\n`,
  )
  break
}
lines.close()
await handle.close()

// A bridge in a process of its own on a PostgreSQL database, for the two-bridge test and the bench:
// the real listener, control connection and conference flow, with the stand-in caller. Prints one
// JSON line once listening: {"listening":{"host","port"},"bridgeId"}; SIGTERM closes it.
//   DATABASE_URL, FS_HOST, FS_PORT, FS_PASSWORD, BRIDGE_ID, LOG_LEVEL (default warn)
import { connect } from '../../db/connect.ts'
import { createLogger } from '../../server/logging.ts'
import { createServices } from '../../server/services.ts'
import { createBridge } from '../../telephony/bridge.ts'
import { TEST_SECRET } from '../support/app.ts'
import { standInCallerFlow } from './stand-in-caller.ts'

const env = process.env
const handle = await connect({ url: env.DATABASE_URL, poolSize: 8 })
const logger = createLogger(env.LOG_LEVEL ?? 'warn')
const services = createServices({ db: handle.db, secret: TEST_SECRET, logger })
const bridge = await createBridge({
  services,
  logger,
  listen: { host: '127.0.0.1', port: 0 },
  freeswitch: {
    host: env.FS_HOST ?? '127.0.0.1',
    port: Number(env.FS_PORT),
    password: env.FS_PASSWORD ?? 'ClueCon',
  },
  flows: { caller: standInCallerFlow(new Map(), 1_000_000, 100) },
  tickMs: 50,
  backoff: { initialMs: 20, maxMs: 200 },
  ...(env.BRIDGE_ID ? { bridgeId: env.BRIDGE_ID } : {}),
})
process.stdout.write(`${JSON.stringify({ listening: bridge.address, bridgeId: bridge.bridgeId })}\n`)

process.on('SIGTERM', () => {
  // whatever a socket still holds open, the process goes
  setTimeout(() => process.exit(0), 2000).unref()
  void (async () => {
    await bridge.close()
    await handle.close()
    process.exit(0)
  })()
})

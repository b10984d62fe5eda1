// `npm start`: migrate, seed the demo tenant on first start, and serve the API and the console —
// in this process, or in TOLLGATE_WORKERS processes sharing the port (server/workers.ts).
import cluster from 'node:cluster'
import { mkdirSync } from 'node:fs'
import { serve } from '@hono/node-server'
import { connect, type DatabaseHandle } from '../db/connect.ts'
import { migrateToLatest } from '../db/migrate.ts'
// the one place server/ reaches into telephony/: the process that serves also runs the bridge
import { startBridge } from '../telephony/start.ts'
import { createApp } from './app.ts'
import { type Config, ConfigError, loadConfig } from './config.ts'
import { createLogger } from './logging.ts'
import { Metrics } from './metrics.ts'
import { httpStockCheck } from './offers/stock-check.ts'
import { ProviderRegistry, selfBaseUrl } from './providers/client.ts'
import { loadOrCreateSecret } from './secrets.ts'
import { createServices, decisionBatching } from './services.ts'
import { bootstrapIfEmpty } from './tenants/bootstrap.ts'
import { superviseWorkers } from './workers.ts'

/** Stops with one line on stderr and no stack: for a mistake in the environment, not a bug. */
function refuseToStart(message: string): never {
  process.stderr.write(`tollgate: ${message}\n`)
  process.exit(1)
}

function configOrExit(): Config {
  try {
    return loadConfig(process.env)
  } catch (error) {
    if (error instanceof ConfigError) refuseToStart(error.message)
    throw error
  }
}

// Errors that mean the database cannot be reached or opened as configured, as opposed to a bug:
// network failures, PostgreSQL's "invalid authorization" (28xxx) and "no such database" (3D000),
// and a data directory the process may not create or write.
const unreachable = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOTDIR',
])
function isUnreachable(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && (unreachable.has(code) || code.startsWith('28') || code === '3D000')
}

/** Where the database is, without the password a DATABASE_URL may hold. */
function databaseLocation(config: Config): string {
  if (!config.databaseUrl) return `the embedded database in TOLLGATE_DATA_DIR (${config.dataDir})`
  const url = new URL(config.databaseUrl)
  return `PostgreSQL at DATABASE_URL (${url.hostname}:${url.port || 5432}${url.pathname})`
}

const config = configOrExit()
const logger = createLogger(config.logLevel)
const base = (port: number) => `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`

function printCredentials(
  credentials: Awaited<ReturnType<typeof bootstrapIfEmpty>>,
  port: number,
  heading = 'Tollgate is running with a new demo tenant.',
) {
  if (!credentials) return
  // Printed once, to the terminal only: these are the only copies of the random credentials.
  process.stdout.write(
    [
      '',
      heading,
      `  Console:   ${base(port)}/console   (${credentials.adminEmail} / ${credentials.adminPassword})`,
      `  API key:   ${credentials.apiKey}`,
      `  API docs:  ${base(port)}/v1/docs`,
      `  Phone:     9001, 9002, 9003 (1, 2, 3 representatives); representatives log in on 9100 with extension and PIN: ${credentials.representativePins.map((r) => `${r.name} ${r.extension} / ${r.pin}`).join(', ')}`,
      'Keep these: they are not shown again.',
      '',
    ].join('\n'),
  )
}

// TOLLGATE_WORKERS > 1: this process supervises, and the workers it forks serve
const supervising = cluster.isPrimary && config.workers > 1

const handle = await openDatabase()

async function openDatabase(): Promise<DatabaseHandle> {
  try {
    if (!config.databaseUrl) mkdirSync(config.dataDir, { recursive: true })
    const opened = await connect({
      url: config.databaseUrl,
      poolSize: supervising ? 1 : config.databasePoolSize,
      dataDir: config.databaseUrl ? undefined : config.dataDir,
    })
    // A worker starts on a database its supervisor has migrated and seeded, with the secret the
    // supervisor settled (TOLLGATE_SECRET in its environment), so every worker keys fingerprints
    // and sessions alike.
    if (cluster.isPrimary) {
      const applied = await migrateToLatest(opened.db)
      if (applied.length) logger.info({ applied }, 'migrations applied')
    }
    return opened
  } catch (error) {
    if (isUnreachable(error))
      refuseToStart(`cannot open ${databaseLocation(config)}: ${error.message} (${error.code})`)
    throw error
  }
}
const secret = loadOrCreateSecret(config.secret, config.dataDir)
const credentials = cluster.isPrimary
  ? await bootstrapIfEmpty(handle.db, {
      apiKey: config.bootstrapApiKey,
      adminEmail: config.bootstrapAdminEmail,
      adminPassword: config.bootstrapAdminPassword,
    })
  : null

if (supervising) {
  await handle.close()
  const port = await superviseWorkers(config.workers, { TOLLGATE_SECRET: secret }, logger)
  logger.info({ port, database: handle.engine, workers: config.workers }, 'tollgate listening')
  printCredentials(credentials, port)
} else {
  await serveHere()
}

async function serveHere(): Promise<void> {
  const services = createServices({
    db: handle.db,
    secret,
    logger,
    metrics: new Metrics({ defaultMetrics: true }),
    // the demo tenant's sandbox providers are paths on this server, called over HTTP like any other
    providers: new ProviderRegistry({ baseUrl: selfBaseUrl(config.host, config.port) }),
    // offers whose stock a supplier keeps: the deployer's check, else the sandbox's
    ...(config.offerStockCheckUrl ? { stockCheck: httpStockCheck(config.offerStockCheckUrl) } : {}),
    batches: decisionBatching(config),
    smtpUrl: config.smtpUrl,
  })
  const app = createApp(services)
  services.start()
  // each server process (each TOLLGATE_WORKERS worker) runs a bridge of its own: the workers share
  // ESL_LISTEN through node:cluster as they share PORT, and each keeps its own FREESWITCH_ESL connection
  const bridge = await startBridge(services, config, logger).catch(
    async (error: NodeJS.ErrnoException): Promise<never> => {
      printCredentials(credentials, config.port, 'Tollgate created a new demo tenant but could not start:')
      await handle.close().catch(() => undefined)
      const where = `${config.eslListen.host}:${config.eslListen.port}`
      return refuseToStart(`cannot listen on ESL_LISTEN ${where}: ${error.message}`)
    },
  )
  // Counted so shutdown can wait for them: a client that hangs up does not stop its request's work.
  let inFlight = 0
  const fetch: typeof app.fetch = async (...args) => {
    inFlight++
    try {
      return await app.fetch(...args)
    } finally {
      inFlight--
    }
  }
  const server = serve({ fetch, port: config.port, hostname: config.host }, (info) => {
    services.providers.setBaseUrl(selfBaseUrl(config.host, info.port))
    // a worker's supervisor says "listening" once all of them are
    if (cluster.isWorker) {
      // said by message, not by cluster's 'listening': the worker's bridge listens on a port too
      process.send?.({ tollgate: 'listening', port: info.port })
      logger.info({ worker: cluster.worker?.id }, 'server worker started')
    } else logger.info({ port: info.port, database: handle.engine }, 'tollgate listening')
    printCredentials(credentials, info.port)
  })

  server.once('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE' || error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL') {
      // the demo tenant was just created: its random credentials are shown now or never
      printCredentials(credentials, config.port, 'Tollgate created a new demo tenant but could not start:')
      const message = `cannot listen on HOST ${config.host} PORT ${config.port}: ${error.message}`
      void handle.close().finally(() => refuseToStart(message))
      return
    }
    throw error
  })

  let stopping = false
  async function shutdown(signal: string) {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down')
    server.close()
    await bridge.close()
    await services.stop()
    // Let the requests in flight finish before the pool closes under them: closing it first left
    // their transactions waiting on a pool that would never serve them, and the process hung.
    const deadline = Date.now() + 10_000
    while (inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    await handle.close()
    process.exit(0)
  }
  process.on('SIGINT', () => void shutdown('SIGINT'))
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
}

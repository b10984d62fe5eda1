// Configuration from the environment (the names are a contract: ARCHITECTURE.md, "Running").
import os from 'node:os'
import { databaseFromEnv } from '../db/connect.ts'

export interface Config {
  port: number
  host: string
  databaseUrl: string | undefined
  /** connections to PostgreSQL this process keeps (TOLLGATE_DB_POOL, default 10) */
  databasePoolSize: number
  /** authorizations that may share one transaction (TOLLGATE_DECISION_BATCH, default 32; 1 turns it off) */
  decisionBatchSize: number
  /** server processes sharing the port (TOLLGATE_WORKERS, default 1; `auto` is one per core); PostgreSQL only */
  workers: number
  dataDir: string
  secret: string | undefined
  bootstrapApiKey: string | undefined
  bootstrapAdminEmail: string
  bootstrapAdminPassword: string | undefined
  logLevel: string
}

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const port = Number(env.PORT ?? 8080)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got "${env.PORT}"`)
  const databasePoolSize = Number(env.TOLLGATE_DB_POOL ?? 10)
  if (!Number.isInteger(databasePoolSize) || databasePoolSize < 1 || databasePoolSize > 1000)
    throw new Error(`TOLLGATE_DB_POOL must be a whole number from 1 to 1000, got "${env.TOLLGATE_DB_POOL}"`)
  const decisionBatchSize = Number(env.TOLLGATE_DECISION_BATCH ?? 32)
  if (!Number.isInteger(decisionBatchSize) || decisionBatchSize < 1 || decisionBatchSize > 256)
    throw new Error(
      `TOLLGATE_DECISION_BATCH must be a whole number from 1 to 256, got "${env.TOLLGATE_DECISION_BATCH}"`,
    )
  const { url: databaseUrl, dataDir } = databaseFromEnv(env)
  const workers =
    env.TOLLGATE_WORKERS === 'auto' ? os.availableParallelism() : Number(env.TOLLGATE_WORKERS ?? 1)
  if (!Number.isInteger(workers) || workers < 1 || workers > 64)
    throw new Error(
      `TOLLGATE_WORKERS must be "auto" or a whole number from 1 to 64, got "${env.TOLLGATE_WORKERS}"`,
    )
  if (workers > 1 && !databaseUrl)
    throw new Error(
      'TOLLGATE_WORKERS above 1 needs DATABASE_URL: the embedded database lives inside one process',
    )
  return {
    port,
    workers,
    databasePoolSize,
    decisionBatchSize,
    host: env.HOST ?? '0.0.0.0',
    databaseUrl,
    dataDir,
    secret: env.TOLLGATE_SECRET || undefined,
    bootstrapApiKey: env.TOLLGATE_BOOTSTRAP_API_KEY || undefined,
    bootstrapAdminEmail: env.TOLLGATE_BOOTSTRAP_ADMIN_EMAIL || 'admin@example.com',
    bootstrapAdminPassword: env.TOLLGATE_BOOTSTRAP_ADMIN_PASSWORD || undefined,
    logLevel: env.LOG_LEVEL ?? 'info',
  }
}

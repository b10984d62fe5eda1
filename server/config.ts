// Configuration from the environment (the names are a contract: ARCHITECTURE.md, "Running").
import path from 'node:path'

export interface Config {
  port: number
  host: string
  databaseUrl: string | undefined
  /** connections to PostgreSQL this process keeps (TOLLGATE_DB_POOL, default 10) */
  databasePoolSize: number
  /** authorizations that may share one transaction (TOLLGATE_DECISION_BATCH, default 32; 1 turns it off) */
  decisionBatchSize: number
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
  return {
    port,
    databasePoolSize,
    decisionBatchSize,
    host: env.HOST ?? '0.0.0.0',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(env.TOLLGATE_DATA_DIR ?? './.data'),
    secret: env.TOLLGATE_SECRET || undefined,
    bootstrapApiKey: env.TOLLGATE_BOOTSTRAP_API_KEY || undefined,
    bootstrapAdminEmail: env.TOLLGATE_BOOTSTRAP_ADMIN_EMAIL || 'admin@example.com',
    bootstrapAdminPassword: env.TOLLGATE_BOOTSTRAP_ADMIN_PASSWORD || undefined,
    logLevel: env.LOG_LEVEL ?? 'info',
  }
}

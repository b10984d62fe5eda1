// Configuration from the environment (the names are a contract: ARCHITECTURE.md, "Running"). A
// wrong value is refused with a ConfigError naming the variable and the form it must take, which
// server/main.ts prints as one line before it exits.
import os from 'node:os'
import path from 'node:path'
import { z } from 'zod'
import { parseApiKey } from './api-keys/keys.ts'
import { DEMO_TENANT } from './tenants/bootstrap.ts'

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
  /** where offers whose stock a supplier keeps are checked (OFFER_STOCK_CHECK_URL); the sandbox's check when unset */
  offerStockCheckUrl: string | null
  /** the telephony bridge's outbound-socket listener (ESL_LISTEN, default 127.0.0.1:8084) */
  eslListen: { host: string; port: number }
  /** FreeSWITCH's inbound event socket (FREESWITCH_ESL host:port, off when unset; FREESWITCH_ESL_PASSWORD, default ClueCon) */
  freeswitchEsl: { host: string; port: number; password: string } | null
  /**
   * call-out campaigns' dialling (off unless CALLOUT_DIAL_STRING is set): the dial string with {number},
   * CALLOUT_CALLER_ID, CALLOUT_RING_SECONDS (default 30) and CALLOUT_SOCKET (where FreeSWITCH connects
   * an answered call; ESL_LISTEN by default)
   */
  callOut: {
    dialString: string
    callerId: string | null
    ringSeconds: number
    socket: { host: string; port: number } | null
  } | null
  /** the SMTP server e-mail campaigns send through (SMTP_URL, smtp:// or smtps://; e-mail campaigns cannot start without it) */
  smtpUrl: string | undefined
}

/** A variable set to a value the server cannot use; the message names it and the form expected. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message)
    this.name = 'ConfigError'
  }
}

/** `shown` is left out for values that may be secret. */
function mustBe(variable: string, expected: string, shown?: string): ConfigError {
  return new ConfigError(
    variable,
    `${variable} must be ${expected}${shown === undefined ? '' : `, got "${shown}"`}`,
  )
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/** An empty variable counts as unset, as a shell's `PORT= npm start` means. */
function read(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[name] || undefined
}

function wholeNumber(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = read(env, name)
  if (value === undefined) return fallback
  const number = Number(value)
  if (!/^\d+$/.test(value) || number < min || number > max)
    throw mustBe(name, `a whole number from ${min} to ${max}`, value)
  return number
}

function offerStockCheckUrlOf(env: NodeJS.ProcessEnv): string | null {
  const value = read(env, 'OFFER_STOCK_CHECK_URL')
  if (value === undefined) return null
  const url = URL.canParse(value) ? new URL(value) : null
  // the URL may carry a token: name the form, not the value
  if (!url || !['http:', 'https:'].includes(url.protocol))
    throw mustBe(
      'OFFER_STOCK_CHECK_URL',
      'an http:// or https:// URL, e.g. https://supplier.example/stock-check',
    )
  return value
}

function databaseUrlOf(env: NodeJS.ProcessEnv): string | undefined {
  const value = read(env, 'DATABASE_URL')
  if (value === undefined) return undefined
  const url = URL.canParse(value) ? new URL(value) : null
  if (!url || !['postgres:', 'postgresql:'].includes(url.protocol) || !url.hostname)
    // the value may hold a password: name the form, not the value
    throw mustBe('DATABASE_URL', 'a PostgreSQL URL of the form postgres://user:password@host:5432/database')
  return value
}

function smtpUrlOf(env: NodeJS.ProcessEnv): string | undefined {
  const value = read(env, 'SMTP_URL')
  if (value === undefined) return undefined
  const url = URL.canParse(value) ? new URL(value) : null
  if (!url || !['smtp:', 'smtps:'].includes(url.protocol) || !url.hostname)
    // the value may hold a password: name the form, not the value
    throw mustBe(
      'SMTP_URL',
      'an SMTP URL of the form smtp://user:password@host:587 or smtps://user:password@host:465',
    )
  return value
}

/** `host:port` (an IPv6 host in brackets); null when unset and there is no fallback. */
function hostAndPort(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: string | undefined,
): { host: string; port: number } | null {
  const value = read(env, name) ?? fallback
  if (value === undefined) return null
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(value)
  const port = Number(match?.[3])
  if (!match || port > 65535) throw mustBe(name, 'host:port, e.g. 127.0.0.1:8084', value)
  return { host: match[1] ?? match[2] ?? '', port }
}

function callOutOf(env: NodeJS.ProcessEnv, hasFreeswitch: boolean): Config['callOut'] {
  const dialString = read(env, 'CALLOUT_DIAL_STRING')
  const callerId = read(env, 'CALLOUT_CALLER_ID')
  const ringSeconds = wholeNumber(env, 'CALLOUT_RING_SECONDS', 30, 5, 120)
  const socket = hostAndPort(env, 'CALLOUT_SOCKET', undefined)
  if (callerId !== undefined && !/^\+?[0-9]{3,20}$/.test(callerId))
    throw mustBe('CALLOUT_CALLER_ID', 'a phone number of 3 to 20 digits, optionally after a +', callerId)
  if (socket?.port === 0)
    throw mustBe('CALLOUT_SOCKET', 'host:port with a port from 1 to 65535', read(env, 'CALLOUT_SOCKET'))
  if (dialString === undefined) return null
  // one word of the originate command: a space would split it, a brace or comma would end the variables
  if (
    !/^[^\s{},']+$/.test(dialString.replaceAll('{number}', '').replaceAll('{digits}', '')) ||
    !/\{(number|digits)\}/.test(dialString) ||
    dialString.length > 500
  )
    throw mustBe(
      'CALLOUT_DIAL_STRING',
      'a FreeSWITCH dial string with {number} (or {digits}) and no spaces, e.g. sofia/gateway/out/{number}',
      dialString,
    )
  if (!hasFreeswitch)
    throw new ConfigError(
      'CALLOUT_DIAL_STRING',
      'CALLOUT_DIAL_STRING needs FREESWITCH_ESL: call-outs are originated over FreeSWITCH’s event socket',
    )
  return { dialString, callerId: callerId ?? null, ringSeconds, socket }
}

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const port = wholeNumber(env, 'PORT', 8080, 0, 65535)
  const databasePoolSize = wholeNumber(env, 'TOLLGATE_DB_POOL', 10, 1, 1000)
  const decisionBatchSize = wholeNumber(env, 'TOLLGATE_DECISION_BATCH', 32, 1, 256)
  const databaseUrl = databaseUrlOf(env)
  const workersValue = read(env, 'TOLLGATE_WORKERS')
  const workers = workersValue === 'auto' ? os.availableParallelism() : Number(workersValue ?? 1)
  if (!Number.isInteger(workers) || workers < 1 || workers > 64)
    throw mustBe('TOLLGATE_WORKERS', '"auto" or a whole number from 1 to 64', workersValue)
  if (workers > 1 && !databaseUrl)
    throw new ConfigError(
      'TOLLGATE_WORKERS',
      'TOLLGATE_WORKERS above 1 needs DATABASE_URL: the embedded database lives inside one process',
    )

  const bootstrapApiKey = read(env, 'TOLLGATE_BOOTSTRAP_API_KEY')
  if (bootstrapApiKey !== undefined && parseApiKey(bootstrapApiKey)?.tenantId !== DEMO_TENANT)
    // a key that is almost right is still a secret: never echo it
    throw mustBe('TOLLGATE_BOOTSTRAP_API_KEY', `tg_${DEMO_TENANT}_ followed by 16 to 128 letters or digits`)
  const bootstrapAdminEmail = read(env, 'TOLLGATE_BOOTSTRAP_ADMIN_EMAIL') ?? 'admin@example.com'
  if (!z.email().max(254).safeParse(bootstrapAdminEmail).success)
    throw mustBe('TOLLGATE_BOOTSTRAP_ADMIN_EMAIL', 'an e-mail address', bootstrapAdminEmail)
  const bootstrapAdminPassword = read(env, 'TOLLGATE_BOOTSTRAP_ADMIN_PASSWORD')
  // the same rule as for any user the console adds
  if (
    bootstrapAdminPassword !== undefined &&
    (bootstrapAdminPassword.length < 12 || bootstrapAdminPassword.length > 200)
  )
    throw mustBe('TOLLGATE_BOOTSTRAP_ADMIN_PASSWORD', 'from 12 to 200 characters long')
  const logLevel = read(env, 'LOG_LEVEL') ?? 'info'
  if (!logLevels.includes(logLevel)) throw mustBe('LOG_LEVEL', `one of ${logLevels.join(', ')}`, logLevel)

  const smtpUrl = smtpUrlOf(env)
  const eslListen = hostAndPort(env, 'ESL_LISTEN', '127.0.0.1:8084') ?? { host: '127.0.0.1', port: 8084 }
  const freeswitch = hostAndPort(env, 'FREESWITCH_ESL', undefined)
  if (freeswitch?.port === 0)
    throw mustBe('FREESWITCH_ESL', 'host:port with a port from 1 to 65535', read(env, 'FREESWITCH_ESL'))
  const freeswitchPassword = read(env, 'FREESWITCH_ESL_PASSWORD')
  if (freeswitchPassword !== undefined && /[\r\n]/.test(freeswitchPassword))
    // the password goes on one line of the event socket's auth command
    throw mustBe('FREESWITCH_ESL_PASSWORD', 'one line of text')

  const callOut = callOutOf(env, freeswitch !== null)

  return {
    port,
    workers,
    eslListen,
    callOut,
    // FreeSWITCH's own default password, as event_socket.conf.xml ships it
    freeswitchEsl: freeswitch ? { ...freeswitch, password: freeswitchPassword ?? 'ClueCon' } : null,
    databasePoolSize,
    decisionBatchSize,
    host: read(env, 'HOST') ?? '0.0.0.0',
    databaseUrl,
    dataDir: path.resolve(read(env, 'TOLLGATE_DATA_DIR') ?? './.data'),
    secret: read(env, 'TOLLGATE_SECRET'),
    offerStockCheckUrl: offerStockCheckUrlOf(env),
    bootstrapApiKey,
    bootstrapAdminEmail,
    bootstrapAdminPassword,
    logLevel,
    smtpUrl,
  }
}

// The browser suites' world: the real server process on a fresh database (PGlite in a temp dir, or
// a PostgreSQL database cloned from the template when TEST_DATABASE_URL is set), Debian's Chromium
// driven by playwright-core, and helpers to sign in, call the APIs and keep screenshots.
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { connect, type Db } from '../../../db/connect.ts'
import { migrateToLatest } from '../../../db/migrate.ts'
import { createTestDatabase, type TestDatabase } from '../../support/db.ts'
import { reviewRuleSet } from '../../support/review-rule-set.ts'
import { type ServerProcess, startServerProcess } from '../../support/server-process.ts'
import { CHROMIUM_PATH } from './chromium.ts'

export const ADMIN_EMAIL = 'admin@demo.test'
export const ADMIN_PASSWORD = 'browser-admin-password-1'
export const TENANT = 'demo'

const root = path.resolve(import.meta.dirname, '../../..')
export const SCREENSHOT_DIR = path.join(root, 'test-results/screenshots')

export interface ConsoleServer {
  url: string
  apiKey: string
  process: ServerProcess
  stop(): Promise<void>
}

export async function startConsoleServer(
  options: {
    /** rows to write before the server starts (PGlite is one process's: the server's, once it runs) */
    prepare?: (db: Db) => Promise<void>
    /** more of the server's environment (SMTP_URL for the campaigns suite) */
    env?: Record<string, string>
  } = {},
): Promise<ConsoleServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tollgate-browser-'))
  const database: TestDatabase | null = process.env.TEST_DATABASE_URL
    ? await createTestDatabase({ poolSize: 1 })
    : null
  const apiKey = `tg_${TENANT}_${randomBytes(24).toString('hex')}`
  try {
    if (options.prepare) {
      const handle = database ?? (await connect({ dataDir }))
      if (!database) await migrateToLatest(handle.db)
      await options.prepare(handle.db)
      if (!database) await handle.close()
    }
    const server = await startServerProcess({
      env: {
        DATABASE_URL: database?.url ?? '',
        TOLLGATE_DATA_DIR: dataDir,
        TOLLGATE_SECRET: 'browser-suite-secret-not-for-production',
        TOLLGATE_BOOTSTRAP_API_KEY: apiKey,
        TOLLGATE_BOOTSTRAP_ADMIN_EMAIL: ADMIN_EMAIL,
        TOLLGATE_BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
        ESL_LISTEN: '127.0.0.1:0',
        FREESWITCH_ESL: '',
        ...options.env,
      },
      timeoutMs: 110_000,
    })
    return {
      url: server.url,
      apiKey,
      process: server,
      async stop() {
        await server.stop()
        await database?.close()
        rmSync(dataDir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await database?.close()
    rmSync(dataDir, { recursive: true, force: true })
    throw error
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/** A fresh browser profile (no cookies) looking at this server. */
export async function openConsole(
  browser: Browser,
  server: ConsoleServer,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1440, height: 900 } })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  return { context, page }
}

/** Fills the login form the page is on and submits it. */
export async function fillLogin(page: Page, email: string, password: string, tenant = TENANT): Promise<void> {
  await page.getByLabel('Workspace').fill(tenant)
  await page.getByLabel('E-mail').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

export async function signIn(page: Page, email = ADMIN_EMAIL, password = ADMIN_PASSWORD): Promise<void> {
  await page.goto('/console/login')
  await fillLogin(page, email, password)
  await page.getByTestId('signed-in-user').waitFor()
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true })
}

/** A merchant authorization through the real API. */
export async function authorize(
  server: ConsoleServer,
  body: unknown,
): Promise<{ id: string; outcome: string }> {
  const response = await fetch(`${server.url}/v1/authorizations`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${server.apiKey}`,
      'content-type': 'application/json',
      'idempotency-key': randomBytes(12).toString('hex'),
    },
    body: JSON.stringify(body),
  })
  const text = await response.text()
  if (response.status !== 201) throw new Error(`authorization failed: ${response.status} ${text}`)
  return JSON.parse(text) as { id: string; outcome: string }
}

export function purchase(overrides: Record<string, unknown> = {}) {
  return {
    kind: 'purchase',
    channel: 'web',
    amount: { value: 2500, currency: 'USD' },
    customer: { id: 'c-81', email: 'ann@example.com', phone: '+15555550100', name: 'Ann Lee' },
    network: { ip: '203.0.113.7', device_id: 'd-1' },
    entered: {},
    payment_method: {
      type: 'card',
      card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' },
      billing_address: { line1: '12 Main St', postal_code: '94107', country: 'US' },
    },
    ...overrides,
  }
}

/** The admin API as a signed-in staff member, outside the browser: cookie and CSRF token by hand. */
export async function staffApi(server: ConsoleServer, email = ADMIN_EMAIL, password = ADMIN_PASSWORD) {
  const login = await fetch(`${server.url}/admin/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: TENANT, email, password }),
  })
  if (login.status !== 200) throw new Error(`staff sign-in failed: ${login.status} ${await login.text()}`)
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
  const { csrf_token: csrf } = (await login.json()) as { csrf_token: string }
  return (method: string, apiPath: string, body?: unknown) =>
    fetch(`${server.url}/admin/v1${apiPath}`, {
      method,
      headers: {
        cookie,
        'x-csrf-token': csrf,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
}

export async function createStaff(
  server: ConsoleServer,
  role: string,
  email = `${role}-${randomBytes(3).toString('hex')}@demo.test`,
) {
  const password = `${role}-password-long-enough`
  const admin = await staffApi(server)
  const response = await admin('POST', '/users', {
    email,
    name: `${role[0]?.toUpperCase()}${role.slice(1)} Person`,
    role,
    password,
  })
  if (response.status !== 201)
    throw new Error(`creating ${role} failed: ${response.status} ${await response.text()}`)
  return { email, password }
}

/** A publisher drafts, publishes and activates the review-desk rule set: big purchases go to review. */
export async function installReviewRuleSet(server: ConsoleServer): Promise<void> {
  const { email, password } = await createStaff(server, 'publisher')
  const publisher = await staffApi(server, email, password)
  const draft = await publisher('POST', '/rule-sets/authorizations/versions', {})
  if (draft.status !== 201) throw new Error(`drafting failed: ${draft.status}`)
  const { version } = (await draft.json()) as { version: number }
  const base = `/rule-sets/authorizations/versions/${version}`
  const edited = await publisher('PUT', base, { definition: reviewRuleSet })
  if (!((await edited.json()) as { valid: boolean }).valid) throw new Error('the review rule set is invalid')
  for (const step of ['publish', 'activate']) {
    const response = await publisher('POST', `${base}/${step}`)
    if (response.status !== 200) throw new Error(`${step} failed: ${response.status}`)
  }
}

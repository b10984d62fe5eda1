// A real session through the merchant API — started (decision and hold on the sandbox gateway), two
// representatives on overlapping legs, ended, rated and settled by the server — then read by a
// viewer in Chromium: the timeline, the charge, the hold and its capture, the ledger entries, and the
// ledger check saying "Balanced".
import { randomBytes } from 'node:crypto'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureRepresentative, ensureServiceLine } from '../support/money-rows.ts'
import { chromiumAvailable } from './support/chromium.ts'
import {
  type ConsoleServer,
  createStaff,
  launchChromium,
  openConsole,
  screenshot,
  signIn,
  startConsoleServer,
  TENANT,
} from './support/harness.ts'

interface SessionBody {
  id: string
  status: string
  hold: { payment_id: string; amount: number; status: string } | null
  legs: { id: string; representative_id: string | null; disconnected_at: string | null }[]
  charge: { amount: number; currency: string } | null
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.skipIf(!chromiumAvailable)('a real session in the console', () => {
  let server: ConsoleServer
  let browser: Browser
  let lineId: string

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([
      startConsoleServer({
        prepare: async (db) => {
          lineId = await ensureServiceLine(db, TENANT, 'sl_browser_advice')
          await ensureRepresentative(db, TENANT, { id: 'rep_rows_a', name: 'Ada Reyes', extension: '7001' })
          await ensureRepresentative(db, TENANT, { id: 'rep_rows_b', name: 'Ben Okafor', extension: '7002' })
        },
      }),
      launchChromium(),
    ])
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  async function merchant(method: string, path: string, body?: unknown): Promise<SessionBody> {
    const response = await fetch(`${server.url}/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${server.apiKey}`,
        'content-type': 'application/json',
        'idempotency-key': randomBytes(12).toString('hex'),
      },
      body: body === undefined ? (method === 'POST' ? '{}' : undefined) : JSON.stringify(body),
    })
    const text = await response.text()
    if (response.status >= 300)
      throw new Error(
        `${method} ${path}: ${response.status} ${text}\nserver log: ${server.process.stderr.join('').slice(-3000)}`,
      )
    return JSON.parse(text) as SessionBody
  }

  it('shows a session the server ran and settled, and the ledger balanced', async () => {
    const started = await merchant('POST', '/sessions', {
      service_line_id: lineId,
      channel: 'web',
      customer: { id: 'c-real-1', email: 'real@example.com', phone: '+15555550142', name: 'Rae Alvarez' },
      network: { ip: '203.0.113.42' },
      payment_method: {
        type: 'card',
        card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' },
        billing_address: { line1: '12 Main St', postal_code: '94107', country: 'US' },
      },
    })
    expect(started.status).toBe('live')
    expect(started.hold?.amount).toBe(2990)
    const id = started.id

    const withA = await merchant('POST', `/sessions/${id}/legs`, {
      party: 'representative',
      representative_id: 'rep_rows_a',
    })
    const legA = withA.legs.find((l) => l.representative_id === 'rep_rows_a')
    await sleep(1100)
    const withB = await merchant('POST', `/sessions/${id}/legs`, {
      party: 'representative',
      representative_id: 'rep_rows_b',
    })
    const legB = withB.legs.find((l) => l.representative_id === 'rep_rows_b')
    await merchant('POST', `/sessions/${id}/heartbeat`)
    await sleep(1100)
    await merchant('POST', `/sessions/${id}/legs/${legA?.id}/end`)
    await merchant('POST', `/sessions/${id}/legs/${legB?.id}/end`)
    await merchant('POST', `/sessions/${id}/end`, { reason: 'completed' })
    await expect
      .poll(async () => (await merchant('GET', `/sessions/${id}`)).status, { timeout: 30_000 })
      .toBe('settled')
    const settled = await merchant('GET', `/sessions/${id}`)
    // a few seconds on a 60/60 line at 2.99 a minute: the first minute
    expect(settled.charge).toEqual({ amount: 299, currency: 'USD' })

    const { email, password } = await createStaff(server, 'viewer')
    const { context, page } = await openConsole(browser, server)
    await signIn(page, email, password)
    await page.goto(`/console/sessions?status=past`)
    const row = page.getByTestId(`session-${id}`)
    await row.waitFor()
    expect(await row.textContent()).toContain('Settled')
    expect(await row.textContent()).toContain('$2.99')
    await row.click()
    await page.getByRole('heading', { name: `Session ${id}` }).waitFor()

    const legs = page.getByRole('list', { name: 'Timeline of legs' }).getByTestId('leg')
    await expect.poll(() => legs.count()).toBe(2)
    const legTexts = await legs.allTextContents()
    expect(legTexts[0]).toMatch(/^Ada Reyes.*billed$/)
    expect(legTexts[1]).toMatch(/^Ben Okafor.*billed$/)
    const breakdown = page.getByRole('table', { name: 'Charge breakdown' })
    expect(await breakdown.textContent()).toContain('Total charged$2.99')
    const calls = page.getByRole('table', { name: `Gateway calls for ${started.hold?.payment_id}` })
    const callTexts = await calls.locator('tbody tr').allTextContents()
    expect(callTexts[0]).toContain('Place hold$29.90Done')
    expect(callTexts.some((text) => text.includes('Capture$2.99Done'))).toBe(true)
    const entries = page.getByRole('table', { name: 'Session ledger entries' }).locator('tbody tr')
    expect(await entries.count()).toBeGreaterThanOrEqual(4)
    expect(await page.getByTestId('session-payment').textContent()).toContain('Captured')
    await screenshot(page, 'session-real')

    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Ledger', exact: true })
      .click()
    const verdict = page.getByTestId('ledger-check')
    await verdict.waitFor()
    expect(await verdict.textContent()).toContain('Balanced')
    expect(await verdict.textContent()).toContain('Debits equal credits in every currency')
    await screenshot(page, 'ledger-real')
    await context.close()
  })
})

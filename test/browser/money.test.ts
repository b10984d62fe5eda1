// Sessions, payments and the ledger in a real Chromium, on rows written through the database before
// the server starts: a settled session with two overlapping representatives, a live one, a declined
// payment, and one ledger transaction written by hand that does not balance, for the check to name.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type BuiltSession,
  insertDeclinedPayment,
  insertLiveSession,
  insertSettledSession,
  insertUnbalancedTransaction,
} from '../support/money-rows.ts'
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

describe.skipIf(!chromiumAvailable)('sessions, payments and the ledger in the console', () => {
  let server: ConsoleServer
  let browser: Browser
  let settled: BuiltSession
  let live: BuiltSession
  let declinedId: string
  let offTransaction: string

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([
      startConsoleServer({
        prepare: async (db) => {
          settled = await insertSettledSession(db, TENANT)
          live = await insertLiveSession(db, TENANT)
          declinedId = await insertDeclinedPayment(db, TENANT)
          offTransaction = await insertUnbalancedTransaction(db, TENANT, { debit: 500, credit: 450 })
        },
      }),
      launchChromium(),
    ])
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('shows live and past sessions and one session’s timeline, charge, payments, entries and pay', async () => {
    // a viewer is enough to read money
    const { email, password } = await createStaff(server, 'viewer')
    const { context, page } = await openConsole(browser, server)
    await signIn(page, email, password)
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Sessions', exact: true })
      .click()
    const table = page.getByRole('table', { name: 'Sessions' })
    await table.waitFor()
    // live sessions first
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1)
    const liveRow = page.getByTestId(`session-${live.sessionId}`)
    expect(await liveRow.textContent()).toContain('Live')
    expect(await liveRow.textContent()).toMatch(/\d:\d\d so far/)
    await screenshot(page, 'sessions-live')

    await page.getByRole('button', { name: 'Past' }).click()
    await page.waitForURL('**/console/sessions?status=past')
    const row = page.getByTestId(`session-${settled.sessionId}`)
    await row.waitFor()
    const rowText = (await row.textContent()) ?? ''
    expect(rowText).toContain('Settled')
    expect(rowText).toContain('$29.90')
    expect(rowText).toContain('$11.96')
    expect(rowText).toContain('3 min 5 s')

    // narrowed to a representative who was on it, then to a line it was not on, then cleared
    await page.getByLabel('Representative').selectOption('rep_rows_b')
    await page.waitForURL(/representative_id=rep_rows_b/)
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1)
    await page.getByLabel('Service line').selectOption('advice')
    await page.waitForURL(/service_line_id=advice/)
    await page.getByText('No sessions here').waitFor()
    await page.getByRole('button', { name: 'Clear' }).click()
    await page.waitForURL('**/console/sessions?status=past')

    await row.click()
    await page.waitForURL(`**/console/sessions/${settled.sessionId}`)
    await page.getByRole('heading', { name: `Session ${settled.sessionId}` }).waitFor()
    const legs = page.getByRole('list', { name: 'Timeline of legs' }).getByTestId('leg')
    await expect.poll(() => legs.count()).toBe(3)
    expect(await legs.allTextContents()).toEqual([
      expect.stringMatching(/^Customer.*0:00 → 4:00 · 4 min$/),
      expect.stringMatching(/^Ada Reyes.*0:10 → 2:10 · 2 min, 2 min billed$/),
      expect.stringMatching(/^Ben Okafor.*1:10 → 3:15 · 2 min 5 s, 2 min 5 s billed$/),
    ])
    const main = page.locator('main')
    expect(await main.textContent()).toContain('The charge was captured from the hold and the rest released.')
    expect(await main.textContent()).toContain('3 min 5 s connected, charged as 4 min')
    const breakdown = page.getByRole('table', { name: 'Charge breakdown' })
    expect(await breakdown.textContent()).toContain('4 minutes at 2.99 a minute$11.96')
    expect(await breakdown.textContent()).toContain('Total charged$11.96')
    const calls = page.getByRole('table', { name: `Gateway calls for ${settled.holdPaymentId}` })
    expect(await calls.locator('tbody tr').allTextContents()).toEqual([
      expect.stringContaining('Place hold$29.90Done'),
      expect.stringContaining('Capture$11.96Done2'),
    ])
    const entries = page.getByRole('table', { name: 'Session ledger entries' }).locator('tbody tr')
    expect(await entries.count()).toBe(11)
    const pay = page.getByRole('table', { name: 'Representatives’ pay' })
    expect(await pay.textContent()).toContain('Ada Reyes2 minShare of billing$2.39')
    await screenshot(page, 'session-detail')

    await page.getByRole('link', { name: '← Sessions' }).click()
    await page.waitForURL('**/console/sessions')
    await context.close()
  })

  it('lists payments with their state, finds the declined one and shows its gateway call', async () => {
    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Payments', exact: true })
      .click()
    const table = page.getByRole('table', { name: 'Payments' })
    await table.waitFor()
    await expect.poll(() => table.locator('tbody tr').count()).toBe(3)
    expect(await page.getByTestId(`payment-${live.holdPaymentId}`).textContent()).toContain('Held')
    expect(await page.getByTestId(`payment-${settled.holdPaymentId}`).textContent()).toContain('Captured')
    await screenshot(page, 'payments')

    await page.getByLabel('State').selectOption('failed')
    await page.getByRole('button', { name: 'Search' }).click()
    await page.waitForURL('**/console/payments?status=failed')
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1)
    const declined = page.getByTestId(`payment-${declinedId}`)
    expect(await declined.textContent()).toContain('insufficient funds')
    await declined.click()
    await page.waitForURL(`**/console/payments/${declinedId}`)
    await page.getByText('The gateway refused: insufficient funds.').waitFor()
    const call = page.getByTestId('gateway-call')
    expect(await call.textContent()).toContain('Place hold')
    expect(await call.textContent()).toContain('Declined')
    expect(await call.textContent()).toContain('¥5,000')
    await screenshot(page, 'payment-declined')
    await context.close()
  })

  it('says plainly that the ledger is off, names the transaction, and filters entries', async () => {
    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Ledger', exact: true })
      .click()
    const verdict = page.getByTestId('ledger-check')
    await verdict.waitFor()
    expect(await verdict.textContent()).toContain('Not balanced')
    expect(await verdict.textContent()).toContain('1 transaction does not balance. Totals are off in USD.')
    const off = page.getByTestId('unbalanced-transaction')
    expect(await off.count()).toBe(1)
    expect(await off.textContent()).toContain(offTransaction)
    expect(await off.textContent()).toContain('$0.50')
    const entries = page.getByRole('table', { name: 'Ledger entries' }).locator('tbody tr')
    await expect.poll(() => entries.count()).toBe(11 + 2 + 2)
    await screenshot(page, 'ledger')

    await page.getByRole('textbox', { name: 'Account' }).fill('representative_pay_payable')
    await page.getByRole('button', { name: 'Search' }).click()
    await page.waitForURL('**/console/ledger?account=representative_pay_payable')
    await expect.poll(() => entries.count()).toBe(2)
    expect(await entries.first().textContent()).toContain('Representative pay')
    await entries
      .first()
      .getByRole('link', { name: `Session ${settled.sessionId}` })
      .click()
    await page.waitForURL(`**/console/sessions/${settled.sessionId}`)
    await context.close()
  })
})

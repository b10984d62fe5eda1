// Representatives and payouts in a real Chromium: the demo's three representatives on 1001–1003,
// an editor adds one (a taken extension is refused at the field), changes a pay plan and takes
// someone off the roster; a viewer reads the roster but cannot change it or see payouts; an analyst
// picks a period of payouts and downloads it as CSV.
import { readFileSync } from 'node:fs'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumAvailable } from './support/chromium.ts'
import {
  type ConsoleServer,
  createStaff,
  launchChromium,
  openConsole,
  screenshot,
  signIn,
  startConsoleServer,
} from './support/harness.ts'

describe.skipIf(!chromiumAvailable)('representatives and payouts in the console', () => {
  let server: ConsoleServer
  let browser: Browser

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([startConsoleServer(), launchChromium()])
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('lets an editor add a representative, change a pay plan and take someone off the roster', async () => {
    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Representatives' })
      .click()
    const table = page.getByRole('table', { name: 'Representatives' })
    await table.waitFor()
    for (const extension of ['1001', '1002', '1003'])
      await page.getByTestId(`representative-${extension}`).waitFor()
    expect(await page.getByTestId('representative-1001').textContent()).toContain('50% of billing')
    expect(await page.getByTestId('representative-1003').textContent()).toContain('$0.60 a minute')

    await page.getByRole('button', { name: 'Add representative' }).click()
    const form = page.getByRole('form', { name: 'Add a representative' })
    await form.getByLabel('Name').fill('Dana Reyes')
    await form.getByLabel('Extension').fill('1001')
    await form.getByLabel('Pay plan').selectOption('per_minute')
    await form.getByLabel('Rate a minute').fill('0.75')
    await form.getByRole('button', { name: 'Add representative' }).click()
    await form.getByText('belongs to another representative').waitFor()
    await form.getByLabel('Extension').fill('1004')
    await form.getByRole('button', { name: 'Add representative' }).click()
    await page.getByText('Added Dana Reyes on extension 1004.').waitFor()
    expect(await page.getByTestId('representative-1004').textContent()).toContain('$0.75 a minute')

    const ben = page.getByTestId('representative-1002')
    await ben.getByRole('button', { name: 'Change' }).click()
    const change = page.getByRole('form', { name: 'Change Ben Okafor' })
    await change.getByLabel('Share (%)').fill('55.5')
    await change.getByRole('button', { name: 'Save changes' }).click()
    await page.getByText('Saved Ben Okafor.').waitFor()
    expect(await ben.textContent()).toContain('55.5% of billing')

    await page.getByTestId('representative-1004').getByRole('button', { name: 'Take off roster' }).click()
    await page.getByTestId('representative-1004').getByText('Off the roster').waitFor()
    await screenshot(page, 'representatives')
    await context.close()
  })

  it('shows a viewer the roster without the means to change it, and no payouts', async () => {
    const viewer = await createStaff(server, 'viewer')
    const { context, page } = await openConsole(browser, server)
    await signIn(page, viewer.email, viewer.password)
    const nav = page.getByRole('navigation', { name: 'Main' })
    await nav.getByRole('link', { name: 'Representatives' }).click()
    await page.getByTestId('representative-1001').waitFor()
    expect(await page.getByRole('button', { name: 'Add representative' }).count()).toBe(0)
    expect(await page.getByTestId('representative-1001').getByRole('button').count()).toBe(0)
    expect(await nav.getByRole('link', { name: 'Payouts' }).count()).toBe(0)
    await page.goto('/console/payouts')
    await page.getByText('Payouts needs the analyst role.').waitFor()
    await context.close()
  })

  it('lets an analyst pick a period and download the payouts as CSV', async () => {
    const analyst = await createStaff(server, 'analyst')
    const { context, page } = await openConsole(browser, server)
    await signIn(page, analyst.email, analyst.password)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Payouts' }).click()
    await page.getByRole('heading', { name: 'Payouts' }).waitFor()
    // the first view is this month so far
    const from = page.getByLabel('From')
    await expect.poll(() => from.inputValue()).toMatch(/^\d{4}-\d{2}-01$/)
    await page.getByText('No pay in this period').waitFor()

    await from.fill('2026-11-01')
    await page.getByLabel('To (included)').fill('2026-11-30')
    await page.getByLabel('Representative').selectOption({ label: 'Ada Moreno (1001)' })
    await page.getByRole('button', { name: 'Show' }).click()
    await page.waitForURL(/from=2026-11-01.*to=2026-11-30.*representative=rep_ada/)
    await page.getByText('No pay in this period').waitFor()
    await screenshot(page, 'payouts')

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('payouts-csv').click(),
    ])
    expect(download.suggestedFilename()).toBe('payouts-2026-11-01-to-2026-11-30.csv')
    const path = await download.path()
    expect(readFileSync(path, 'utf8').split('\n')[0]).toBe(
      'representative_id,name,extension,currency,legs,seconds,amount,amount_minor_units,from,to',
    )
    await context.close()
  })
})

// Service lines in a real Chromium: the demo's lines are listed with their rates and holds as money;
// an editor adds a line in yen with a fixed hold (the server's refusal shown at the field), changes
// it and takes it out of sale; a viewer reads the lines but is offered no changes.
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

describe.skipIf(!chromiumAvailable)('service lines in the console', () => {
  let server: ConsoleServer
  let browser: Browser

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([startConsoleServer(), launchChromium()])
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('shows the demo lines with rates and holds as money', async () => {
    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page.getByRole('link', { name: 'Service lines' }).click()
    await page.getByRole('table', { name: 'Service lines' }).waitFor()
    const advice = page.getByTestId('service-line-advice')
    await expect.poll(() => advice.textContent()).toContain('Advice line')
    const adviceText = (await advice.textContent()) ?? ''
    expect(adviceText).toContain('$2.99 / min')
    expect(adviceText).toContain('By the minute')
    expect(adviceText).toContain('$29.90 (10 min of time)')
    const quick = (await page.getByTestId('service-line-quick-answers').textContent()) ?? ''
    expect(quick).toContain('First 30 s, then every 6 s')
    expect(quick).toContain('$0.49')
    expect(quick).toContain('$20.00')
    await context.close()
  })

  it('lets an editor add a line in yen, correct it where the server says, change it and take it out of sale', async () => {
    const editor = await createStaff(server, 'editor')
    const { context, page } = await openConsole(browser, server)
    await signIn(page, editor.email, editor.password)
    await page.getByRole('link', { name: 'Service lines' }).click()
    await page.getByRole('button', { name: 'Add service line' }).click()

    const form = page.getByRole('form', { name: 'Add a service line' })
    await form.getByLabel('Name').fill('Tokyo desk')
    await form.getByLabel('Currency').fill('JPY')
    await form.getByLabel('Rate per minute').fill('120')
    await form.getByLabel('Connect fee').fill('50')
    await form.getByLabel('Time is counted').selectOption('30/6')
    await form.getByLabel('Hold before connecting').selectOption('fixed')
    // yen have no decimals: the form says so before sending
    await form.getByLabel('Amount held').fill('100.5')
    await form.getByRole('button', { name: 'Add service line' }).click()
    await expect.poll(() => form.locator('.field-error').textContent()).toContain('Type an amount in JPY')
    // too small to pay for the fee and the first 30 s: the server's message at the field
    await form.getByLabel('Amount held').fill('100')
    await form.getByRole('button', { name: 'Add service line' }).click()
    await expect
      .poll(() => form.locator('.field-error').textContent())
      .toContain('must pay for the connect fee')
    await form.getByLabel('Amount held').fill('3000')
    await form.getByRole('button', { name: 'Add service line' }).click()
    await page.getByText('Added Tokyo desk.').waitFor()

    const row = page.getByRole('row', { name: /Tokyo desk/ })
    await expect.poll(() => row.textContent()).toContain('¥120 / min')
    expect(await row.textContent()).toContain('24 min 30 s')

    await row.getByRole('button', { name: 'Change' }).click()
    const change = page.getByRole('form', { name: 'Change Tokyo desk' })
    await change.getByLabel('Rate per minute').fill('150')
    await change.getByRole('button', { name: 'Save changes' }).click()
    await page.getByText('Saved Tokyo desk.').waitFor()
    await expect.poll(() => row.textContent()).toContain('¥150 / min')
    await screenshot(page, 'service-lines')

    await row.getByRole('button', { name: 'Take out of sale' }).click()
    await page.getByText('Tokyo desk is out of sale.').waitFor()
    await expect.poll(() => page.getByRole('row', { name: /Tokyo desk/ }).count()).toBe(0)
    await page.getByLabel('Show lines out of sale').check()
    await expect
      .poll(() => page.getByRole('row', { name: /Tokyo desk/ }).textContent())
      .toContain('Out of sale')
    await context.close()
  })

  it('shows a viewer the lines without offering changes', async () => {
    const viewer = await createStaff(server, 'viewer')
    const { context, page } = await openConsole(browser, server)
    await signIn(page, viewer.email, viewer.password)
    await page.getByRole('link', { name: 'Service lines' }).click()
    await page.getByTestId('service-line-advice').waitFor()
    expect(await page.getByRole('button', { name: 'Add service line' }).count()).toBe(0)
    expect(await page.getByRole('button', { name: 'Take out of sale' }).count()).toBe(0)
    await context.close()
  })
})

// A discount as business staff read it, in a real Chromium: the demo rule set's frequent-customer
// discount on a customer's fourth purchase in 30 days, shown on the decision with what it took off
// and what the customer pays.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumAvailable } from './support/chromium.ts'
import {
  authorize,
  type ConsoleServer,
  launchChromium,
  openConsole,
  purchase,
  screenshot,
  signIn,
  startConsoleServer,
} from './support/harness.ts'

describe.skipIf(!chromiumAvailable)('discounts in the console', () => {
  let server: ConsoleServer
  let browser: Browser

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([startConsoleServer(), launchChromium()])
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('shows a frequent customer’s discount on the decision, with what they pay', async () => {
    const tenDollars = purchase({ amount: { value: 1000, currency: 'USD' } })
    for (let i = 0; i < 3; i++) expect((await authorize(server, tenDollars)).outcome).toBe('approve')
    const fourth = (await authorize(server, tenDollars)) as {
      id: string
      outcome: string
      amount: { payable: number }
    }
    expect(fourth.outcome).toBe('approve')
    expect(fourth.amount.payable).toBe(800)

    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page.goto(`${server.url}/console/decisions/${fourth.id}`)
    await page.getByRole('heading', { name: `Decision ${fourth.id}` }).waitFor()
    const text = (await page.locator('main').textContent()) ?? ''
    expect(text).toContain('Discount FREQUENT: 2.00 off for a frequent customer')
    expect(text).toContain('2.00 off for a frequent customer · $2.00 off')
    expect(await page.getByTestId('payable').textContent()).toMatch(/Pays \$8\.00 of \$10\.00 asked/)
    await screenshot(page, 'decision-discount')
    await context.close()
  })
})

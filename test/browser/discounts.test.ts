// Discounts as business staff read them, in a real Chromium, on the demo rule set: the
// frequent-customer discount on a customer's fourth purchase in 30 days, shown on the decision with
// what it took off and what the customer pays; and the bank-account discount on a session's bill.
import { randomBytes } from 'node:crypto'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureServiceLine } from '../support/money-rows.ts'
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
  TENANT,
} from './support/harness.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.skipIf(!chromiumAvailable)('discounts in the console', () => {
  let server: ConsoleServer
  let browser: Browser
  let lineId: string

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([
      startConsoleServer({
        prepare: async (db) => {
          lineId = await ensureServiceLine(db, TENANT, 'sl_discount_advice')
        },
      }),
      launchChromium(),
    ])
  })

  async function merchant(method: string, path: string, body?: unknown) {
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
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`)
    return JSON.parse(text) as {
      id: string
      status: string
      legs: { id: string }[]
      charge: { amount: number } | null
    }
  }
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

  it('itemises a bank-account discount on a session’s bill', async () => {
    const started = await merchant('POST', '/sessions', {
      service_line_id: lineId,
      channel: 'web',
      customer: { id: 'c-bank-1', email: 'bank@example.com', phone: '+15555550143', name: 'Bo Lee' },
      network: { ip: '203.0.113.43' },
      payment_method: {
        type: 'checking',
        bank_account: { routing_number: '011000015', account_number: '123456789' },
        billing_address: { line1: '12 Main St', postal_code: '94107', country: 'US' },
      },
    })
    expect(started.status).toBe('live')
    const { legs } = await merchant('POST', `/sessions/${started.id}/legs`, { party: 'representative' })
    await sleep(1100)
    await merchant('POST', `/sessions/${started.id}/legs/${legs[0]?.id}/end`)
    await merchant('POST', `/sessions/${started.id}/end`, { reason: 'completed' })
    await expect
      .poll(async () => (await merchant('GET', `/sessions/${started.id}`)).status, { timeout: 30_000 })
      .toBe('settled')
    // the first minute at 2.99, 5 % off (14.95 → 15): 2.84, charged to the bank account at the end
    expect((await merchant('GET', `/sessions/${started.id}`)).charge?.amount).toBe(284)

    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page.goto(`${server.url}/console/sessions/${started.id}`)
    await page.getByRole('heading', { name: `Session ${started.id}` }).waitFor()
    const breakdown = page.getByRole('table', { name: 'Charge breakdown' })
    // the bill's lines render after the session's rating arrives: wait for the discount's
    await breakdown.getByTestId('rating-item').nth(1).waitFor()
    const items = await breakdown.getByTestId('rating-item').allTextContents()
    expect(items[1]).toMatch(/^5 % off for paying by bank account PAY_BY_BANK-\$0\.15$/)
    const text = (await breakdown.textContent()) ?? ''
    expect(text).toContain('Subtotal before discounts$2.99')
    expect(text).toContain('Total charged$2.84')
    await screenshot(page, 'session-discount')
    await context.close()
  })
})

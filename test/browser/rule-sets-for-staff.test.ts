// Rule sets as business staff use them, in a real Chromium against the real server: money typed
// and read as amounts in the rule set's currency (the JSON keeps minor units), "last saved" that
// follows a save, four-eyes switched by an admin and explained in the publish confirmation,
// Activate on a published version's own page, a simulated Limit without "most that may be
// charged", and a backtest whose "because of" names only the rule that changed the decision.
// A rule set of its own keeps the demo rule set's changes out of these answers.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumAvailable } from './support/chromium.ts'
import {
  ADMIN_EMAIL,
  authorize,
  type ConsoleServer,
  createStaff,
  launchChromium,
  openConsole,
  purchase,
  screenshot,
  signIn,
  staffApi,
  startConsoleServer,
} from './support/harness.ts'

const RULE_SET = 'spending'
const BASE = `/console/rule-sets/${RULE_SET}`

interface Definition {
  settings: Record<string, unknown>
  rules: {
    id: string
    conditions: { all: { fact: string; value: unknown }[] }
    event: { type: string; params: Record<string, unknown> }
  }[]
}

/** The version as the server keeps it, read with the page's own session. */
function readDefinition(page: Page, ruleSet: string, version: number) {
  return page.evaluate(
    async ([id, v]) => {
      const response = await fetch(`/admin/v1/rule-sets/${id}/versions/${v}`)
      return (await response.json()) as { definition: Definition; updated_at: string; status: string }
    },
    [ruleSet, version] as const,
  )
}

/** A new allowance rule in the draft, its params filled in as staff would. */
async function addAllowance(page: Page, name: string, limit: string, window: string) {
  await page.getByRole('button', { name: '+ Add rule' }).click()
  const rule = page.getByTestId('rule-editor').last()
  await rule.getByLabel('Rule name').fill(name)
  await rule.getByLabel('What the rule does').selectOption('allowance')
  await rule.getByLabel(/^Subject/).selectOption('customer')
  await rule.getByLabel(/^Window/).selectOption(window)
  await rule.getByLabel(/^Metric/).selectOption('amount')
  // a money allowance takes an amount in the rule set's currency, and says so
  const limitBox = rule.getByLabel('Limit (USD)')
  await limitBox.fill(limit)
  await limitBox.press('Tab')
  await rule.getByLabel('Message').fill(`${name} is used up`)
  return rule
}

async function confirmIn(page: Page) {
  const dialog = page.getByRole('dialog')
  await dialog.getByRole('button', { name: /version \d+$/ }).click()
  await dialog.waitFor({ state: 'hidden' })
}

describe.skipIf(!chromiumAvailable)('rule sets for business staff', () => {
  let server: ConsoleServer
  let browser: Browser
  let recorded: string

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([startConsoleServer(), launchChromium()])
    const admin = await staffApi(server)
    for (const [id, currency] of [
      [RULE_SET, 'USD'],
      ['yen', 'JPY'],
    ] as const) {
      const created = await admin('POST', '/rule-sets', {
        id,
        name: id === RULE_SET ? 'Spending' : 'Yen spending',
        settings: { currency },
      })
      expect(created.status).toBe(201)
    }
    // a 25.00 purchase the demo rule set approved, for the backtest to replay
    const decision = await authorize(server, purchase())
    expect(decision.outcome).toBe('approve')
    recorded = decision.id
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('takes and shows money as amounts in the currency, and stores minor units', async () => {
    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page.goto(`${BASE}/versions/1`)
    await page.getByRole('button', { name: '+ Add rule' }).waitFor()
    const savedBefore = (await page.getByTestId('version-when').textContent()) ?? ''
    expect(savedBefore).toMatch(/^last saved /)

    await addAllowance(page, 'Small daily spend', '20.00', 'day')
    await addAllowance(page, 'Monthly spend', '1000', 'month')
    // a condition on the amount asked for: typed as an amount too
    await page.getByRole('button', { name: '+ Add rule' }).click()
    const large = page.getByTestId('rule-editor').last()
    await large.getByLabel('Rule name').fill('Large purchases')
    await large.getByRole('button', { name: '+ Condition' }).click()
    const condition = large.getByTestId('condition')
    await condition.getByLabel('Fact').selectOption('amount')
    await condition.getByLabel('Operator').selectOption('greaterThan')
    await condition.getByLabel('Value for amount (USD)').fill('500.50')
    await condition.getByLabel('Value for amount (USD)').press('Tab')
    await large.getByLabel('What the rule does').selectOption('review')
    await large.getByLabel('Reason code').fill('amount.large')
    await large.getByLabel('Message').fill('Large purchases are checked by a person')

    await page.getByRole('button', { name: 'Save draft' }).click()
    await expect
      .poll(() => page.getByTestId('editor-notice').textContent())
      .toContain('valid and ready to publish')

    // the JSON keeps minor units
    const saved = await readDefinition(page, RULE_SET, 1)
    const byId = new Map(saved.definition.rules.map((r) => [r.id, r]))
    expect(byId.get('small-daily-spend')?.event.params).toMatchObject({ metric: 'amount', limit: 2000 })
    expect(byId.get('monthly-spend')?.event.params).toMatchObject({ limit: 100_000 })
    expect(byId.get('large-purchases')?.conditions.all[0]).toMatchObject({ fact: 'amount', value: 50_050 })

    // "last saved" follows the save without a reload: the server's new time, and who saved
    const expected = await page.evaluate(
      (iso) =>
        new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' }).format(
          new Date(iso),
        ),
      saved.updated_at,
    )
    await expect
      .poll(() => page.getByTestId('version-when').textContent())
      .toBe(`last saved ${expected} by ${ADMIN_EMAIL}`)
    expect(expected).not.toBe(savedBefore.replace(/^last saved /, ''))

    // after a reload the boxes show the amounts again, and the closed rules say them in words
    await page.reload()
    await page.getByTestId('visual-editor').waitFor()
    const small = page.locator('[data-rule-id="small-daily-spend"]')
    expect(await small.textContent()).toContain('limit: $20.00')
    expect(await page.locator('[data-rule-id="large-purchases"]').textContent()).toContain(
      'amount is more than $500.50',
    )
    await small.getByRole('button', { name: /^Open rule/ }).click()
    expect(await small.getByLabel('Limit (USD)').inputValue()).toBe('20.00')
    expect(await small.textContent()).toContain('An amount in USD, such as 50.00')

    // an amount that is not one in the currency is refused at the field, and nothing is stored
    await small.getByLabel('Limit (USD)').fill('20.005')
    await small.getByLabel('Limit (USD)').press('Tab')
    await page.getByRole('button', { name: 'Save draft' }).click()
    await expect.poll(() => page.getByTestId('editor-notice').textContent()).toContain('1 problem')
    expect(await small.getByTestId('problem').textContent()).toBe('Enter an amount in USD, such as 50.00.')
    await screenshot(page, 'rule-editor-money-problem')
    await small.getByLabel('Limit (USD)').fill('20')
    await small.getByLabel('Limit (USD)').press('Tab')
    await page.getByRole('button', { name: 'Save draft' }).click()
    await expect
      .poll(() => page.getByTestId('editor-notice').textContent())
      .toContain('valid and ready to publish')
    expect((await readDefinition(page, RULE_SET, 1)).definition.rules[0]?.event.params.limit).toBe(2000)
    await screenshot(page, 'rule-editor-money')
    await context.close()
  })

  it('respects the currency’s digits: yen have none', async () => {
    const admin = await staffApi(server)
    const edited = await admin('PUT', '/rule-sets/yen/versions/1', {
      definition: {
        settings: { currency: 'JPY' },
        rules: [
          {
            id: 'daily-yen',
            name: 'Daily yen',
            conditions: { all: [] },
            event: {
              type: 'allowance',
              params: { subject: 'card', metric: 'amount', window: 'day', limit: 5000, message: 'Used up' },
            },
          },
        ],
      },
    })
    expect(edited.status).toBe(200)
    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page.goto('/console/rule-sets/yen/versions/1')
    const rule = page.locator('[data-rule-id="daily-yen"]')
    expect(await rule.textContent()).toContain('limit: ¥5,000')
    await rule.getByRole('button', { name: /^Open rule/ }).click()
    const limit = rule.getByLabel('Limit (JPY)')
    expect(await limit.inputValue()).toBe('5000')
    await limit.fill('7500')
    await limit.press('Tab')
    await page.getByRole('button', { name: 'Save draft' }).click()
    await expect
      .poll(() => page.getByTestId('editor-notice').textContent())
      .toContain('valid and ready to publish')
    expect((await readDefinition(page, 'yen', 1)).definition.rules[0]?.event.params.limit).toBe(7500)
    await context.close()
  })

  it('lets only an admin switch four eyes, and the publish confirmation says who may publish', async () => {
    const publisher = await createStaff(server, 'publisher')
    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page.goto(BASE)
    const fourEyes = page.getByRole('region', { name: 'Four-eyes publishing' })
    await expect.poll(() => fourEyes.getByTestId('four-eyes-state').textContent()).toContain('is off')
    await fourEyes.getByRole('button', { name: 'Turn four-eyes on' }).click()
    await expect
      .poll(() => page.getByTestId('rule-set-notice').textContent())
      .toContain('Four-eyes publishing is on')
    await expect
      .poll(() => fourEyes.getByTestId('four-eyes-state').textContent())
      .toContain('The person who changed a draft last cannot publish it: another publisher or an admin must.')
    await screenshot(page, 'rule-set-four-eyes')

    // the admin saved version 1 last: the confirmation says so and offers no way to publish
    await page.goto(`${BASE}/versions/1`)
    await page.getByRole('button', { name: 'Publish…' }).click()
    const dialog = page.getByRole('dialog')
    await expect
      .poll(() => dialog.getByTestId('four-eyes').textContent())
      .toBe(
        'Four-eyes is on: someone other than the last person who changed this draft — a publisher or an admin — must publish it. You changed it last, so ask another publisher or an admin to publish it.',
      )
    expect(await dialog.getByRole('button', { name: 'Publish version 1' }).isDisabled()).toBe(true)
    await screenshot(page, 'publish-four-eyes')
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await context.close()

    // another publisher may publish it, and may not switch four eyes off
    const second = await openConsole(browser, server)
    await signIn(second.page, publisher.email, publisher.password)
    await second.page.goto(BASE)
    const region = second.page.getByRole('region', { name: 'Four-eyes publishing' })
    await expect
      .poll(() => region.textContent())
      .toContain('Only an admin can switch four-eyes publishing on or off.')
    expect(await region.getByRole('button').count()).toBe(0)
    await second.page.goto(`${BASE}/versions/1`)
    await second.page.getByRole('button', { name: 'Publish…' }).click()
    await expect
      .poll(() => second.page.getByRole('dialog').getByTestId('four-eyes').textContent())
      .toContain(`${ADMIN_EMAIL} changed it last.`)
    await confirmIn(second.page)
    await expect
      .poll(() => second.page.getByTestId('editor-notice').textContent())
      .toContain('Version 1 is published.')

    // the server refuses the switch to a publisher who calls the API directly
    const status = await second.page.evaluate(async (id) => {
      const session = await fetch('/admin/v1/session').then(
        (r) => r.json() as Promise<{ csrf_token: string }>,
      )
      const response = await fetch(`/admin/v1/rule-sets/${id}`, {
        method: 'PATCH',
        headers: { 'x-csrf-token': session.csrf_token, 'content-type': 'application/json' },
        body: JSON.stringify({ four_eyes: false }),
      })
      return response.status
    }, RULE_SET)
    expect(status).toBe(403)

    // a published version's own page offers Activate
    const activate = second.page.getByRole('button', { name: 'Activate', exact: true })
    await activate.click()
    const confirm = second.page.getByRole('dialog')
    expect(await confirm.getByTestId('consequence').textContent()).toMatch(
      /^Version 1 will decide what rule set “Spending” decides from now on/,
    )
    await confirmIn(second.page)
    await expect
      .poll(() => second.page.getByTestId('editor-notice').textContent())
      .toContain('Version 1 is active: it decides from now on.')
    expect(await second.page.locator('.badge.version-active').textContent()).toBe('Active')
    expect(await second.page.getByRole('button', { name: 'Activate', exact: true }).count()).toBe(0)
    await screenshot(second.page, 'version-activated')
    await second.context.close()
  })

  it('simulates a Limit without “most that may be charged”, and reads money in the currency', async () => {
    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page.goto(`${BASE}/simulate?version=1`)
    const form = page.getByRole('form', { name: 'Simulation' })
    await form.getByLabel('Customer id').fill('c-sim-1')
    await form.getByLabel('Amount').fill('30.00')
    await form.getByRole('button', { name: /^Simulate version/ }).click()
    await expect.poll(() => page.getByTestId('simulated-outcome').textContent()).toBe('Limit')
    const result = page.getByTestId('simulation-result')
    const text = (await result.textContent()) ?? ''
    expect(text).not.toContain('Most that may be charged')
    expect(text).not.toContain('no limit')
    expect(text).toContain('Small daily spend is used up, counted against the customer · $20.00 left')
    const allowances = page.getByRole('table', { name: 'Allowances' })
    expect(await allowances.textContent()).toContain('$1,000.00')
    await screenshot(page, 'simulate-limit')

    // within the allowance: approved, and the most that may be charged is an amount
    await form.getByLabel('Amount').fill('10')
    await form.getByRole('button', { name: /^Simulate version/ }).click()
    await expect.poll(() => page.getByTestId('simulated-outcome').textContent()).toBe('Approve')
    expect(await page.getByTestId('max-amount').textContent()).toBe('$20.00')

    // an amount with more digits than the currency has is refused before anything runs
    await form.getByLabel('Amount').fill('10.001')
    await form.getByRole('button', { name: /^Simulate version/ }).click()
    await expect.poll(() => form.textContent()).toContain('Enter an amount in USD, such as 25.00.')

    // fact values take amounts too: 30.00 given as the amount asked for is over the 20.00 a day
    await page.getByRole('button', { name: 'Fact values' }).click()
    await form.getByLabel('Fact', { exact: true }).selectOption('amount')
    await form.getByLabel('Value of amount (USD)').fill('30.00')
    await form.getByRole('button', { name: /^Simulate version/ }).click()
    await expect.poll(() => page.getByTestId('simulated-outcome').textContent()).toBe('Limit')
    const read = page.locator('details', { hasText: 'Every fact the engine read' })
    expect(await read.locator('tr', { hasText: 'The amount asked for' }).textContent()).toContain('$30.00')
    await context.close()
  })

  it('backtests, naming only the rule whose outcome changed the decision', async () => {
    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page.goto(`${BASE}/backtests`)
    const start = page.getByRole('form', { name: 'Start a backtest' })
    await start.getByLabel('Backtest version').selectOption('1')
    await start.getByRole('button', { name: 'Run backtest' }).click()
    await page.waitForURL(/\/backtests\/[^/]+$/)
    await expect
      .poll(() => page.getByTestId('backtest-status').textContent(), { timeout: 30_000 })
      .toBe('completed')
    // the 25.00 purchase is over the 20.00 a day: limited because of that allowance alone, not
    // the monthly one that also counted it
    const row = page.getByTestId('changed-decision').filter({ hasText: recorded })
    await expect.poll(() => row.getByTestId('because-of').textContent()).toBe('Small daily spend')
    await screenshot(page, 'backtest-because-of')
    await context.close()
  })

  it('compares two versions with their money in the currency', async () => {
    const admin = await staffApi(server)
    const draft = await admin('POST', `/rule-sets/${RULE_SET}/versions`, { from_version: 1 })
    expect(draft.status).toBe(201)
    const { definition } = (await draft.json()) as { definition: Definition }
    definition.settings.session_hold_amount = 500
    for (const rule of definition.rules) if (rule.id === 'small-daily-spend') rule.event.params.limit = 3000
    expect((await admin('PUT', `/rule-sets/${RULE_SET}/versions/2`, { definition })).status).toBe(200)

    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page.goto(`${BASE}/diff?from=1&to=2`)
    const changes = page.getByRole('table', { name: 'Changes to small-daily-spend' })
    await expect.poll(() => changes.textContent()).toContain('$30.00')
    expect(await changes.textContent()).toContain('$20.00')
    expect(await page.getByRole('table', { name: 'Settings changes' }).textContent()).toContain('$5.00')
    await context.close()
  })
})

// Rule sets in a real Chromium against the real server on a fresh database: an admin builds a rule
// in the visual editor that blocks an e-mail domain, meets a validation problem at the field and
// fixes it, edits the same draft as JSON, publishes and activates it, sees a simulation blocked and
// explained, rolls back and sees it approved, backtests the version and opens a changed decision;
// a viewer sees no publish action and the server refuses it anyway.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumAvailable } from './support/chromium.ts'
import {
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

const RULE_NAME = 'Block blocked.example'

async function simulateBlockedDomain(page: Page): Promise<string> {
  await page.goto('/console/rule-sets/authorizations/simulate')
  const form = page.getByRole('form', { name: 'Simulation' })
  await form.getByLabel('Customer id').fill('c-500')
  await form.getByLabel('Customer e-mail').fill('eve@blocked.example')
  await form.getByLabel('Card number').fill('4242424242424242')
  await form.getByLabel('Expiry month').fill('12')
  await form.getByLabel('Expiry year').fill('2030')
  await form.getByLabel('Security code').fill('123')
  await form.getByLabel('Postal code').fill('94107')
  await form.getByRole('button', { name: /^Simulate version/ }).click()
  const outcome = page.getByTestId('simulated-outcome')
  await outcome.waitFor()
  return (await outcome.textContent()) ?? ''
}

async function confirm(page: Page, expected: RegExp): Promise<void> {
  const dialog = page.getByRole('dialog')
  await dialog.waitFor()
  expect(await dialog.getByTestId('consequence').textContent()).toMatch(expected)
  await dialog.getByRole('button', { name: /version \d+$/ }).click()
  await dialog.waitFor({ state: 'hidden' })
}

describe.skipIf(!chromiumAvailable)('rule sets in the console', () => {
  let server: ConsoleServer
  let browser: Browser
  let blockedDecision: string

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([startConsoleServer(), launchChromium()])
    // recorded under version 1, which knows nothing of the domain: approved
    const decision = await authorize(
      server,
      purchase({
        customer: { id: 'c-77', email: 'mallory@blocked.example', phone: '+15555550177', name: 'Mallory' },
      }),
    )
    expect(decision.outcome).toBe('approve')
    blockedDecision = decision.id
    await authorize(server, purchase())
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('builds, validates, publishes, activates, simulates, rolls back and backtests a rule', async () => {
    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Rule sets' }).click()
    await page.getByRole('table', { name: 'Rule sets' }).waitFor()
    await screenshot(page, 'rule-sets-list')

    await page.getByRole('link', { name: 'Authorizations' }).click()
    await page.getByRole('table', { name: 'Versions' }).waitFor()
    expect(await page.getByTestId('version-1').textContent()).toContain('Active')
    await page.getByRole('button', { name: 'New draft' }).click()
    await page.waitForURL('**/console/rule-sets/authorizations/versions/2')

    // a new rule in the visual editor: its id follows its name
    await page.getByRole('button', { name: '+ Add rule' }).click()
    const rule = page.getByTestId('rule-editor').last()
    await rule.getByLabel('Rule name').fill(RULE_NAME)
    expect(await rule.getByLabel('Rule id').inputValue()).toBe('block-blocked-example')
    await rule.getByRole('button', { name: '+ Condition' }).click()
    const condition = rule.getByTestId('condition')
    await condition.getByLabel('Fact').selectOption('email_domain')
    // a string fact offers string operators only
    const operators = await condition.getByLabel('Operator').locator('option').allTextContents()
    expect(operators).toEqual(['is', 'is not', 'is one of', 'is none of'])
    await condition.getByLabel('Value for email domain').fill('blocked.example')
    await rule.getByLabel('What the rule does').selectOption('block')
    await rule.getByLabel('Reason code').fill('email_domain.blocked')

    // the message is left empty: the server's problem shows at that field of that rule
    await page.getByRole('button', { name: 'Save draft' }).click()
    await expect.poll(() => page.getByTestId('editor-notice').textContent()).toContain('1 problem')
    expect(await rule.getByTestId('rule-problem-count').textContent()).toBe('1 problem')
    const problem = rule.locator('label.field', { hasText: /^Message/ }).getByTestId('problem')
    expect(await problem.textContent()).toBe('Required: fill this in.')
    await screenshot(page, 'rule-editor-problem')

    await rule.getByLabel('Message').fill('E-mail addresses at blocked.example are not accepted')
    await page.getByRole('button', { name: 'Save draft' }).click()
    await expect
      .poll(() => page.getByTestId('editor-notice').textContent())
      .toContain('valid and ready to publish')
    expect(await rule.getByTestId('rule-problem-count').count()).toBe(0)
    await screenshot(page, 'rule-editor-visual')

    // the JSON view holds the same draft; an edit there shows in the visual editor
    await page.getByRole('button', { name: 'JSON', exact: true }).click()
    const json = page.getByTestId('json-editor')
    await json.locator('.cm-content').click()
    // CodeMirror draws only the lines in view: the new rule is the last one
    await page.keyboard.press('ControlOrMeta+End')
    await expect.poll(() => json.textContent()).toContain('"block-blocked-example"')
    await screenshot(page, 'rule-editor-json')
    // replace the whole document with an edited copy: the new rule gets a description
    const current = await page.evaluate(async () => {
      const response = await fetch('/admin/v1/rule-sets/authorizations/versions/2')
      return ((await response.json()) as { definition: unknown }).definition
    })
    const edited = JSON.parse(JSON.stringify(current)) as { rules: { id: string; description: string }[] }
    const added = edited.rules.find((r) => r.id === 'block-blocked-example')
    if (!added) throw new Error('the saved draft lacks the new rule')
    added.description = 'Typed in the JSON view'
    await page.keyboard.press('ControlOrMeta+A')
    await page.keyboard.insertText(JSON.stringify(edited, null, 2))
    await page.getByRole('button', { name: 'Visual', exact: true }).click()
    await expect.poll(() => rule.getByLabel('Description').inputValue()).toBe('Typed in the JSON view')
    await page.getByRole('button', { name: 'Save draft' }).click()
    await expect
      .poll(() => page.getByTestId('editor-notice').textContent())
      .toContain('valid and ready to publish')

    // publish, with a confirmation that says what changes
    await page.getByRole('button', { name: 'Publish…' }).click()
    await expect
      .poll(() => page.getByRole('dialog').getByTestId('diff-summary').textContent())
      .toContain(`1 rule added (“${RULE_NAME}”)`)
    await confirm(page, /Version 2 will be published/)
    await expect
      .poll(() => page.getByTestId('editor-notice').textContent())
      .toContain('Version 2 is published.')

    await page.getByRole('link', { name: '← Authorizations' }).click()
    await page.getByTestId('version-2').getByRole('button', { name: 'Activate' }).click()
    await confirm(page, /^Version 2 will decide every authorization from now on, replacing version 1\./)
    await expect.poll(() => page.getByTestId('version-2').textContent()).toContain('Active')
    await screenshot(page, 'rule-set-versions')

    // the diff of the two versions, side by side
    await page.goto('/console/rule-sets/authorizations/diff?from=1&to=2')
    const onlyNew = page.getByRole('region', { name: 'Only in version 2' })
    await expect.poll(() => onlyNew.textContent()).toContain(RULE_NAME)
    await screenshot(page, 'rule-set-diff')
    // choosing the versions keeps them in the address, and the comparison follows
    await page.getByLabel('From version').selectOption('2')
    await page.getByLabel('To version').selectOption('1')
    await expect.poll(() => page.url()).toMatch(/from=2/)
    await expect.poll(() => page.url()).toMatch(/to=1/)
    // the rule is only in version 2, whichever way round the two are compared
    await expect
      .poll(() => page.getByRole('region', { name: 'Only in version 2' }).textContent())
      .toContain(RULE_NAME)

    // a simulation the new rule blocks, explained
    expect(await simulateBlockedDomain(page)).toBe('Block')
    const fired = page.getByTestId('fired-rule').filter({ hasText: RULE_NAME })
    await fired.waitFor()
    const explanation = (await fired.textContent()) ?? ''
    expect(explanation).toContain('The domain of the customer’s e-mail address')
    expect(explanation).toContain('is blocked.example')
    expect(explanation).toContain('✓ yes')
    await screenshot(page, 'simulate-result')

    // roll back to version 1, and the same request is no longer blocked
    await page.goto('/console/rule-sets/authorizations')
    await page.getByTestId('version-1').getByRole('button', { name: 'Roll back to this' }).click()
    await confirm(page, /^Version 1 will decide every authorization again from now on, replacing version 2\./)
    await expect.poll(() => page.getByTestId('version-1').textContent()).toContain('Active')
    expect(await simulateBlockedDomain(page)).toBe('Approve')
    expect(await page.getByTestId('fired-rule').filter({ hasText: RULE_NAME }).count()).toBe(0)

    // backtest version 2 over recorded decisions: the approved purchase from the domain would be blocked
    await page.goto('/console/rule-sets/authorizations/backtests')
    const start = page.getByRole('form', { name: 'Start a backtest' })
    await start.getByLabel('Backtest version').selectOption('2')
    await start.getByRole('button', { name: 'Run backtest' }).click()
    await page.waitForURL(/\/console\/rule-sets\/authorizations\/backtests\/[^/]+$/)
    await expect
      .poll(() => page.getByTestId('backtest-status').textContent(), { timeout: 30_000 })
      .toBe('completed')
    // the job id is in the address: a reload finds the same report
    await page.reload()
    await expect.poll(() => page.getByTestId('matrix-approve-block').textContent()).toBe('1')
    const changed = page.getByTestId('changed-decision')
    await expect.poll(() => changed.count()).toBe(1)
    await screenshot(page, 'backtest-result')
    await changed.getByRole('link', { name: blockedDecision }).click()
    await page.waitForURL(`**/console/decisions/${blockedDecision}`)
    await page.getByRole('heading', { name: `Decision ${blockedDecision}` }).waitFor()
    await context.close()
  })

  it('shows a viewer no publish action, and the server refuses it', async () => {
    const admin = await staffApi(server)
    const draft = await admin('POST', '/rule-sets/authorizations/versions', {})
    expect(draft.status).toBe(201)
    const { version } = (await draft.json()) as { version: number }
    const viewer = await createStaff(server, 'viewer')

    const { context, page } = await openConsole(browser, server)
    await signIn(page, viewer.email, viewer.password)
    await page.goto('/console/rule-sets/authorizations')
    const row = page.getByTestId(`version-${version}`)
    await row.waitFor()
    expect(await row.getByRole('button').count()).toBe(0)
    expect(await page.getByRole('button', { name: 'New draft' }).count()).toBe(0)
    expect(await page.getByRole('link', { name: 'Simulate' }).count()).toBe(0)
    await row.getByRole('link', { name: 'Open' }).click()
    await page.getByTestId('visual-editor').waitFor()
    expect(await page.getByText('Read-only: your role cannot edit drafts.').count()).toBe(1)
    expect(await page.getByRole('button', { name: /Publish|Save/ }).count()).toBe(0)

    const status = await page.evaluate(async (v) => {
      const session = await fetch('/admin/v1/session').then(
        (r) => r.json() as Promise<{ csrf_token: string }>,
      )
      const response = await fetch(`/admin/v1/rule-sets/authorizations/versions/${v}/publish`, {
        method: 'POST',
        headers: { 'x-csrf-token': session.csrf_token },
      })
      return response.status
    }, version)
    expect(status).toBe(403)
    await context.close()
  })
})

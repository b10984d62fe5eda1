// The API reference at /v1/docs and the console work with no internet: Chromium is let reach only
// this server, every other request is refused and recorded, and the reference still renders its
// operations. The site's icon is served, so no page meets a 404 for /favicon.ico.
import type { Browser, BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumAvailable } from './support/chromium.ts'
import { type ConsoleServer, launchChromium, screenshot, startConsoleServer } from './support/harness.ts'

describe.skipIf(!chromiumAvailable)('with no internet', () => {
  let server: ConsoleServer
  let browser: Browser
  let context: BrowserContext
  const outside: string[] = []
  const notFound: string[] = []

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([startConsoleServer(), launchChromium()])
    context = await browser.newContext()
    const own = new URL(server.url).host
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url())
      if (url.host === own || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue()
      outside.push(url.href)
      return route.abort('internetdisconnected')
    })
    context.on('response', (response) => {
      if (response.status() === 404) notFound.push(response.url())
    })
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('the docs page names no other host, and renders the operations from this server alone', async () => {
    const html = await (await fetch(`${server.url}/v1/docs`)).text()
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//)
    expect(html).toContain('"withDefaultFonts":false')
    expect(html).not.toContain('proxyUrl')

    const page = await context.newPage()
    await page.goto(`${server.url}/v1/docs`)
    await page.getByText('/authorizations', { exact: false }).first().waitFor({ timeout: 30_000 })
    await expect
      .poll(() => page.getByText('Tollgate merchant API').count(), { timeout: 10_000 })
      .toBeGreaterThan(0)
    await page.waitForLoadState('networkidle')
    await screenshot(page, 'offline-docs')
    expect(outside).toEqual([])
    await page.close()
  }, 90_000)

  it('serves /favicon.ico, and the console loads its icon and everything else without a 404', async () => {
    const icon = await fetch(`${server.url}/favicon.ico`)
    expect(icon.status).toBe(200)
    expect(icon.headers.get('content-type')).toBe('image/svg+xml')
    expect(await icon.text()).toMatch(/^<svg /)
    const consoleIcon = await fetch(`${server.url}/console/favicon.svg`)
    expect(consoleIcon.status).toBe(200)
    expect(consoleIcon.headers.get('content-type')).toBe('image/svg+xml')

    const page = await context.newPage()
    const iconRequests: string[] = []
    page.on('request', (request) => {
      if (/favicon/.test(request.url())) iconRequests.push(request.url())
    })
    await page.goto(`${server.url}/console/`)
    await page.waitForLoadState('networkidle')
    expect(await page.locator('link[rel="icon"]').getAttribute('href')).toBe('/console/favicon.svg')
    expect(notFound).toEqual([])
    expect(outside).toEqual([])
    await page.close()
  }, 60_000)
})

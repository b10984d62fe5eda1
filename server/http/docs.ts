// The merchant API's reference at /v1/docs (Scalar's standalone bundle, served from the installed
// package) and the site's icon. Nothing here is fetched from another host: the page works offline.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { type Context, Hono } from 'hono'

const require = createRequire(import.meta.url)
let scalarScript: string | undefined
function scalarBundle(): string {
  scalarScript ??= readFileSync(require.resolve('@scalar/api-reference/browser/standalone.js'), 'utf8')
  return scalarScript
}

// Scalar would otherwise load its fonts from its own host, its agent would search Scalar's
// registry through Scalar's proxy, and its developer tools offer to share the document on
// Scalar's site. The proxy stays unset, so "try it" requests go straight to this server.
const referenceConfig = {
  url: '/v1/openapi.json',
  withDefaultFonts: false,
  agent: { disabled: true },
  showDeveloperTools: 'never',
  telemetry: false,
}

const docsPage = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Tollgate merchant API</title>
    <link rel="icon" type="image/svg+xml" href="/favicon.ico" />
  </head>
  <body>
    <div id="app"></div>
    <script src="/v1/docs/scalar.js"></script>
    <script>Scalar.createApiReference('#app', ${JSON.stringify(referenceConfig)})</script>
  </body>
</html>`

/** GET /docs and /docs/scalar.js, for the merchant API's app (mounted at /v1). */
export function docsRoutes(): Hono {
  const app = new Hono()
  app.get('/docs', (c) => c.html(docsPage))
  app.get('/docs/scalar.js', (c) =>
    c.body(scalarBundle(), 200, {
      'content-type': 'text/javascript',
      'cache-control': 'public, max-age=86400',
    }),
  )
  return app
}

const faviconFile = new URL('../../console/public/favicon.svg', import.meta.url)
let favicon: string | undefined

/** GET /favicon.ico: browsers ask the site root for it on every page, the console's included. */
export function faviconResponse(c: Context): Response {
  favicon ??= readFileSync(faviconFile, 'utf8')
  return c.body(favicon, 200, { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' })
}

// The HTTP application: health and metrics, the merchant API under /v1, the console at /console.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { OpenAPIHono } from '@hono/zod-openapi'
import { createMiddleware } from 'hono/factory'
import { requestId } from 'hono/request-id'
import { sql } from 'kysely'
import type { Db } from '../db/connect.ts'
import { adminApp } from './admin/app.ts'
import { type ApiKeyCache, authenticateApiKey } from './api-keys/keys.ts'
import { authorizationRoutes } from './authorizations/routes.ts'
import { bodyLimit } from './http/body-limit.ts'
import { docsRoutes, faviconResponse } from './http/docs.ts'
import { defaultHook, documentServers, type MerchantEnv } from './http/openapi.ts'
import { onError, ProblemError, problemResponse } from './http/problem.ts'
import { IMPORT_MAX_BYTES } from './lists/imports.ts'
import { offerRoutes } from './offers/routes.ts'
import { purchasePaymentRoutes } from './payments/routes.ts'
import { storedMethodRoutes } from './payments/stored-methods-routes.ts'
import { sandboxRoutes } from './providers/sandbox.ts'
import { isReferenceImport, REFERENCE_IMPORT_MAX_BYTES } from './reference/routes.ts'
import type { Services } from './services.ts'
import { sessionRoutes } from './sessions/routes.ts'

export interface AppOptions {
  /** serve the deterministic sandbox providers at /sandbox/providers/{kind} (default true) */
  sandbox?: boolean
  /** where the built console lives; a placeholder page is served when it is missing */
  consoleDir?: string
}

const apiKeyAuth = (db: Db, keys: ApiKeyCache) =>
  createMiddleware<MerchantEnv>(async (c, next) => {
    const header = c.req.header('authorization')
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null
    if (!match?.[1])
      throw new ProblemError('unauthenticated', 'Send your API key as "Authorization: Bearer tg_…".')
    // An authorization checks a key this process knows inside its own transaction, in the statement
    // that reads its other rows (ApiKeyCache); every other request checks it here.
    const authorizing = c.req.method === 'POST' && c.req.path === '/v1/authorizations'
    const known = authorizing ? keys.get(match[1]) : undefined
    const deferred = known?.ruleSetPointer.active_version != null ? known : undefined
    const identity = deferred ?? (await authenticateApiKey(db, match[1]))
    if (!identity) throw new ProblemError('unauthenticated', 'This API key is unknown or has been revoked.')
    if (authorizing && !deferred) keys.remember(match[1], identity)
    c.set('keyCheckPending', deferred !== undefined)
    c.set('tenantId', identity.tenantId)
    c.set('apiKeyId', identity.keyId)
    c.set('ruleSetPointer', identity.ruleSetPointer)
    await next()
  })

const requireJson = createMiddleware(async (c, next) => {
  // An action without a body (publish, activate, cancel) needs no content type; a body must be JSON.
  const hasBody =
    Number(c.req.header('content-length') ?? 0) > 0 || c.req.header('transfer-encoding') !== undefined
  if ((c.req.method === 'POST' || c.req.method === 'PUT' || c.req.method === 'PATCH') && hasBody) {
    const type = c.req.header('content-type') ?? ''
    if (!/^application\/(.+\+)?json\b/i.test(type))
      throw new ProblemError(
        'unsupported_media_type',
        `Send the body as application/json (got "${type || 'nothing'}").`,
      )
  }
  await next()
})

const placeholderConsole = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tollgate console</title>
<meta name="viewport" content="width=device-width,initial-scale=1"></head>
<body style="font-family:system-ui;max-width:40rem;margin:4rem auto;line-height:1.5">
<h1>Tollgate console</h1><p>The console has not been built on this server yet. Run <code>npm run build</code>,
then reload. The merchant API is documented at <a href="/v1/docs">/v1/docs</a>.</p></body></html>`

/** The HTTP face of the service graph (server/services.ts): it builds no service of its own. */
export function createApp(services: Services, options: AppOptions = {}) {
  const app = new OpenAPIHono({ defaultHook })

  app.use(requestId({ headerName: 'X-Request-Id' }))
  app.use(async (c, next) => {
    const started = performance.now()
    await next()
    const seconds = (performance.now() - started) / 1000
    const route = c.req.routePath || 'unmatched'
    services.metrics.httpSeconds.observe(
      { method: c.req.method, route, status: String(c.res.status) },
      seconds,
    )
    services.logger.debug(
      {
        request_id: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: seconds * 1000,
      },
      'request',
    )
  })
  app.onError(onError(services.logger))
  app.notFound((c) =>
    problemResponse(c, new ProblemError('not_found', `Nothing at ${c.req.method} ${c.req.path}`)),
  )

  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/readyz', async (c) => {
    try {
      await sql`select 1`.execute(services.db)
      return c.json({ status: 'ready', database: 'reachable' })
    } catch (error) {
      services.logger.warn({ err: error }, 'database not reachable')
      return problemResponse(c, new ProblemError('unavailable', 'The database is not reachable.'))
    }
  })
  app.get('/metrics', async (c) =>
    c.body(await services.metrics.registry.metrics(), 200, {
      'content-type': services.metrics.registry.contentType,
    }),
  )

  // The merchant API and its document carry their base path, so the document's paths are the real
  // routes (see server/http/openapi.ts, documentServers).
  const v1 = new OpenAPIHono<MerchantEnv>({ defaultHook }).basePath('/v1')
  v1.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'Your API key, tg_<tenant>_<secret>, from the console or the first-start output',
  })
  v1.doc31('/openapi.json', {
    openapi: '3.1.0',
    servers: documentServers,
    info: {
      title: 'Tollgate merchant API',
      version: '1',
      description:
        'Authorize purchases and pay-per-minute sessions in real time. Amounts are integer minor units. Errors are application/problem+json (RFC 9457) and name the offending field. Full card numbers are never stored, logged or returned.',
    },
  })
  v1.route('/', docsRoutes())
  v1.use(
    '*',
    bodyLimit({
      maxSize: 64 * 1024,
      onError: (c) => problemResponse(c, new ProblemError('payload_too_large')),
    }),
  )
  // '/authorizations/*' also matches '/authorizations' itself: one registration, one key check
  v1.use('/authorizations/*', apiKeyAuth(services.db, services.apiKeys), requireJson)
  v1.use('/decisions/*', apiKeyAuth(services.db, services.apiKeys))
  v1.route('/', authorizationRoutes(services))
  v1.route('/', purchasePaymentRoutes(services))
  v1.use('/sessions/*', apiKeyAuth(services.db, services.apiKeys), requireJson)
  v1.route('/', sessionRoutes(services))
  v1.use('/payment-methods', apiKeyAuth(services.db, services.apiKeys))
  v1.route('/', storedMethodRoutes(services))
  v1.use('/offers/*', apiKeyAuth(services.db, services.apiKeys), requireJson)
  v1.route('/', offerRoutes(services))
  app.route('/', v1)

  const admin = adminApp({
    db: services.db,
    secret: services.secret,
    logger: services.logger,
    backtests: services.backtests,
    providers: services.providers,
    acd: services.acd,
    campaigns: services.campaigns,
  })
  const adminBodyLimit = bodyLimit({
    maxSize: 1024 * 1024,
    onError: (c) =>
      problemResponse(c, new ProblemError('payload_too_large', 'Admin requests are limited to 1 MiB.')),
  })
  // A list import is the one admin request with a CSV body, and a large one; the route checks its type.
  const importBodyLimit = bodyLimit({
    maxSize: IMPORT_MAX_BYTES,
    onError: (c) =>
      problemResponse(c, new ProblemError('payload_too_large', 'A list import is limited to 50 MiB.')),
  })
  const isListImport = (method: string, path: string) =>
    method === 'POST' && /^\/admin\/v1\/lists\/[^/]+\/imports$/.test(path)
  // Reference-data imports (line types, BINs) are CSV too, read whole by their route.
  const referenceBodyLimit = bodyLimit({
    maxSize: REFERENCE_IMPORT_MAX_BYTES,
    onError: (c) =>
      problemResponse(c, new ProblemError('payload_too_large', 'A reference import is limited to 10 MiB.')),
  })
  app.use('/admin/v1/*', (c, next) =>
    isListImport(c.req.method, c.req.path)
      ? importBodyLimit(c, next)
      : isReferenceImport(c.req.method, c.req.path)
        ? referenceBodyLimit(c, next)
        : adminBodyLimit(c, next),
  )
  app.use('/admin/v1/*', (c, next) =>
    isListImport(c.req.method, c.req.path) || isReferenceImport(c.req.method, c.req.path)
      ? next()
      : requireJson(c, next),
  )
  app.route('/', admin)
  // SANDBOX data providers with deterministic answers, for the demo tenant and tests: outside /v1
  // and /admin/v1, no tenant data, no database (see server/providers/sandbox.ts)
  if (options.sandbox !== false) app.route('/sandbox', sandboxRoutes())

  const consoleDir = options.consoleDir ?? path.resolve('dist/console')
  app.get('/console', (c) => c.redirect('/console/'))
  app.get('/console/*', (c) => {
    const rel = c.req.path.slice('/console/'.length)
    const file = rel && !rel.includes('..') ? path.join(consoleDir, rel) : null
    if (file && existsSync(file) && !file.endsWith(path.sep)) {
      const type = file.endsWith('.js')
        ? 'text/javascript'
        : file.endsWith('.css')
          ? 'text/css'
          : file.endsWith('.svg')
            ? 'image/svg+xml'
            : 'application/octet-stream'
      return c.body(new Uint8Array(readFileSync(file)), 200, {
        'content-type': type,
        'cache-control': 'public, max-age=31536000, immutable',
      })
    }
    const index = path.join(consoleDir, 'index.html')
    return c.html(existsSync(index) ? readFileSync(index, 'utf8') : placeholderConsole)
  })
  app.get('/favicon.ico', faviconResponse)
  app.get('/', (c) => c.redirect('/console/'))

  return app
}

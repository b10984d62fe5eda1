// /admin/v1: the console's API. Signing in is open; everything else needs a staff session, and
// each route its least role. Described by its own OpenAPI document.
import { OpenAPIHono } from '@hono/zod-openapi'
import { createMiddleware } from 'hono/factory'
import type { Db } from '../../db/connect.ts'
import type { AcdService } from '../acd/types.ts'
import { auditRoutes } from '../audit/routes.ts'
import { backtestRoutes } from '../backtests/routes.ts'
import type { BacktestRunner } from '../backtests/runner.ts'
import { lineTelephonyRoutes } from '../billing/line-telephony-routes.ts'
import { serviceLineRoutes } from '../billing/service-line-routes.ts'
import { doNotCallRoutes } from '../campaigns/do-not-call-routes.ts'
import { campaignRoutes } from '../campaigns/routes.ts'
import type { Campaigns } from '../campaigns/service.ts'
import { purchaseLimitRoutes } from '../customers/purchase-limit-routes.ts'
import { decisionAdminRoutes } from '../decisions/admin-routes.ts'
import { type AdminEnv, staffSession } from '../http/admin.ts'
import { defaultHook, documentServers } from '../http/openapi.ts'
import { ledgerAdminRoutes } from '../ledger/admin-routes.ts'
import { listRoutes } from '../lists/routes.ts'
import type { Logger } from '../logging.ts'
import { offerCatalogRoutes } from '../offers/catalog-routes.ts'
import { paymentAdminRoutes } from '../payments/admin-routes.ts'
import { billingSettingsRoutes } from '../payments/billing-settings-routes.ts'
import type { ProviderRegistry } from '../providers/client.ts'
import { providerRoutes } from '../providers/routes.ts'
import { referenceRoutes } from '../reference/routes.ts'
import { representativeRoutes } from '../representatives/routes.ts'
import { representativeTelephonyRoutes } from '../representatives/telephony-routes.ts'
import { reviewRoutes } from '../reviews/routes.ts'
import { factRoutes } from '../rule-sets/fact-routes.ts'
import { ruleSetRoutes } from '../rule-sets/routes.ts'
import { serviceNumberRoutes } from '../service-numbers/routes.ts'
import { sessionAdminRoutes } from '../sessions/admin-routes.ts'
import { shadowRoutes } from '../shadow/routes.ts'
import { publicStaffRoutes, staffRoutes } from '../staff/routes.ts'
import { wallboardRoutes } from '../wallboard/routes.ts'
import { WallboardFeed } from '../wallboard/wallboard.ts'
import { webhookRoutes } from '../webhooks/routes.ts'

export interface AdminDeps {
  db: Db
  /** keys card fingerprints, so a simulated request matches the cards of recorded ones */
  secret: string
  /** where test webhook deliveries log a failed attempt, as the dispatcher does */
  logger: Logger
  backtests?: BacktestRunner | undefined
  /** the process's provider clients, shared with live decisions so circuit states agree */
  providers?: ProviderRegistry | undefined
  /** the ACD (services.acd): presence routes and the wallboard's estimates; without it they answer 503 / null */
  acd?: AcdService | undefined
  /** how often a watched wallboard reads the tables (default 1000 ms) */
  wallboardIntervalMs?: number | undefined
  /** call-out and e-mail campaigns (services.campaigns); without it a campaign cannot start */
  campaigns?: Campaigns | undefined
}

export function adminApp(deps: AdminDeps) {
  // mounted at the root by createApp: the base path is part of every route and of the document's paths
  const app = new OpenAPIHono<AdminEnv>({ defaultHook }).basePath('/admin/v1')
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: 'tg_session',
    description: 'Set by POST /admin/v1/session. Writes also need the X-CSRF-Token header.',
  })
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    servers: documentServers,
    info: {
      title: 'Tollgate admin API',
      version: '1',
      description:
        'What the console uses: staff sessions, users, rule sets and their versions, simulation, backtests, shadow runs and the audit log. Every route states the least role it needs (x-tollgate-min-role): viewer < analyst < editor < publisher < admin.',
    },
  })

  const session = staffSession(deps.db)
  const isPublic = (method: string, path: string) =>
    (method === 'POST' && path.endsWith('/admin/v1/session')) || path.endsWith('/admin/v1/openapi.json')
  app.use(
    '*',
    createMiddleware<AdminEnv>(async (c, next) =>
      isPublic(c.req.method, c.req.path) ? next() : session(c, next),
    ),
  )

  app.route('/', publicStaffRoutes(deps.db))
  app.route('/', staffRoutes(deps.db))
  app.route('/', factRoutes())
  app.route('/', ruleSetRoutes({ db: deps.db, secret: deps.secret }))
  app.route('/', auditRoutes(deps.db))
  app.route('/', backtestRoutes(deps.db, deps.backtests))
  app.route('/', shadowRoutes(deps.db))
  app.route('/', decisionAdminRoutes(deps.db))
  app.route('/', reviewRoutes(deps.db))
  app.route('/', webhookRoutes({ db: deps.db, secret: deps.secret, logger: deps.logger }))
  app.route('/', purchaseLimitRoutes(deps.db))
  app.route('/', listRoutes(deps.db))
  app.route('/', referenceRoutes(deps.db))
  app.route('/', sessionAdminRoutes(deps.db))
  app.route('/', paymentAdminRoutes(deps.db))
  app.route('/', ledgerAdminRoutes(deps.db))
  app.route('/', representativeRoutes(deps.db))
  app.route('/', serviceLineRoutes(deps.db))
  app.route('/', offerCatalogRoutes(deps.db))
  app.route('/', lineTelephonyRoutes(deps.db))
  app.route('/', serviceNumberRoutes(deps.db))
  app.route('/', representativeTelephonyRoutes(deps.db, deps.acd))
  const wallboard = new WallboardFeed({
    db: deps.db,
    acd: deps.acd,
    intervalMs: deps.wallboardIntervalMs,
    onError: (error) => deps.logger.warn({ err: error }, 'wallboard poll failed'),
  })
  app.route('/', wallboardRoutes(wallboard))
  app.route('/', billingSettingsRoutes({ db: deps.db, secret: deps.secret }))
  app.route('/', campaignRoutes(deps.db, deps.campaigns))
  app.route('/', doNotCallRoutes(deps.db))
  if (deps.providers)
    app.route('/', providerRoutes({ db: deps.db, secret: deps.secret, providers: deps.providers }))
  return app
}

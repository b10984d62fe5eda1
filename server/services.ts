// The application's services, built once from the config and the database and handed to every
// consumer: the HTTP app (server/app.ts) and, in-process, the telephony bridge. Nothing here
// listens or starts a timer until start() is called.
import type { Db } from '../db/connect.ts'
import { PostgresAcd } from './acd/acd.ts'
import type { AcdService } from './acd/types.ts'
import { ApiKeyCache } from './api-keys/keys.ts'
import { type Authorizations, authorizations } from './authorizations/service.ts'
import { BacktestRunner } from './backtests/runner.ts'
import { Campaigns } from './campaigns/service.ts'
import type { Config } from './config.ts'
import { type BatcherOptions, batchedDecisionStore } from './decision-store/batcher.ts'
import type { Logger } from './logging.ts'
import { Metrics } from './metrics.ts'
import { DatabaseOfferLedger, type StockCheck } from './offers/ledger.ts'
import { OfferSweeper } from './offers/sweeper.ts'
import type { PaymentGateway } from './payments/gateway.ts'
import { gatewayResolver } from './payments/gateways.ts'
import { Payments } from './payments/payments.ts'
import type { MoneyGateway } from './payments/port.ts'
import { PaymentReconciler } from './payments/reconciler.ts'
import { createSandboxMoneyGateway } from './payments/sandbox-gateway.ts'
import type { StripeConnection } from './payments/stripe-gateway.ts'
import { ProviderRegistry } from './providers/client.ts'
import { ReviewEscalator } from './reviews/escalation.ts'
import { RuleSetCache } from './rule-sets/active.ts'
import { type Sessions, sessions } from './sessions/service.ts'
import { SessionSweeper } from './sessions/sweeper.ts'
import { ShadowEvaluator } from './shadow/evaluator.ts'
import { WebhookDispatcher } from './webhooks/dispatcher.ts'

export interface ServicesOptions {
  db: Db
  /** keys card fingerprints, request hashes and console sessions */
  secret: string
  logger: Logger
  /** one registry per graph, so tests may build several graphs in one process */
  metrics?: Metrics
  /** outside data providers' clients; tests pass one pointed at a sandbox that listens */
  providers?: ProviderRegistry
  /** how concurrent authorizations share transactions (server/decision-store/batcher.ts) */
  batches?: BatcherOptions
  /** verifies cards (AVS, CVC, name); the sandbox when not given */
  gateway?: PaymentGateway
  /** the tenant's money gateway; the sandbox (one account per tenant) when not given */
  gatewayFor?: (tenantId: string) => Promise<MoneyGateway>
  /** the sessions' clock; tests pass one they move by hand */
  clock?: () => Date
  /** where tenants' Stripe clients connect (api.stripe.com unless given; tests use the stand-in) */
  stripe?: StripeConnection
  /** the outside stock check for offers whose stock a provider keeps; the sandbox's when not given */
  stockCheck?: StockCheck
  /** the SMTP server e-mail campaigns send through (SMTP_URL) */
  smtpUrl?: string | undefined
}

export interface Services {
  db: Db
  secret: string
  logger: Logger
  metrics: Metrics
  ruleSets: RuleSetCache
  /** API keys this process has seen (the merchant API's deferred key check) */
  apiKeys: ApiKeyCache
  providers: ProviderRegistry
  shadow: ShadowEvaluator
  /** the decision pipeline: authorize() and the decisions it recorded */
  authorizations: Authorizations
  /** replays backtests; start() runs it in the background, tests may run it themselves */
  backtests: BacktestRunner
  webhooks: WebhookDispatcher
  reviewEscalation: ReviewEscalator
  /** the tenant's money gateway (sandbox unless its billing settings say otherwise) */
  gatewayFor(tenantId: string): Promise<MoneyGateway>
  /** holds, captures, voids, refunds and charges, booked on the ledger */
  payments: Payments
  /** settles money calls whose answer never came; start() runs it */
  paymentReconciler: PaymentReconciler
  /** billable sessions: /v1/sessions, and the telephony bridge in-process */
  sessions: Sessions
  /** ends silent sessions and settles unsettled ones; start() runs it */
  sessionSweeper: SessionSweeper
  /** the ACD: representatives' presence and queues, callers waiting, reservations (server/acd/) */
  acd: AcdService
  /** the offers' ledger: reserve, accept, decline and expire offers (server/offers/ledger.ts) */
  offers: DatabaseOfferLedger
  /** expires offers and finishes what a crash left halfway; start() runs it */
  offerSweeper: OfferSweeper
  /** call-out and e-mail campaigns: the bridges' CallOutQueue, and the e-mail sender start() runs */
  campaigns: Campaigns
  /** the background work: backtests, webhook deliveries, review escalation */
  start(): void
  stop(): Promise<void>
}

export function createServices(options: ServicesOptions): Services {
  const { db, secret, logger } = options
  const metrics = options.metrics ?? new Metrics()
  const ruleSets = new RuleSetCache()
  const providers = options.providers ?? new ProviderRegistry()
  const shadow = new ShadowEvaluator({ db, ruleSets, logger, metrics })
  const gatewayFor =
    options.gatewayFor ??
    gatewayResolver({ db, secret, sandbox: sandboxGatewayFor(db), stripe: options.stripe })
  const payments = new Payments({ db, gatewayFor, logger })
  const paymentReconciler = new PaymentReconciler({ db, payments, logger })
  const store = batchedDecisionStore(db, {
    ...options.batches,
    onBatch: (size) => metrics.batchSize.observe(size),
    onRetry: (reason) => metrics.batchRetries.inc({ reason }),
  })
  const backtests = new BacktestRunner({ db, logger })
  const webhooks = new WebhookDispatcher({ db, secret, logger })
  const reviewEscalation = new ReviewEscalator({ db, logger })
  const offers = new DatabaseOfferLedger({
    db,
    payments,
    gatewayFor,
    logger,
    ...(options.clock ? { now: options.clock } : {}),
    ...(options.stockCheck ? { stockCheck: options.stockCheck } : {}),
  })
  const decide = authorizations({
    db,
    secret,
    ruleSets,
    metrics,
    shadow,
    providers,
    store,
    payments,
    offers,
    logger,
    ...(options.gateway ? { gateway: options.gateway } : {}),
  })
  const billableSessions = sessions({
    db,
    secret,
    logger,
    authorizations: decide,
    payments,
    clock: options.clock,
  })
  const sessionSweeper = new SessionSweeper({ db, logger, sessions: billableSessions, payments })
  const offerSweeper = new OfferSweeper({ ledger: offers, logger })
  const campaigns = new Campaigns({ db, logger, smtpUrl: options.smtpUrl, clock: options.clock, offers })
  return {
    db,
    secret,
    logger,
    metrics,
    ruleSets,
    apiKeys: new ApiKeyCache(),
    providers,
    shadow,
    authorizations: decide,
    backtests,
    webhooks,
    reviewEscalation,
    gatewayFor,
    payments,
    paymentReconciler,
    sessions: billableSessions,
    sessionSweeper,
    acd: new PostgresAcd({ db, logger, clock: options.clock }),
    offers,
    offerSweeper,
    campaigns,
    start() {
      backtests.start()
      webhooks.start()
      reviewEscalation.start()
      paymentReconciler.start()
      sessionSweeper.start()
      offerSweeper.start()
      campaigns.start()
    },
    async stop() {
      // a running backtest stops after its batch and keeps its cursor for the next start
      await Promise.all([
        backtests.stop(),
        webhooks.stop(),
        reviewEscalation.stop(),
        paymentReconciler.stop(),
        sessionSweeper.stop(),
        offerSweeper.stop(),
        campaigns.stop(),
      ])
    },
  }
}

/** The sandbox, one account per tenant: every tenant's gateway until its billing settings choose Stripe. */
function sandboxGatewayFor(db: Db): (tenantId: string) => Promise<MoneyGateway> {
  const gateways = new Map<string, MoneyGateway>()
  return async (tenantId) => {
    let gateway = gateways.get(tenantId)
    if (!gateway) {
      gateway = createSandboxMoneyGateway({ db, account: tenantId })
      gateways.set(tenantId, gateway)
    }
    return gateway
  }
}

/**
 * How a server process batches its decisions. A running batch holds a pooled connection: some are
 * left for the console and the other routes. Two batches at a time on the machine: while one waits
 * on PostgreSQL the next fills up (more made smaller batches and cost more CPU per decision,
 * BENCHMARKS.md); with several workers each runs one at a time, or their batches would be smaller.
 */
export function decisionBatching(config: Config): BatcherOptions {
  return {
    maxSize: config.decisionBatchSize,
    maxRunning: Math.max(1, Math.min(Math.ceil(2 / config.workers), config.databasePoolSize - 2)),
  }
}

// An in-process app on a fresh database with two tenants, each with an API key and the demo rule
// set, and the logs captured so tests can read what was written.

import type { RuleSetDefinitionInput } from '../../rules/schema.ts'
import { createApiKey } from '../../server/api-keys/keys.ts'
import { createApp } from '../../server/app.ts'
import { createLogger } from '../../server/logging.ts'
import { Metrics } from '../../server/metrics.ts'
import type { ProviderRegistry } from '../../server/providers/client.ts'
import { createServices, type Services } from '../../server/services.ts'
import { demoRuleSet } from '../../server/tenants/demo-rule-set.ts'
import { createTenant, installRuleSet } from '../../server/tenants/tenants.ts'
import { createTestDatabase, type TestDatabase } from './db.ts'

export const TEST_SECRET = 'test-secret-do-not-use-in-production'

export interface TestApp {
  app: ReturnType<typeof createApp>
  /** the service graph the app was built on, for consumers that call it in-process */
  services: Services
  database: TestDatabase
  db: TestDatabase['db']
  /** tenant "acme" */
  key: string
  /** tenant "globex", for cross-tenant checks */
  otherKey: string
  logs: string[]
  post(path: string, body: unknown, options?: { key?: string; idempotencyKey?: string }): Promise<Response>
  get(path: string, options?: { key?: string }): Promise<Response>
  close(): Promise<void>
}

export async function startTestApp(
  options: {
    ruleSet?: RuleSetDefinitionInput
    poolSize?: number
    /** outside data providers' clients, to point the sandbox at a listening server */
    providers?: ProviderRegistry
    /** the sessions' clock, for suites that let minutes pass */
    clock?: () => Date
  } = {},
): Promise<TestApp> {
  const database = await createTestDatabase({ poolSize: options.poolSize })
  const db = database.db
  const logs: string[] = []
  const logger = createLogger('debug', { write: (line: string) => void logs.push(line) })
  const services = createServices({
    db,
    secret: TEST_SECRET,
    logger,
    metrics: new Metrics(),
    ...(options.providers ? { providers: options.providers } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  })
  const app = createApp(services)

  const keys: string[] = []
  for (const tenantId of ['acme', 'globex']) {
    await createTenant(db, { tenantId, name: tenantId, timeZone: 'UTC' })
    await installRuleSet(db, tenantId, {
      id: 'authorizations',
      name: 'Authorizations',
      definition: options.ruleSet ?? demoRuleSet,
    })
    await db
      .insertInto('lists')
      .values({ tenant_id: tenantId, id: 'negative', name: 'Negative', kind: 'negative', description: '' })
      .execute()
    await db
      .insertInto('lists')
      .values({ tenant_id: tenantId, id: 'positive', name: 'Positive', kind: 'positive', description: '' })
      .execute()
    keys.push((await createApiKey(db, tenantId, 'test')).key)
  }
  const [key, otherKey] = keys as [string, string]

  return {
    app,
    services,
    database,
    db,
    key,
    otherKey,
    logs,
    async post(path, body, opts = {}) {
      const headers: Record<string, string> = {
        authorization: `Bearer ${opts.key ?? key}`,
        'content-type': 'application/json',
      }
      if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey
      return app.request(path, {
        method: 'POST',
        headers,
        body: typeof body === 'string' ? body : JSON.stringify(body),
      })
    },
    async get(path, opts = {}) {
      return app.request(path, { headers: { authorization: `Bearer ${opts.key ?? key}` } })
    },
    close: () => database.close(),
  }
}

/** A realistic purchase; override any part. */
/**
 * A card payment as a buyer types it, with the security code and billing postal code the demo's
 * checks need (leaving them out is a temporary block): override any part of the card.
 */
export function typedCard(card: { number: string } & Record<string, unknown>) {
  return {
    type: 'card',
    card: { exp_month: 12, exp_year: 2030, cvc: '123', ...card },
    billing_address: { line1: '12 Main St', postal_code: '94107', country: 'US' },
  }
}

export function purchase(overrides: Record<string, unknown> = {}) {
  return {
    kind: 'purchase',
    channel: 'web',
    amount: { value: 2500, currency: 'USD' },
    customer: { id: 'c-81', email: 'ann@example.com', phone: '+15555550100', name: 'Ann Lee' },
    network: { ip: '203.0.113.7', device_id: 'd-1' },
    entered: {},
    payment_method: {
      type: 'card',
      card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' },
      billing_address: { line1: '12 Main St', postal_code: '94107', country: 'US' },
    },
    ...overrides,
  }
}

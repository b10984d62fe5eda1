// A live decision's provider facts read the tenant's enabled providers inside its transaction;
// the decisions of one batch share that read, one per tenant, instead of each sending its own.
import type { CompiledQuery } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pipelinedTransaction, ReadGatherer } from '../../server/decision-store/pipeline.ts'
import type { EnabledProvidersRead } from '../../server/decision-store/store.ts'
import { ProviderRegistry } from '../../server/providers/client.ts'
import { liveProviderSources } from '../../server/providers/sources.ts'
import { insertProvider, providerDefaults } from '../../server/providers/store.ts'
import { createTenant } from '../../server/tenants/tenants.ts'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'

let database: TestDatabase
beforeAll(async () => {
  database = await createTestDatabase({ poolSize: 2 })
  for (const tenantId of ['alpha', 'beta']) {
    await createTenant(database.db, { tenantId, name: tenantId, timeZone: 'UTC' })
    await insertProvider(
      database.db,
      tenantId,
      {
        ...providerDefaults,
        id: `${tenantId}-bureau`,
        kind: 'credit_bureau',
        name: 'Bureau',
        url: 'http://127.0.0.1:9/verify',
        secret: null,
      },
      null,
      'test',
    )
  }
})
afterAll(() => database.close())

describe('the enabled providers of a batch', () => {
  it('are read once per tenant, and every decision of the batch sees its own tenant’s', async () => {
    const registry = new ProviderRegistry()
    const readsSent: string[] = []
    const seen = await pipelinedTransaction(database.db, async (pipeline) => {
      const shared: EnabledProvidersRead = new Map()
      const decisions = ['alpha', 'alpha', 'beta', 'alpha'].map((tenantId) => {
        // each decision gathers its own reads, as in a batch; count what reaches the database
        const gather = new ReadGatherer((query: CompiledQuery) => {
          readsSent.push(...(query.sql.match(/from data_providers/g) ?? []).map(() => tenantId))
          return pipeline.send(query)
        })
        const providers = liveProviderSources(pipeline.trx, tenantId, registry, 's', {
          gather,
          readInTransaction: shared,
        })
        providers.preload()
        return { tenantId, providers }
      })
      return Promise.all(
        decisions.map(async ({ tenantId, providers }) => {
          // a provider whose URL refuses connections: the call fails, but the row was read
          const outcome = await providers.sources.provider('credit_bureau', {
            name: 'Ann Lee',
            email: null,
            phone: null,
            birth_date: null,
            address: null,
          })
          return { tenantId, configured: outcome.status !== 'not_configured', called: providers.calls() }
        }),
      )
    })
    expect(readsSent.sort()).toEqual(['alpha', 'beta'])
    for (const { tenantId, configured, called } of seen) {
      expect(configured).toBe(true)
      expect(called[0]?.providerId).toBe(`${tenantId}-bureau`)
    }
  }, 20_000)
})

// First start: on an empty database, seed the demo tenant with an API key, a console admin, the
// documents' example rule set and a sample negative list. Credentials come from the environment,
// or are random and returned once so the caller can print them.
import type { Db } from '../../db/connect.ts'
import { createApiKey } from '../api-keys/keys.ts'
import { seedDemoServiceLines } from '../billing/service-lines.ts'
import { seedDemoCampaigns } from '../campaigns/demo.ts'
import { newId, randomToken } from '../ids.ts'
import { seedDemoOffers } from '../offers/demo.ts'
import { seedSandboxProviders } from '../providers/demo.ts'
import { seedReferenceSamples } from '../reference/samples.ts'
import { seedDemoRepresentatives } from '../representatives/representatives.ts'
import { type DemoPin, seedDemoTelephony } from '../service-numbers/demo.ts'
import { hashPassword } from '../users/passwords.ts'
import { demoRuleSet } from './demo-rule-set.ts'
import { createTenant, installRuleSet } from './tenants.ts'

export const DEMO_TENANT = 'demo'

export interface BootstrapCredentials {
  apiKey: string
  adminEmail: string
  adminPassword: string
  /** the demo representatives' keypad PINs for the representatives' line (9100) */
  representativePins: DemoPin[]
}

export async function bootstrapIfEmpty(
  db: Db,
  options: { apiKey?: string | undefined; adminEmail: string; adminPassword?: string | undefined },
): Promise<BootstrapCredentials | null> {
  const existing = await db.selectFrom('tenants').select('tenant_id').limit(1).executeTakeFirst()
  if (existing) return null

  const apiKey = options.apiKey ?? `tg_${DEMO_TENANT}_${randomToken(32)}`
  const adminPassword = options.adminPassword ?? randomToken(20)
  await createTenant(db, { tenantId: DEMO_TENANT, name: 'Demo advice line', timeZone: 'America/New_York' })
  await createApiKey(db, DEMO_TENANT, 'Demo key (first start)', apiKey)
  await db
    .insertInto('users')
    .values({
      tenant_id: DEMO_TENANT,
      id: newId('usr'),
      email: options.adminEmail.toLowerCase(),
      name: 'Demo admin',
      role: 'admin',
      password_hash: await hashPassword(adminPassword),
    })
    .execute()
  await installRuleSet(db, DEMO_TENANT, {
    id: 'authorizations',
    name: 'Authorizations',
    description: 'Decides every purchase, session and call',
    definition: demoRuleSet,
    createdBy: 'bootstrap',
  })

  await db
    .insertInto('lists')
    .values({
      tenant_id: DEMO_TENANT,
      id: 'negative',
      name: 'Negative list',
      kind: 'negative',
      description: 'Known fraud and chargebacks',
    })
    .execute()
  await db
    .insertInto('list_entries')
    .values(
      [
        ['phone', '+15555550199', 'Chargeback on three sessions'],
        ['ip', '198.51.100.66', 'Card testing from this address'],
        ['email', 'fraudster@example.net', 'Stolen card reported by issuer'],
      ].map(([subject, value, reason]) => ({
        tenant_id: DEMO_TENANT,
        list_id: 'negative',
        id: newId('ent'),
        subject: subject as string,
        value: value as string,
        reason: reason as string,
        source: 'manual',
        added_by: 'bootstrap',
      })),
    )
    .execute()
  await db
    .insertInto('lists')
    .values({
      tenant_id: DEMO_TENANT,
      id: 'positive',
      name: 'Positive list',
      kind: 'positive',
      description: 'Verified good customers',
    })
    .execute()

  // line types, institutions and BINs for the demo rule set's institution and card checks
  await seedReferenceSamples(db, DEMO_TENANT)

  // SANDBOX outside data providers on this server's own /sandbox paths, for external verification
  await seedSandboxProviders(db, DEMO_TENANT)

  // three representatives on the loopback extensions 1001–1003 (the telephony step rings them)
  await seedDemoRepresentatives(db, DEMO_TENANT)
  // the lines demo sessions are billed on
  await seedDemoServiceLines(db, DEMO_TENANT)
  // the offers the demo rule set's offer events name (step 8)
  await seedDemoOffers(db, DEMO_TENANT)
  // a draft call-out campaign for one of those offers, never started here (it would dial)
  await seedDemoCampaigns(db, DEMO_TENANT)
  // numbers 9001–9003 and 9100, and the representatives' lab phones, phones and PINs
  const representativePins = await seedDemoTelephony(db, DEMO_TENANT)

  return { apiKey, adminEmail: options.adminEmail.toLowerCase(), adminPassword, representativePins }
}

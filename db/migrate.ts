// Runs the timestamped migrations in db/migrations, in name order, with Kysely's migrator.
import type { Kysely } from 'kysely'
import { type Migration, Migrator } from 'kysely'
import * as initial from './migrations/2026-11-23T0300_initial.ts'
import * as admin from './migrations/2026-11-23T0400_admin.ts'
import * as reviews from './migrations/2026-11-23T0510_reviews.ts'
import * as lists from './migrations/2026-11-23T0520_lists.ts'
import * as checks from './migrations/2026-11-23T0530_checks.ts'
import * as providers from './migrations/2026-11-23T0545_providers.ts'
import * as decisionCompression from './migrations/2026-11-23T0600_decision_compression.ts'
import * as money from './migrations/2026-12-05T0100_money.ts'
import * as pay from './migrations/2026-12-05T0210_pay.ts'
import * as sessions from './migrations/2026-12-05T0240_sessions.ts'
import * as telephony from './migrations/2026-12-06T0100_telephony.ts'
import * as acd from './migrations/2026-12-06T0110_acd.ts'
import * as offers from './migrations/2026-12-07T0100_offers.ts'
import * as ledger from './migrations/2026-12-07T0120_ledger.ts'
import * as catalog from './migrations/2026-12-07T0140_catalog.ts'
import * as campaigns from './migrations/2026-12-07T0150_campaigns.ts'

// Listed here rather than read from disk so the same code runs under tsx, vitest and a bundle.
const migrations: Record<string, Migration> = {
  '2026-11-23T0300_initial': initial,
  '2026-11-23T0400_admin': admin,
  '2026-11-23T0510_reviews': reviews,
  '2026-11-23T0520_lists': lists,
  '2026-11-23T0530_checks': checks,
  '2026-11-23T0545_providers': providers,
  '2026-11-23T0600_decision_compression': decisionCompression,
  '2026-12-05T0100_money': money,
  '2026-12-05T0210_pay': pay,
  '2026-12-05T0240_sessions': sessions,
  '2026-12-06T0100_telephony': telephony,
  '2026-12-06T0110_acd': acd,
  '2026-12-07T0100_offers': offers,
  '2026-12-07T0120_ledger': ledger,
  '2026-12-07T0140_catalog': catalog,
  '2026-12-07T0150_campaigns': campaigns,
}

// biome-ignore lint/suspicious/noExplicitAny: the migrator works on any schema
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } })
  const { error, results } = await migrator.migrateToLatest()
  if (error) throw error
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

// Reference data and the records the identity and payment checks need: number prefixes, IP ranges
// and BINs mapped to what they are (prison, pay phone, prepaid card …), each entry with added and
// removed times so a backtest asks "what was known then"; the identity mismatches a decision
// temporarily blocked, for "three within an hour"; and the payment gateway's verification of a
// decision's card, so replays reuse it rather than asking the gateway again.
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and never import application types
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`

  // kind: phone_prefix (E.164 prefix such as +1212555) | ip_range (cidr) | bin (card number prefix).
  // category: a line type or institution for phones and IPs; prepaid | debit | credit for BINs.
  // Product-wide reference data lives under the reserved tenant "shared" and is read by every tenant.
  await db.schema
    .createTable('reference_ranges')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('network', sql`cidr`)
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('country', 'text')
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('manual'))
    .addColumn('added_by', 'text')
    .addColumn('added_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('removed_by', 'text')
    .addColumn('removed_at', 'timestamptz')
    .addPrimaryKeyConstraint('reference_ranges_pk', ['tenant_id', 'id'])
    .execute()
  // Longest-prefix lookups ask for every prefix of a number at once: (tenant, kind, value) answers
  // them with one index probe each.
  await db.schema
    .createIndex('reference_ranges_lookup')
    .on('reference_ranges')
    .columns(['tenant_id', 'kind', 'value', 'added_at'])
    .execute()
  await sql`create unique index reference_ranges_active_uq on reference_ranges (tenant_id, kind, value)
            where removed_at is null`.execute(db)
  await sql`create index reference_ranges_network on reference_ranges using gist (network inet_ops)
            where network is not null`.execute(db)

  await db.schema
    .createTable('identity_mismatches')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('decision_id', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('customer_id', 'text')
    .addColumn('phone', 'text')
    .addColumn('ip', 'text')
    // what did not match, comma-separated: device, ip, phone
    .addColumn('kinds', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('identity_mismatches_pk', ['tenant_id', 'decision_id'])
    .execute()
  for (const subject of ['customer_id', 'phone', 'ip']) {
    await db.schema
      .createIndex(`identity_mismatches_by_${subject}`)
      .on('identity_mismatches')
      .columns(['tenant_id', subject, 'occurred_at'])
      .where(sql.ref(subject), 'is not', null)
      .execute()
  }

  await db.schema
    .createTable('payment_verifications')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('decision_id', 'text', (c) => c.notNull())
    .addColumn('decided_at', 'timestamptz', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('gateway', 'text', (c) => c.notNull())
    .addColumn('avs_code', 'text')
    .addColumn('avs_result', 'text', (c) => c.notNull())
    .addColumn('cvc_result', 'text', (c) => c.notNull())
    .addColumn('name_match', 'boolean')
    .addPrimaryKeyConstraint('payment_verifications_pk', ['tenant_id', 'decision_id'])
    .execute()
  // a replay knows its decision's time and card, not its id
  await db.schema
    .createIndex('payment_verifications_by_time')
    .on('payment_verifications')
    .columns(['tenant_id', 'decided_at', 'fingerprint'])
    .execute()
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['payment_verifications', 'identity_mismatches', 'reference_ranges'])
    await db.schema.dropTable(table).ifExists().execute()
}

// Offers (step 8): the catalog of what may be offered, with its stock and treatments; every offer
// made (a presentation: the stock it reserves and the hold on the customer's method until it is
// accepted, declined or expires); the orders accepted offers become; take rates per offer, segment
// and channel; and call-out campaigns with their contacts. Money is integer minor units.
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and never import application types
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`
  const emptyArray = sql`'[]'::jsonb`
  const emptyObject = sql`'{}'::jsonb`

  // stock_mode: tracked (stock_on_hand counted here, stock_reserved held by open presentations) |
  // provider (asked through the provider interface before each offer) | unlimited (information, services).
  // value: what arbitration weighs (the margin), the price when null. channels: web, phone, chat,
  // video, email, call_out. tags: what rule-set offer events may name instead of a SKU.
  // contact policy: at most max_offers_per_customer in window_days; none again for
  // decline_cooldown_days after a decline. reservation_seconds: how long an offer made holds its
  // stock and credit before it expires.
  await db.schema
    .createTable('offers')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('price', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('value', 'bigint')
    .addColumn('tags', 'jsonb', (c) => c.notNull().defaultTo(emptyArray))
    .addColumn('channels', 'jsonb', (c) => c.notNull().defaultTo(emptyArray))
    .addColumn('stock_mode', 'text', (c) => c.notNull().defaultTo('tracked'))
    .addColumn('stock_on_hand', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('stock_reserved', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_offers_per_customer', 'integer')
    .addColumn('window_days', 'integer')
    .addColumn('decline_cooldown_days', 'integer')
    .addColumn('reservation_seconds', 'integer', (c) => c.notNull().defaultTo(900))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('offers_pk', ['tenant_id', 'id'])
    .addUniqueConstraint('offers_sku', ['tenant_id', 'sku'])
    .addCheckConstraint('offers_stock', sql`stock_reserved >= 0 and stock_reserved <= stock_on_hand`)
    .execute()

  // How an offer is presented. channel: phone (prompt: a file path or tone_stream, script: what a
  // representative or TTS reads) | web (text, image_url). segment: the demographic segment it suits
  // ('*' for every one); style concise | detailed; pace slow | normal | fast; language (BCP 47).
  await db.schema
    .createTable('offer_treatments')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('segment', 'text', (c) => c.notNull().defaultTo('*'))
    .addColumn('style', 'text', (c) => c.notNull().defaultTo('concise'))
    .addColumn('pace', 'text', (c) => c.notNull().defaultTo('normal'))
    .addColumn('language', 'text', (c) => c.notNull().defaultTo('en'))
    .addColumn('prompt', 'text')
    .addColumn('script', 'text')
    .addColumn('text', 'text')
    .addColumn('image_url', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('offer_treatments_pk', ['tenant_id', 'id'])
    .execute()
  await db.schema
    .createIndex('offer_treatments_offer')
    .on('offer_treatments')
    .columns(['tenant_id', 'offer_id'])
    .execute()

  // An offer made to a customer in a contact: a decision (decision_id) or a campaign's contact
  // (campaign_contact_id). status: presented (stock reserved, credit held: payment_id) | accepted |
  // declined | expired | control (held out for measurement: chosen, never shown, nothing reserved).
  // segment and channel key the take rates; why: what the decision says about the choice
  // (eligibility rule, priority, propensity, the presentation's rules). A status leaves presented once.
  await db.schema
    .createTable('offer_presentations')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text')
    .addColumn('decision_id', 'text')
    .addColumn('campaign_contact_id', 'text')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('segment', 'text', (c) => c.notNull().defaultTo('*'))
    .addColumn('treatment_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('price', 'bigint', (c) => c.notNull())
    .addColumn('discount', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('payment_method_id', 'text')
    .addColumn('payment_id', 'text')
    .addColumn('priority', 'double precision')
    .addColumn('propensity', 'double precision')
    .addColumn('why', 'jsonb', (c) => c.notNull().defaultTo(emptyObject))
    .addColumn('presented_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('expires_at', 'timestamptz')
    .addColumn('resolved_at', 'timestamptz')
    .addPrimaryKeyConstraint('offer_presentations_pk', ['tenant_id', 'id'])
    .execute()
  await sql`create index offer_presentations_open on offer_presentations (expires_at)
            where status = 'presented'`.execute(db)
  await db.schema
    .createIndex('offer_presentations_customer')
    .on('offer_presentations')
    .columns(['tenant_id', 'customer_id', 'offer_id', 'presented_at'])
    .execute()
  await db.schema
    .createIndex('offer_presentations_decision')
    .on('offer_presentations')
    .columns(['tenant_id', 'decision_id'])
    .execute()

  // An accepted offer: what was captured for it (payment_id), one per presentation.
  await db.schema
    .createTable('offer_orders')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('presentation_id', 'text', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text')
    .addColumn('quantity', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('payment_id', 'text')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('offer_orders_pk', ['tenant_id', 'id'])
    .addUniqueConstraint('offer_orders_presentation', ['tenant_id', 'presentation_id'])
    .execute()

  // Take rates: counts per offer, segment and channel, kept as presentations resolve; propensity is
  // learned from them with a prior, the console charts them. control counts the held-out group.
  await db.schema
    .createTable('offer_stats')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('segment', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('presented', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('accepted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('declined', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expired', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('control', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('offer_stats_pk', ['tenant_id', 'offer_id', 'segment', 'channel'])
    .execute()

  // A call-out (or e-mail) campaign. channel: phone | email. audience: a rule condition (the rule
  // builder's JSON) over customers and their history. windows: when customers may be called, in
  // their own time zone ({days, from, to}[]). pacing: calls_per_minute, max_concurrent.
  // suppression: which negative lists, do-not-call, recent_contact_days. retries: max_attempts,
  // retry_minutes. email: subject and body templates. status: draft | running | paused | finished.
  await db.schema
    .createTable('campaigns')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('audience', 'jsonb', (c) => c.notNull().defaultTo(emptyObject))
    .addColumn('windows', 'jsonb', (c) => c.notNull().defaultTo(emptyArray))
    .addColumn('pacing', 'jsonb', (c) => c.notNull().defaultTo(emptyObject))
    .addColumn('suppression', 'jsonb', (c) => c.notNull().defaultTo(emptyObject))
    .addColumn('retries', 'jsonb', (c) => c.notNull().defaultTo(emptyObject))
    .addColumn('email', 'jsonb')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('draft'))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addPrimaryKeyConstraint('campaigns_pk', ['tenant_id', 'id'])
    .execute()

  // One customer in a campaign. status: pending | dialing (claimed by a bridge: claimed_by,
  // claimed_until) | answered | accepted | declined | no_answer | busy | failed | suppressed |
  // emailed | blocked (the fraud controls said no) | finished. result: what happened, for the console.
  await db.schema
    .createTable('campaign_contacts')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('phone', 'text')
    .addColumn('email', 'text')
    .addColumn('time_zone', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz')
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_until', 'timestamptz')
    .addColumn('presentation_id', 'text')
    .addColumn('order_id', 'text')
    .addColumn('decision_id', 'text')
    .addColumn('result', 'jsonb', (c) => c.notNull().defaultTo(emptyObject))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('campaign_contacts_pk', ['tenant_id', 'id'])
    .addUniqueConstraint('campaign_contacts_customer', ['tenant_id', 'campaign_id', 'customer_id'])
    .execute()
  await sql`create index campaign_contacts_due on campaign_contacts (tenant_id, campaign_id, next_attempt_at)
            where status in ('pending', 'no_answer', 'busy')`.execute(db)

  // Numbers that asked not to be called (the deployer's national list imported, or a customer's own
  // request by key during a call-out). A campaign never dials them.
  await db.schema
    .createTable('do_not_call')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('added_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('do_not_call_pk', ['tenant_id', 'phone'])
    .execute()

  // Where the customer lives, for calling windows (IANA name); the tenant's zone when unknown.
  await db.schema.alterTable('customers').addColumn('time_zone', 'text').execute()
}

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and never import application types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('customers').dropColumn('time_zone').execute()
  for (const table of [
    'do_not_call',
    'campaign_contacts',
    'campaigns',
    'offer_stats',
    'offer_orders',
    'offer_presentations',
    'offer_treatments',
    'offers',
  ])
    await db.schema.dropTable(table).execute()
}

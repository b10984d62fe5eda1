// Telephony (step 7): the numbers FreeSWITCH hands to the bridge and what each one answers, the
// telephony settings of service lines and representatives, representatives' presence in the
// availability queues and their login history, and every call the bridge handles with the
// representatives it reserved for it. Times are the bridge's (FreeSWITCH's Event-Date-Timestamp
// where an event gave one).
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and never import application types
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`

  // A dialled number (DNIS), unique across tenants: FreeSWITCH gives the bridge only the number.
  // purpose: service_line (callers, billed at service_line_id) | representatives (the login line).
  // advertising_source: where the caller saw the number, recorded with the call.
  await db.schema
    .createTable('service_numbers')
    .addColumn('number', 'text', (c) => c.notNull().primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('service_line_id', 'text')
    .addColumn('advertising_source', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute()
  await db.schema.createIndex('service_numbers_tenant').on('service_numbers').columns(['tenant_id']).execute()

  // representatives_per_call: 1, 2 or 3 (the solo, dual and triple queues). telephony: prompts
  // (configured file paths), waiting content, matching preferences offered, strategy, maximum wait,
  // the partner network to transfer to, and the figures the wait estimate starts from.
  await db.schema
    .alterTable('service_lines')
    .addColumn('representatives_per_call', 'integer', (c) => c.notNull().defaultTo(1))
    .execute()
  await db.schema
    .alterTable('service_lines')
    .addColumn('telephony', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute()

  // dial_string: how FreeSWITCH reaches them (user/1001, sofia/gateway/…/number, loopback/…).
  // phone: the number they log in from (recognised by ANI); pin_hash: an id and PIN otherwise.
  // gender, zodiac_sign, expertise: what callers may ask for.
  for (const [column, type] of [
    ['dial_string', 'text'],
    ['phone', 'text'],
    ['pin_hash', 'text'],
    ['gender', 'text'],
    ['zodiac_sign', 'text'],
  ] as const)
    await db.schema.alterTable('representatives').addColumn(column, type).execute()
  await db.schema
    .alterTable('representatives')
    .addColumn('expertise', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute()

  // One row per representative who has ever logged in: where they are now. state: offline |
  // available | reserved (offered a call, their leg ringing) | on_call | wrap_up | break.
  // queues: any of solo, dual, triple. partner_id: the preferred partner (twin) for dual/triple.
  // idle_since orders "longest idle"; calls_taken and talk_seconds (this login) order the others.
  await db.schema
    .createTable('representative_presence')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('representative_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('queues', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('partner_id', 'text')
    .addColumn('login_id', 'text')
    .addColumn('logged_in_at', 'timestamptz')
    .addColumn('state_changed_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('idle_since', 'timestamptz')
    .addColumn('last_offered_at', 'timestamptz')
    .addColumn('calls_taken', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('talk_seconds', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('missed_in_row', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('reserved_call_id', 'text')
    .addColumn('reserved_until', 'timestamptz')
    .addColumn('wrap_up_until', 'timestamptz')
    .addPrimaryKeyConstraint('representative_presence_pk', ['tenant_id', 'representative_id'])
    .execute()
  await sql`create index representative_presence_available on representative_presence (tenant_id, idle_since)
            where state = 'available'`.execute(db)

  // A login, from phone or console, to logout: what step 6's pay and the reports count.
  await db.schema
    .createTable('representative_logins')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('representative_id', 'text', (c) => c.notNull())
    .addColumn('via', 'text', (c) => c.notNull())
    .addColumn('queues', 'jsonb', (c) => c.notNull())
    .addColumn('partner_id', 'text')
    .addColumn('logged_in_at', 'timestamptz', (c) => c.notNull())
    .addColumn('logged_out_at', 'timestamptz')
    .addColumn('calls_taken', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('service_seconds', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('representative_logins_pk', ['tenant_id', 'id'])
    .execute()
  await db.schema
    .createIndex('representative_logins_by_rep')
    .on('representative_logins')
    .columns(['tenant_id', 'representative_id', 'logged_in_at'])
    .execute()

  // A call the bridge answered. stage: ivr | waiting (in the queue) | connecting (representatives
  // reserved, legs ringing) | conference | ended. bridge_id: the bridge process that owns the
  // channel. representatives_needed: 1–3. preferences: what the caller asked for (gender,
  // zodiac_sign, expertise, extension). connected_at: the first representative's add-member.
  await db.schema
    .createTable('calls')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('channel_uuid', 'text', (c) => c.notNull())
    .addColumn('bridge_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('caller'))
    .addColumn('dnis', 'text', (c) => c.notNull())
    .addColumn('ani', 'text')
    .addColumn('advertising_source', 'text')
    .addColumn('service_line_id', 'text')
    .addColumn('decision_id', 'text')
    .addColumn('session_id', 'text')
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('representatives_needed', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('preferences', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('conference_name', 'text')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('enqueued_at', 'timestamptz')
    .addColumn('connected_at', 'timestamptz')
    .addColumn('ended_at', 'timestamptz')
    .addColumn('end_reason', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('calls_pk', ['tenant_id', 'id'])
    .execute()
  await sql`create index calls_live on calls (tenant_id, stage, enqueued_at) where stage <> 'ended'`.execute(
    db,
  )
  await db.schema.createIndex('calls_started').on('calls').columns(['tenant_id', 'started_at']).execute()
  await db.schema.createIndex('calls_channel').on('calls').columns(['channel_uuid']).execute()

  // A representative reserved for a call, and their leg. status: reserved | ringing | joined |
  // left | no_answer | cancelled. session_leg_id: step 6's leg opened at add-member.
  await db.schema
    .createTable('call_members')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('call_id', 'text', (c) => c.notNull())
    .addColumn('representative_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('leg_uuid', 'text')
    .addColumn('member_id', 'text')
    .addColumn('session_leg_id', 'text')
    .addColumn('reserved_at', 'timestamptz', (c) => c.notNull())
    .addColumn('joined_at', 'timestamptz')
    .addColumn('left_at', 'timestamptz')
    .addPrimaryKeyConstraint('call_members_pk', ['tenant_id', 'id'])
    .execute()
  await db.schema
    .createIndex('call_members_call')
    .on('call_members')
    .columns(['tenant_id', 'call_id'])
    .execute()
  await db.schema.createIndex('call_members_leg').on('call_members').columns(['leg_uuid']).execute()
}

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and never import application types
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'call_members',
    'calls',
    'representative_logins',
    'representative_presence',
    'service_numbers',
  ])
    await db.schema.dropTable(table).execute()
  for (const column of ['expertise', 'zodiac_sign', 'gender', 'pin_hash', 'phone', 'dial_string'])
    await db.schema.alterTable('representatives').dropColumn(column).execute()
  for (const column of ['telephony', 'representatives_per_call'])
    await db.schema.alterTable('service_lines').dropColumn(column).execute()
}

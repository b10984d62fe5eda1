// Typed tables. Every table carries tenant_id and every key leads with it, so the data can be
// sharded by tenant later (ARCHITECTURE.md, "Growing past one machine").
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely'

/** a timestamp with a database default: optional on insert */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
/** a timestamp the application always sets */
type RequiredTimestamp = ColumnType<Date, Date | string, Date | string>
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
/** jsonb: read as parsed JSON, written as a JSON string (portable across postgres.js and PGlite). */
type Json<T> = ColumnType<T, string, string>
/** int8 columns come back as bigint (PGlite) or string (postgres.js): always wrap reads in Number(). */
type Int8 = ColumnType<string | bigint | number, number | bigint, number | bigint>

export interface TenantsTable {
  tenant_id: string
  name: string
  time_zone: string
  default_currency: string
  /** the rule set whose active version decides this tenant's authorizations */
  decision_rule_set_id: string | null
  created_at: Timestamp
  /** unclaimed reviews older than this escalate; null means the default */
  review_escalation_minutes: ColumnType<number | null, number | null | undefined, number | null>
}

export interface ApiKeysTable {
  tenant_id: string
  id: string
  name: string
  /** the first characters of the secret, shown to staff to recognise a key */
  prefix: string
  /** sha256 of the whole key; API keys are high-entropy, so a fast hash is the right one */
  key_hash: string
  created_at: Timestamp
  revoked_at: NullableTimestamp
}

export interface UsersTable {
  tenant_id: string
  id: string
  email: string
  name: string
  role: string
  password_hash: string
  created_at: Timestamp
  disabled_at: NullableTimestamp
}

export interface CustomersTable {
  tenant_id: string
  id: string
  external_id: string | null
  created_at: Timestamp
  last_seen_at: Timestamp
  /** IANA zone, for call-out windows; the tenant's when null */
  time_zone: Nullable<string>
}

export interface CustomerIdentifiersTable {
  tenant_id: string
  /** customer_id | phone | email | card | device | ip */
  kind: string
  value: string
  customer_id: string
  first_seen_at: Timestamp
  last_seen_at: Timestamp
}

export interface PaymentMethodsTable {
  tenant_id: string
  id: string
  customer_id: string
  type: string
  fingerprint: string
  bin: string | null
  last4: string | null
  brand: string | null
  exp_month: number | null
  exp_year: number | null
  billing_postal_code: string | null
  created_at: Timestamp
  last_used_at: Timestamp
  /** the gateway that issued gateway_token */
  gateway: ColumnType<string | null, string | null | undefined, string | null>
  /** the gateway's token for charging this method again; never the number */
  gateway_token: ColumnType<string | null, string | null | undefined, string | null>
}

export interface RuleSetsTable {
  tenant_id: string
  id: string
  name: string
  description: string
  active_version: number | null
  /** the publisher of a version must not be its last editor */
  four_eyes: ColumnType<boolean, boolean | undefined, boolean>
  /** a published version evaluated beside the active one on every live decision */
  shadow_version: ColumnType<number | null, number | null | undefined, number | null>
  created_at: Timestamp
  updated_at: Timestamp
}

export interface RuleSetVersionsTable {
  tenant_id: string
  rule_set_id: string
  version: number
  /** draft | published | archived */
  status: string
  definition: Json<unknown>
  created_by: string | null
  created_at: Timestamp
  published_at: NullableTimestamp
  /** the version this draft was copied from */
  based_on: ColumnType<number | null, number | null | undefined, number | null>
  last_edited_by: ColumnType<string | null, string | null | undefined, string | null>
  updated_at: Timestamp
  published_by: ColumnType<string | null, string | null | undefined, string | null>
}

export interface DecisionsTable {
  tenant_id: string
  id: string
  created_at: RequiredTimestamp
  kind: string
  channel: string
  outcome: string
  customer_id: string | null
  amount_value: Int8 | null
  currency: string | null
  rule_set_id: string | null
  rule_set_version: number | null
  /** the request as captured: normalized, card reduced to BIN, last four, brand and fingerprint */
  request: Json<unknown>
  /** every fact value the evaluation read, keyed by fact and params */
  facts: Json<unknown>
  /** the rules that fired, with the fact values each condition saw */
  fired_rules: Json<unknown>
  /** json, not jsonb: an idempotent replay returns the bytes' key order as first sent */
  response: Json<unknown>
  idempotency_key: string | null
  request_hash: string | null
  evaluation_micros: number
  resolution: Json<unknown> | null
}

export interface UsageEventsTable {
  tenant_id: string
  id: Generated<Int8>
  decision_id: string
  occurred_at: RequiredTimestamp
  customer_id: string | null
  phone: string | null
  card_fingerprint: string | null
  ip: string | null
  sessions: number
  purchases: number
  /** seconds of talk time; minutes are derived when summed */
  seconds: number
  amount: Int8
  currency: string | null
  voided_at: NullableTimestamp
}

export interface ListsTable {
  tenant_id: string
  id: string
  name: string
  /** negative | positive */
  kind: string
  description: string
  created_at: Timestamp
}

export interface ListEntriesTable {
  tenant_id: string
  list_id: string
  id: string
  /** phone | ip | card | bin | email | email_domain | device | customer | address | name */
  subject: string
  value: string
  reason: string
  source: string
  added_by: string | null
  added_at: Timestamp
  removed_at: NullableTimestamp
  expires_at: NullableTimestamp
  /** ip subjects: the address or range as cidr, matched by containment */
  network: ColumnType<string | null, string | null | undefined, string | null>
  removed_by: ColumnType<string | null, string | null | undefined, string | null>
  /** on a shared list: the tenant that contributed the entry (never shown to other tenants) */
  contributed_by: ColumnType<string | null, string | null | undefined, string | null>
  /** on a shared list: the contributor's own entry it was copied from */
  origin_entry_id: ColumnType<string | null, string | null | undefined, string | null>
}

/** Whether a tenant reads the shared lists and contributes to them. */
export interface TenantSharingTable {
  tenant_id: string
  reads_shared: ColumnType<boolean, boolean | undefined, boolean>
  contributes_shared: ColumnType<boolean, boolean | undefined, boolean>
  updated_by: string | null
  updated_at: Timestamp
}

export interface ListImportsTable {
  tenant_id: string
  id: string
  list_id: string
  /** queued | running | completed | failed */
  status: string
  total_bytes: Int8
  processed_bytes: ColumnType<string | bigint | number, number | bigint | undefined, number | bigint>
  total_rows: ColumnType<number, number | undefined, number>
  accepted: ColumnType<number, number | undefined, number>
  duplicates: ColumnType<number, number | undefined, number>
  rejected: ColumnType<number, number | undefined, number>
  /** the first rejected lines: { line, message } */
  rejections: ColumnType<unknown, string | undefined, string>
  error: string | null
  created_by: string | null
  created_at: Timestamp
  started_at: NullableTimestamp
  finished_at: NullableTimestamp
}

export interface StaffSessionsTable {
  tenant_id: string
  id: string
  user_id: string
  /** sha256 of the cookie's secret part */
  token_hash: string
  csrf_token: string
  created_at: Timestamp
  expires_at: RequiredTimestamp
  revoked_at: NullableTimestamp
}

export interface LoginFailuresTable {
  tenant_id: string
  email: string
  failures: number
  first_failed_at: RequiredTimestamp
  locked_until: NullableTimestamp
}

export interface AuditLogTable {
  tenant_id: string
  id: Generated<Int8>
  at: Timestamp
  actor_id: string | null
  actor_email: string | null
  action: string
  entity_type: string
  entity_id: string
  before: Json<unknown> | null
  after: Json<unknown> | null
}

export interface BacktestsTable {
  tenant_id: string
  id: string
  rule_set_id: string
  version: number
  range_from: RequiredTimestamp
  range_to: RequiredTimestamp
  sample_rate: number | null
  status: string
  total: ColumnType<number, number | undefined, number>
  processed: ColumnType<number, number | undefined, number>
  changed: ColumnType<number, number | undefined, number>
  rate_per_second: number | null
  cursor_at: NullableTimestamp
  cursor_id: string | null
  matrix: ColumnType<unknown, string | undefined, string>
  rule_hits: ColumnType<unknown, string | undefined, string>
  error: string | null
  created_by: string | null
  created_at: Timestamp
  started_at: NullableTimestamp
  finished_at: NullableTimestamp
  lease_until: NullableTimestamp
}

export interface BacktestChangesTable {
  tenant_id: string
  backtest_id: string
  decision_id: string
  decided_at: RequiredTimestamp
  old_outcome: string
  new_outcome: string
  new_rules: Json<unknown>
}

export interface ShadowResultsTable {
  tenant_id: string
  rule_set_id: string
  version: number
  decision_id: string
  decided_at: RequiredTimestamp
  live_outcome: string
  shadow_outcome: string
  shadow_rules: Json<unknown>
}

export interface ReviewsTable {
  tenant_id: string
  decision_id: string
  /** open | claimed | escalated | resolved */
  status: string
  created_at: RequiredTimestamp
  claimed_by: string | null
  claimed_at: NullableTimestamp
  escalated_at: NullableTimestamp
  resolved_by: string | null
  resolved_at: NullableTimestamp
  /** approve | approve_with_limit | block */
  resolution: string | null
  note: string | null
  limits: Json<unknown> | null
}

export interface WebhookEndpointsTable {
  tenant_id: string
  id: string
  url: string
  events: Json<string[]>
  description: string
  /** the signing secret sealed with the server's key */
  secret_sealed: string
  created_by: string | null
  created_at: Timestamp
  deleted_at: NullableTimestamp
}

export interface WebhookDeliveriesTable {
  tenant_id: string
  id: string
  endpoint_id: string
  event_id: string
  event_type: string
  body: string
  /** pending | succeeded | failed */
  status: string
  attempts: ColumnType<number, number | undefined, number>
  max_attempts: number
  next_attempt_at: NullableTimestamp
  last_attempt_at: NullableTimestamp
  delivered_at: NullableTimestamp
  replay_of: string | null
  created_at: RequiredTimestamp
}

export interface WebhookAttemptsTable {
  tenant_id: string
  delivery_id: string
  attempt: number
  started_at: RequiredTimestamp
  duration_ms: number
  response_status: number | null
  response_excerpt: string | null
  error: string | null
}

export interface CustomerLimitsTable {
  tenant_id: string
  customer_id: string
  /** purchase_value */
  kind: string
  amount: Int8
  currency: string
  established_at: RequiredTimestamp
  expires_at: RequiredTimestamp
  /** rule_set | staff */
  source: string
  set_by: string | null
  decision_id: string | null
  note: string | null
}

/** Reference data: E.164 prefixes, IP ranges and BINs mapped to a category, with as-of history. */
export interface ReferenceRangesTable {
  tenant_id: string
  id: string
  /** phone_prefix | ip_range | bin */
  kind: string
  value: string
  /** ip_range: the range as cidr, matched by containment */
  network: string | null
  /** a line type or institution (prison, pay_phone …); for bin: prepaid | debit | credit */
  category: string
  /** bin: the issuing country, ISO 3166 alpha-2 */
  country: string | null
  description: string
  source: ColumnType<string, string | undefined, string>
  added_by: string | null
  added_at: Timestamp
  removed_by: string | null
  removed_at: NullableTimestamp
}

/** A decision that was temporarily blocked for an identity mismatch, counted by recent_mismatches. */
export interface IdentityMismatchesTable {
  tenant_id: string
  decision_id: string
  occurred_at: RequiredTimestamp
  customer_id: string | null
  phone: string | null
  ip: string | null
  /** what did not match, comma-separated: device, ip, phone */
  kinds: string
}

/** The payment gateway's verification of a decision's card, reused by replays. */
export interface PaymentVerificationsTable {
  tenant_id: string
  decision_id: string
  decided_at: RequiredTimestamp
  fingerprint: string
  gateway: string
  avs_code: string | null
  avs_result: string
  cvc_result: string
  name_match: boolean | null
}

/** A tenant's outside data source (figure 10, step 1015): how to call it and what to do when it cannot answer. */
export interface DataProvidersTable {
  tenant_id: string
  id: string
  /** ani_line_type | credit_bureau | check_approval | demographics | card_issuer */
  kind: string
  name: string
  /** absolute, or a path against the server's own base URL (the sandbox) */
  url: string
  timeout_ms: number
  retries: number
  /** fail_open | fail_closed */
  fail_policy: string
  cache_ttl_seconds: number
  breaker_threshold: number
  breaker_reset_ms: number
  enabled: boolean
  /** the auth header's token sealed with the deployment key; null sends none */
  secret_sealed: string | null
  created_by: string | null
  created_at: Timestamp
  updated_at: Timestamp
}

/** What a decision's call to a provider came to: replays read the answer here rather than calling again. */
export interface ProviderCallsTable {
  tenant_id: string
  decision_id: string
  kind: string
  provider_id: string
  decided_at: RequiredTimestamp
  /** a hash of the normalized query; never a card or account number */
  query_key: string
  /** answered | cached | timeout | circuit_open | error */
  status: string
  fail_policy: string
  attempts: number
  latency_ms: number
  answer: Json<unknown> | null
  error: string | null
}

type Defaulted<T> = ColumnType<T, T | undefined, T>
type DefaultedInt8 = ColumnType<string | bigint | number, number | bigint | undefined, number | bigint>
type Nullable<T> = ColumnType<T | null, T | null | undefined, T | null>

/** What a session is billed at (step 6). */
export interface ServiceLinesTable {
  tenant_id: string
  id: string
  name: string
  description: Defaulted<string>
  currency: string
  rate_per_minute: Int8
  connect_fee: DefaultedInt8
  /** billed whole once connected; then each increment begun */
  first_period_seconds: number
  increment_seconds: number
  /** fixed | minutes */
  hold_policy: string
  hold_amount: ColumnType<
    string | bigint | number | null,
    number | bigint | null | undefined,
    number | bigint | null
  >
  hold_minutes: Nullable<number>
  /** conference | chat_room */
  mode: Defaulted<string>
  /** 1, 2 or 3: the solo, dual or triple queue */
  representatives_per_call: Defaulted<number>
  /** prompts, waiting content, strategy, maximum wait, partner network (server/billing/line-telephony.ts) */
  telephony: ColumnType<unknown, string | undefined, string>
  active: Defaulted<boolean>
  created_by: Nullable<string>
  created_at: Timestamp
  updated_at: Timestamp
}

/** One row per tenant: its gateway and how sessions settle. */
export interface BillingSettingsTable {
  tenant_id: string
  /** sandbox | stripe */
  gateway: Defaulted<string>
  /** the gateway's secret key sealed with TOLLGATE_SECRET */
  gateway_secret_sealed: Nullable<string>
  /** the gateway's account id, shown to staff */
  gateway_account: Nullable<string>
  /** capture_and_release | reverse_and_recharge | credit_difference */
  settlement: Defaulted<string>
  heartbeat_timeout_seconds: Defaulted<number>
  updated_by: Nullable<string>
  updated_at: Timestamp
}

/** A hold (authorized, then captured / voided / expired) or a direct charge. */
export interface PaymentsTable {
  tenant_id: string
  id: string
  decision_id: Nullable<string>
  session_id: Nullable<string>
  customer_id: Nullable<string>
  payment_method_id: Nullable<string>
  /** hold | charge */
  kind: string
  /** pending | authorized | captured | voided | expired | refunded | failed | unknown */
  status: string
  currency: string
  amount_authorized: DefaultedInt8
  amount_captured: DefaultedInt8
  amount_refunded: DefaultedInt8
  gateway: string
  gateway_reference: Nullable<string>
  failure_code: Nullable<string>
  failure_message: Nullable<string>
  expires_at: NullableTimestamp
  created_at: Timestamp
  updated_at: Timestamp
}

/** Every call to the gateway, stored with its idempotency key before it is made. */
export interface PaymentOperationsTable {
  tenant_id: string
  id: string
  payment_id: string
  /** authorize | capture | void | refund | charge | increment */
  operation: string
  amount: DefaultedInt8
  idempotency_key: string
  /** pending | succeeded | declined | failed | unknown */
  status: string
  attempts: Defaulted<number>
  gateway_reference: Nullable<string>
  decline_code: Nullable<string>
  message: Nullable<string>
  requested_by: Nullable<string>
  created_at: Timestamp
  completed_at: NullableTimestamp
  next_check_at: NullableTimestamp
}

/** The append-only double-entry ledger: each transaction's debits equal its credits per currency. */
export interface LedgerEntriesTable {
  tenant_id: string
  id: Generated<Int8>
  transaction_id: string
  at: Timestamp
  account: string
  currency: string
  debit: DefaultedInt8
  credit: DefaultedInt8
  /** hold | capture | release | reversal | refund | charge | pay_accrual … */
  kind: string
  payment_id: Nullable<string>
  session_id: Nullable<string>
  representative_id: Nullable<string>
  memo: Defaulted<string>
}

/** A billable session (phone, web or chat). */
export interface SessionsTable {
  tenant_id: string
  id: string
  decision_id: string
  customer_id: Nullable<string>
  payment_method_id: Nullable<string>
  service_line_id: string
  channel: string
  /** conference | chat_room */
  mode: string
  /** opening | live | ended | settled | failed */
  status: string
  currency: string
  hold_payment_id: Nullable<string>
  granted_seconds: Nullable<number>
  reserved_amount: DefaultedInt8
  started_at: RequiredTimestamp
  last_heartbeat_at: RequiredTimestamp
  billing_started_at: NullableTimestamp
  billing_ended_at: NullableTimestamp
  ended_at: NullableTimestamp
  end_reason: Nullable<string>
  billed_seconds: Nullable<number>
  charge_amount: ColumnType<
    string | bigint | number | null,
    number | bigint | null | undefined,
    number | bigint | null
  >
  rating: ColumnType<unknown, string | null | undefined, string | null>
  settled_at: NullableTimestamp
  /** how it settled: capture_and_release | reverse_and_recharge | credit_difference | direct_charge | reversed */
  settlement: Nullable<string>
  idempotency_key: Nullable<string>
  request_hash: Nullable<string>
  /** the service line's billing terms as they were at the start (2026-12-05T0240_sessions) */
  terms: ColumnType<unknown, string | null | undefined, string | null>
  /** why it failed to start: the gateway's decline code, or nothing_granted */
  failure_code: Nullable<string>
  failure_message: Nullable<string>
  /** checking / EFT only: the bank account sealed until the direct charge at the end, then null */
  payment_source_sealed: Nullable<string>
  settle_attempts: Defaulted<number>
  /** when the sweeper next tries to settle it (ended) or to clean up a start that never finished (opening) */
  next_settle_at: NullableTimestamp
}

export interface SessionLegsTable {
  tenant_id: string
  session_id: string
  id: string
  /** representative | customer */
  party: string
  representative_id: Nullable<string>
  connected_at: RequiredTimestamp
  disconnected_at: NullableTimestamp
}

export interface RepresentativesTable {
  tenant_id: string
  id: string
  name: string
  extension: string
  /** share | per_minute */
  pay_plan: string
  /** share: basis points of the session's billing */
  pay_share_bps: Nullable<number>
  /** per_minute: minor units of pay_currency per connected minute */
  pay_rate_per_minute: ColumnType<
    string | bigint | number | null,
    number | bigint | null | undefined,
    number | bigint | null
  >
  pay_currency: string
  /** how FreeSWITCH reaches them: user/1001, sofia/gateway/…/number, loopback/… */
  dial_string: Nullable<string>
  /** the number they log in from (recognised by ANI), E.164 */
  phone: Nullable<string>
  /** scrypt hash of the keypad PIN for logging in from another phone */
  pin_hash: Nullable<string>
  /** wrong PINs since pin_first_failed_at; at the limit the PIN locks until pin_locked_until (0110_acd) */
  pin_failures: Defaulted<number>
  pin_first_failed_at: NullableTimestamp
  pin_locked_until: NullableTimestamp
  gender: Nullable<string>
  zodiac_sign: Nullable<string>
  /** expertise tags callers may ask for */
  expertise: ColumnType<string[], string | undefined, string>
  active: Defaulted<boolean>
  created_by: Nullable<string>
  created_at: Timestamp
  updated_at: Timestamp
}

/** What a representative earned for one leg of one session. */
export interface PayAccrualsTable {
  tenant_id: string
  id: string
  representative_id: string
  session_id: string
  leg_id: string
  seconds: number
  amount: Int8
  currency: string
  pay_plan: string
  accrued_at: RequiredTimestamp
}

/** The sandbox gateway's payment intents (its own books, not Tollgate's: db/migrations/2026-12-05T0210_pay.ts). */
export interface SandboxGatewayPaymentsTable {
  account: string
  reference: string
  /** requires_capture | succeeded | canceled */
  status: string
  currency: string
  amount_authorized: Int8
  amount_captured: DefaultedInt8
  amount_refunded: DefaultedInt8
  /** the test card's behaviour, remembered for its token; never the number */
  behaviour: string
  expires_at: NullableTimestamp
  created_at: Timestamp
  updated_at: Timestamp
}

/** The sandbox gateway's answer per idempotency key. */
export interface SandboxGatewayRequestsTable {
  account: string
  idempotency_key: string
  operation: string
  fingerprint: string
  answer: ColumnType<unknown, string | null | undefined, string | null>
  created_at: Timestamp
}

/** Tokens the sandbox gateway issued for stored methods. */
export interface SandboxGatewayTokensTable {
  account: string
  token: string
  behaviour: string
  last4: string
  created_at: Timestamp
}

/** A dialled number and what it answers (unique across tenants: FreeSWITCH gives only the number). */
export interface ServiceNumbersTable {
  number: string
  tenant_id: string
  /** service_line | representatives */
  purpose: string
  service_line_id: Nullable<string>
  advertising_source: Nullable<string>
  created_at: Timestamp
}

/** Where a representative is now in the availability queues. */
export interface RepresentativePresenceTable {
  tenant_id: string
  representative_id: string
  /** offline | available | reserved | on_call | wrap_up | break */
  state: string
  /** any of solo, dual, triple */
  queues: ColumnType<string[], string | undefined, string>
  partner_id: Nullable<string>
  login_id: Nullable<string>
  logged_in_at: NullableTimestamp
  state_changed_at: Timestamp
  idle_since: NullableTimestamp
  last_offered_at: NullableTimestamp
  calls_taken: Defaulted<number>
  talk_seconds: Defaulted<number>
  missed_in_row: Defaulted<number>
  reserved_call_id: Nullable<string>
  reserved_until: NullableTimestamp
  wrap_up_until: NullableTimestamp
}

/** A login, by phone or console, to its logout. */
export interface RepresentativeLoginsTable {
  tenant_id: string
  id: string
  representative_id: string
  /** phone | console */
  via: string
  queues: ColumnType<string[], string, string>
  partner_id: Nullable<string>
  logged_in_at: RequiredTimestamp
  logged_out_at: NullableTimestamp
  calls_taken: Defaulted<number>
  service_seconds: Defaulted<number>
}

/** A call the bridge answered, from the IVR to its end. */
export interface CallsTable {
  tenant_id: string
  id: string
  channel_uuid: string
  bridge_id: string
  /** caller | representative_line */
  kind: Defaulted<string>
  dnis: string
  ani: Nullable<string>
  advertising_source: Nullable<string>
  service_line_id: Nullable<string>
  decision_id: Nullable<string>
  session_id: Nullable<string>
  /** ivr | waiting | connecting | conference | ended */
  stage: string
  representatives_needed: Defaulted<number>
  preferences: ColumnType<Record<string, unknown>, string | undefined, string>
  conference_name: Nullable<string>
  started_at: RequiredTimestamp
  enqueued_at: NullableTimestamp
  connected_at: NullableTimestamp
  ended_at: NullableTimestamp
  end_reason: Nullable<string>
  updated_at: Timestamp
}

/** A representative reserved for a call, and their leg. */
export interface CallMembersTable {
  tenant_id: string
  id: string
  call_id: string
  representative_id: string
  /** reserved | ringing | joined | left | no_answer | cancelled */
  status: string
  leg_uuid: Nullable<string>
  member_id: Nullable<string>
  session_leg_id: Nullable<string>
  reserved_at: RequiredTimestamp
  joined_at: NullableTimestamp
  left_at: NullableTimestamp
}

export interface Database {
  staff_sessions: StaffSessionsTable
  login_failures: LoginFailuresTable
  audit_log: AuditLogTable
  backtests: BacktestsTable
  backtest_changes: BacktestChangesTable
  shadow_results: ShadowResultsTable
  tenants: TenantsTable
  api_keys: ApiKeysTable
  users: UsersTable
  customers: CustomersTable
  customer_identifiers: CustomerIdentifiersTable
  payment_methods: PaymentMethodsTable
  rule_sets: RuleSetsTable
  rule_set_versions: RuleSetVersionsTable
  decisions: DecisionsTable
  usage_events: UsageEventsTable
  lists: ListsTable
  list_entries: ListEntriesTable
  tenant_sharing: TenantSharingTable
  list_imports: ListImportsTable
  reviews: ReviewsTable
  webhook_endpoints: WebhookEndpointsTable
  webhook_deliveries: WebhookDeliveriesTable
  webhook_attempts: WebhookAttemptsTable
  customer_limits: CustomerLimitsTable
  reference_ranges: ReferenceRangesTable
  identity_mismatches: IdentityMismatchesTable
  payment_verifications: PaymentVerificationsTable
  data_providers: DataProvidersTable
  provider_calls: ProviderCallsTable
  service_lines: ServiceLinesTable
  billing_settings: BillingSettingsTable
  payments: PaymentsTable
  payment_operations: PaymentOperationsTable
  ledger_entries: LedgerEntriesTable
  sessions: SessionsTable
  session_legs: SessionLegsTable
  representatives: RepresentativesTable
  pay_accruals: PayAccrualsTable
  sandbox_gateway_payments: SandboxGatewayPaymentsTable
  sandbox_gateway_requests: SandboxGatewayRequestsTable
  sandbox_gateway_tokens: SandboxGatewayTokensTable
  service_numbers: ServiceNumbersTable
  representative_presence: RepresentativePresenceTable
  representative_logins: RepresentativeLoginsTable
  calls: CallsTable
  call_members: CallMembersTable
  offers: OffersTable
  offer_treatments: OfferTreatmentsTable
  offer_presentations: OfferPresentationsTable
  offer_orders: OfferOrdersTable
  offer_stats: OfferStatsTable
  campaigns: CampaignsTable
  campaign_contacts: CampaignContactsTable
  do_not_call: DoNotCallTable
}

/** What may be offered (step 8): db/migrations/2026-12-07T0100_offers.ts says what each column means. */
export interface OffersTable {
  tenant_id: string
  id: string
  sku: string
  name: string
  description: Defaulted<string>
  price: Int8
  currency: string
  value: ColumnType<
    string | bigint | number | null,
    number | bigint | null | undefined,
    number | bigint | null
  >
  tags: ColumnType<string[], string | undefined, string>
  channels: ColumnType<string[], string | undefined, string>
  /** tracked | provider | unlimited */
  stock_mode: Defaulted<string>
  stock_on_hand: Defaulted<number>
  stock_reserved: Defaulted<number>
  max_offers_per_customer: Nullable<number>
  window_days: Nullable<number>
  decline_cooldown_days: Nullable<number>
  reservation_seconds: Defaulted<number>
  /** active | archived */
  status: Defaulted<string>
  created_at: Timestamp
  updated_at: Timestamp
}

export interface OfferTreatmentsTable {
  tenant_id: string
  id: string
  offer_id: string
  name: string
  /** phone | web */
  channel: string
  /** the demographic segment it suits; '*' for every one */
  segment: Defaulted<string>
  /** concise | detailed */
  style: Defaulted<string>
  /** slow | normal | fast */
  pace: Defaulted<string>
  language: Defaulted<string>
  prompt: Nullable<string>
  script: Nullable<string>
  text: Nullable<string>
  image_url: Nullable<string>
  created_at: Timestamp
}

export interface OfferPresentationsTable {
  tenant_id: string
  id: string
  offer_id: string
  customer_id: Nullable<string>
  decision_id: Nullable<string>
  campaign_contact_id: Nullable<string>
  channel: string
  segment: Defaulted<string>
  treatment_id: Nullable<string>
  /** presented | accepted | declined | expired | control; reserving and accepting while the ledger works (2026-12-07T0120_ledger) */
  status: string
  quantity: Defaulted<number>
  price: Int8
  discount: DefaultedInt8
  currency: string
  payment_method_id: Nullable<string>
  payment_id: Nullable<string>
  priority: Nullable<number>
  propensity: Nullable<number>
  why: ColumnType<Record<string, unknown>, string | undefined, string>
  presented_at: Timestamp
  expires_at: NullableTimestamp
  resolved_at: NullableTimestamp
  /** when a declined or expired offer's hold was voided (2026-12-07T0120_ledger) */
  hold_released_at: NullableTimestamp
  /** the merchant's Idempotency-Key of the accept that claimed it */
  accept_key: Nullable<string>
  /** the units it holds in offers.stock_reserved; 0 once released or taken */
  reserved_quantity: Defaulted<number>
}

export interface OfferOrdersTable {
  tenant_id: string
  id: string
  presentation_id: string
  offer_id: string
  customer_id: Nullable<string>
  quantity: Defaulted<number>
  amount: Int8
  currency: string
  payment_id: Nullable<string>
  channel: string
  created_at: Timestamp
}

export interface OfferStatsTable {
  tenant_id: string
  offer_id: string
  segment: string
  channel: string
  presented: Defaulted<number>
  accepted: Defaulted<number>
  declined: Defaulted<number>
  expired: Defaulted<number>
  control: Defaulted<number>
}

export interface CampaignsTable {
  tenant_id: string
  id: string
  name: string
  offer_id: string
  /** phone | email */
  channel: string
  audience: ColumnType<unknown, string | undefined, string>
  windows: ColumnType<unknown, string | undefined, string>
  pacing: ColumnType<unknown, string | undefined, string>
  suppression: ColumnType<unknown, string | undefined, string>
  retries: ColumnType<unknown, string | undefined, string>
  email: ColumnType<unknown, string | null | undefined, string | null>
  /** draft | running | paused | finished */
  status: Defaulted<string>
  created_by: Nullable<string>
  created_at: Timestamp
  updated_at: Timestamp
  started_at: NullableTimestamp
  finished_at: NullableTimestamp
}

export interface CampaignContactsTable {
  tenant_id: string
  id: string
  campaign_id: string
  customer_id: string
  phone: Nullable<string>
  email: Nullable<string>
  time_zone: Nullable<string>
  /** pending | dialing | answered | accepted | declined | no_answer | busy | failed | suppressed | emailed | blocked | finished */
  status: Defaulted<string>
  attempts: Defaulted<number>
  next_attempt_at: NullableTimestamp
  claimed_by: Nullable<string>
  claimed_until: NullableTimestamp
  presentation_id: Nullable<string>
  order_id: Nullable<string>
  decision_id: Nullable<string>
  result: ColumnType<Record<string, unknown>, string | undefined, string>
  updated_at: Timestamp
  /** when the latest attempt began (2026-12-07T0150_campaigns): pacing counts the last minute's */
  last_attempt_at: NullableTimestamp
  /** the name the e-mail greets, from the customer's latest decision */
  name: Nullable<string>
}

export interface DoNotCallTable {
  tenant_id: string
  phone: string
  source: string
  added_at: Timestamp
}

export type Tenant = Selectable<TenantsTable>
export type ApiKey = Selectable<ApiKeysTable>
export type User = Selectable<UsersTable>
export type Customer = Selectable<CustomersTable>
export type PaymentMethod = Selectable<PaymentMethodsTable>
export type RuleSet = Selectable<RuleSetsTable>
export type RuleSetVersionRow = Selectable<RuleSetVersionsTable>
export type DecisionRow = Selectable<DecisionsTable>
export type NewDecision = Insertable<DecisionsTable>
export type NewUsageEvent = Insertable<UsageEventsTable>
export type ListEntry = Selectable<ListEntriesTable>

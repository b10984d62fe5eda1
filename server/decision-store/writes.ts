// The writes of a decision — or of every decision in a batch (batcher.ts) — sent as one
// statement just before COMMIT. Each kind of row has one fixed shape below; the rows of a shape
// travel as one JSON parameter and reach their table through jsonb_populate_recordset, so the
// statement's text depends only on which shapes have rows, never on how many. PostgreSQL then
// prepares and plans it once per connection, and the client binds a handful of parameters
// instead of a hundred (building each insert with Kysely cost more CPU than the rows it carried:
// BENCHMARKS.md, "The writes statement, taken apart").
//
// All the shapes' rows are written by one statement: they see the same snapshot, and the foreign
// keys are checked at its end, so a row and the rows that reference it may be written side by side.
// No two rows of a statement may touch the same row of a table: the decisions of a batch never
// share a subject (their locks), which keeps their identifiers, cards and customers apart.
import { type ColumnType, type CompiledQuery, type Insertable, CompiledQuery as Query } from 'kysely'
import type { Database } from '../../db/schema.ts'

interface Shape {
  table: keyof Database
  columns: readonly string[]
  /** an insert's ON CONFLICT clause, if any */
  conflict?: string
  /** an update instead of an insert: the rows' key columns find the row, the other columns are set */
  key?: readonly string[]
  /**
   * json (not jsonb) columns whose text must be stored as sent: they travel in a parameter of
   * their own, one array element per row, which PostgreSQL keeps byte for byte
   */
  exact?: readonly string[]
  /**
   * payment_method_id taken from the rows another shape of the same statement wrote (its RETURNING),
   * matched by tenant and customer: a known card keeps the id it had, which no row here can know
   */
  methodFrom?: ShapeNameOf
}

type ShapeNameOf = 'paymentMethod'

type Inserted<T extends keyof Database> = Insertable<Database[T]>
type ColumnOf<T extends keyof Database> = keyof Inserted<T> & string
/** the columns an insert must name: those without a default */
type RequiredColumn<T extends keyof Database> = {
  [C in ColumnOf<T>]-?: undefined extends Inserted<T>[C] ? never : C
}[ColumnOf<T>]

/**
 * A column's value as a decision writes it: a json or jsonb column takes the value itself (Kysely's
 * insert type says string, for queries that send the JSON text), every other column its insert type.
 */
type Written<Column, Insert> =
  Column extends ColumnType<infer Selected, infer Inserted, unknown>
    ? [Exclude<Inserted, null | undefined>] extends [string]
      ? [Exclude<Selected, null>] extends [string]
        ? Insert
        : Selected
      : Insert
    : Insert

type RowOf<T extends keyof Database, Columns extends ColumnOf<T>> = {
  [C in Columns]-?: Exclude<
    Written<C extends keyof Database[T] ? Database[T][C] : never, Inserted<T>[C]>,
    undefined
  >
}

/** An insert's shape: its columns are the table's (a typo fails to compile) and include every required one. */
function shape<T extends keyof Database, const Columns extends readonly ColumnOf<T>[]>(
  table: T,
  columns: Columns &
    (Exclude<RequiredColumn<T>, Columns[number]> extends never
      ? unknown
      : { missing: Exclude<RequiredColumn<T>, Columns[number]> }),
  options: Pick<Shape, 'conflict' | 'exact' | 'methodFrom'> = {},
): Omit<Shape, 'table' | 'columns'> & { table: T; columns: Columns } {
  return { table, columns, ...options }
}

/** An update's shape: the key columns find the row, the others are set. */
function updateShape<T extends keyof Database, const Columns extends readonly ColumnOf<T>[]>(
  table: T,
  columns: Columns,
  options: { key: readonly Columns[number][] },
): Omit<Shape, 'table' | 'columns'> & { table: T; columns: Columns } {
  return { table, columns, ...options }
}

const shapes = {
  customer: shape('customers', ['tenant_id', 'id', 'external_id', 'created_at', 'last_seen_at']),
  customerSeen: updateShape('customers', ['tenant_id', 'id', 'last_seen_at'], { key: ['tenant_id', 'id'] }),
  identifier: shape(
    'customer_identifiers',
    ['tenant_id', 'kind', 'value', 'customer_id', 'first_seen_at', 'last_seen_at'],
    { conflict: 'on conflict (tenant_id, kind, value) do update set last_seen_at = excluded.last_seen_at' },
  ),
  paymentMethod: shape(
    'payment_methods',
    [
      'tenant_id',
      'id',
      'customer_id',
      'type',
      'fingerprint',
      'bin',
      'last4',
      'brand',
      'exp_month',
      'exp_year',
      'billing_postal_code',
      'created_at',
      'last_used_at',
      'gateway',
      'gateway_token',
    ],
    {
      // a token comes with a hold placed in the same record (hold below); without one the kept token stays
      conflict: `on conflict (tenant_id, fingerprint) do update set last_used_at = excluded.last_used_at,
      exp_month = excluded.exp_month, exp_year = excluded.exp_year,
      billing_postal_code = coalesce(excluded.billing_postal_code, payment_methods.billing_postal_code),
      gateway = coalesce(excluded.gateway, payment_methods.gateway),
      gateway_token = coalesce(excluded.gateway_token, payment_methods.gateway_token)
      returning tenant_id, id, customer_id`,
    },
  ),
  decision: shape(
    'decisions',
    [
      'tenant_id',
      'id',
      'created_at',
      'kind',
      'channel',
      'outcome',
      'customer_id',
      'amount_value',
      'currency',
      'rule_set_id',
      'rule_set_version',
      'request',
      'facts',
      'fired_rules',
      'response',
      'idempotency_key',
      'request_hash',
      'evaluation_micros',
    ],
    // an Idempotency-Key replay returns this text byte for byte
    { exact: ['response'] },
  ),
  review: shape('reviews', ['tenant_id', 'decision_id', 'status', 'created_at']),
  providerCall: shape(
    'provider_calls',
    [
      'tenant_id',
      'decision_id',
      'kind',
      'provider_id',
      'decided_at',
      'query_key',
      'status',
      'fail_policy',
      'attempts',
      'latency_ms',
      'answer',
      'error',
    ],
    { conflict: 'on conflict do nothing' },
  ),
  mismatch: shape('identity_mismatches', [
    'tenant_id',
    'decision_id',
    'occurred_at',
    'customer_id',
    'phone',
    'ip',
    'kinds',
  ]),
  verification: shape('payment_verifications', [
    'tenant_id',
    'decision_id',
    'decided_at',
    'fingerprint',
    'gateway',
    'avs_code',
    'avs_result',
    'cvc_result',
    'name_match',
  ]),
  // an approval's limit replaces an expired one, never one still in force
  customerLimit: shape(
    'customer_limits',
    [
      'tenant_id',
      'customer_id',
      'kind',
      'amount',
      'currency',
      'established_at',
      'expires_at',
      'source',
      'set_by',
      'decision_id',
      'note',
    ],
    {
      conflict: `on conflict (tenant_id, customer_id, kind) do update set amount = excluded.amount,
      currency = excluded.currency, established_at = excluded.established_at,
      expires_at = excluded.expires_at, source = excluded.source, set_by = null,
      decision_id = excluded.decision_id, note = null
      where customer_limits.expires_at <= excluded.established_at`,
    },
  ),
  // An approved purchase's hold, when its gateway keeps its books in this database (the sandbox):
  // the payment, its answered operation, its ledger entries and the gateway's own rows, written with
  // the decision. The payment's method is the customer's row of paymentMethod in this statement.
  payment: shape(
    'payments',
    [
      'tenant_id',
      'id',
      'decision_id',
      'session_id',
      'customer_id',
      'payment_method_id',
      'kind',
      'status',
      'currency',
      'amount_authorized',
      'amount_captured',
      'amount_refunded',
      'gateway',
      'gateway_reference',
      'failure_code',
      'failure_message',
      'expires_at',
      'created_at',
      'updated_at',
    ],
    { methodFrom: 'paymentMethod' },
  ),
  paymentOperation: shape('payment_operations', [
    'tenant_id',
    'id',
    'payment_id',
    'operation',
    'amount',
    'idempotency_key',
    'status',
    'attempts',
    'gateway_reference',
    'decline_code',
    'message',
    'created_at',
    'completed_at',
    'next_check_at',
  ]),
  ledgerEntry: shape('ledger_entries', [
    'tenant_id',
    'transaction_id',
    'at',
    'account',
    'currency',
    'debit',
    'credit',
    'kind',
    'payment_id',
    'session_id',
    'representative_id',
    'memo',
  ]),
  sandboxRequest: shape('sandbox_gateway_requests', [
    'account',
    'idempotency_key',
    'operation',
    'fingerprint',
    'answer',
    'created_at',
  ]),
  sandboxPayment: shape('sandbox_gateway_payments', [
    'account',
    'reference',
    'status',
    'currency',
    'amount_authorized',
    'amount_captured',
    'amount_refunded',
    'behaviour',
    'expires_at',
    'created_at',
    'updated_at',
  ]),
  sandboxToken: shape('sandbox_gateway_tokens', ['account', 'token', 'behaviour', 'last4', 'created_at']),
  usage: shape('usage_events', [
    'tenant_id',
    'decision_id',
    'occurred_at',
    'customer_id',
    'phone',
    'card_fingerprint',
    'ip',
    'sessions',
    'purchases',
    'seconds',
    'amount',
    'currency',
  ]),
} as const

export type ShapeName = keyof typeof shapes
/**
 * A row of a shape, typed from its table's Kysely insert type: every column of the shape, null
 * where there is nothing. Dates become ISO timestamps, and values of json and jsonb columns their JSON.
 */
export type ShapeRow<S extends ShapeName> = (typeof shapes)[S] extends {
  table: infer T extends keyof Database
  columns: readonly (infer C)[]
}
  ? RowOf<T, C & ColumnOf<T>>
  : never

const order = Object.keys(shapes) as ShapeName[]
const quote = (name: string) => `"${name}"`

/** The common table expression that writes a shape's rows, named after the shape. */
const cte = (name: ShapeName) => `w_${name}`

/**
 * The statement of one shape, its parameters numbered from `first`; each exact column takes one
 * more. `present`: the shapes with rows in this statement.
 */
function statementOf(name: ShapeName, first: number, present: readonly ShapeName[]): string {
  const shape: Shape = shapes[name]
  // a text parameter cast in SQL: postgres.js would JSON-encode a string bound as json once more.
  // jsonb, not json: json_populate_recordset hands a jsonb column its value as text to parse
  // again, jsonb_populate_recordset as parsed
  const rows = `jsonb_populate_recordset(null::${quote(shape.table)}, $${first}::text::jsonb)`
  const exact = shape.exact ?? []
  if (exact.length) {
    // json_array_elements gives each element's text as it was sent, in order
    const joins = exact.map(
      (_column, i) =>
        `join json_array_elements($${first + 1 + i}::text::json) with ordinality as e${i}(value, n) on e${i}.n = r.ordinality`,
    )
    const values = shape.columns.map((c) =>
      exact.includes(c) ? `e${exact.indexOf(c)}.value` : `r.${quote(c)}`,
    )
    return `insert into ${quote(shape.table)} (${shape.columns.map(quote).join(', ')}) select ${values.join(', ')} from ${rows} with ordinality as r ${joins.join(' ')} ${shape.conflict ?? ''}`
  }
  if (shape.key) {
    const set = shape.columns.filter((c) => !shape.key?.includes(c)).map((c) => `${quote(c)} = r.${quote(c)}`)
    const where = shape.key.map((c) => `t.${quote(c)} = r.${quote(c)}`)
    return `update ${quote(shape.table)} t set ${set.join(', ')} from ${rows} r where ${where.join(' and ')}`
  }
  const columns = shape.columns.map(quote).join(', ')
  if (shape.methodFrom && present.includes(shape.methodFrom)) {
    const values = shape.columns.map((c) =>
      c === 'payment_method_id' ? `coalesce(r.${quote(c)}, m.id)` : `r.${quote(c)}`,
    )
    return `insert into ${quote(shape.table)} (${columns}) select ${values.join(', ')} from ${rows} r
      left join ${cte(shape.methodFrom)} m on m.tenant_id = r.tenant_id and m.customer_id = r.customer_id ${shape.conflict ?? ''}`
  }
  return `insert into ${quote(shape.table)} (${columns}) select ${columns} from ${rows} ${shape.conflict ?? ''}`
}

// one text per set of shapes with rows, made once
const texts = new Map<string, string>()

export class WriteBatch {
  private readonly rows = new Map<ShapeName, unknown[]>()

  /** Adds a row to be written with the others; nothing is sent until take(). */
  add<S extends ShapeName>(shape: S, row: ShapeRow<S>): void {
    const rows = this.rows.get(shape)
    if (rows) rows.push(row)
    else this.rows.set(shape, [row])
  }

  /** Takes over another batch's rows, to write them in this one's statement. */
  absorb(other: WriteBatch): void {
    for (const [shape, rows] of other.rows) {
      const mine = this.rows.get(shape)
      if (mine) mine.push(...rows)
      else this.rows.set(shape, [...rows])
    }
    other.rows.clear()
  }

  /** The gathered writes as one statement, for the caller to send; null when there are none. */
  take(): CompiledQuery | null {
    const present = order.filter((shape) => this.rows.has(shape))
    if (!present.length) return null
    const parameters: string[] = []
    const firsts: number[] = []
    for (const name of present) {
      const rows = this.rows.get(name) as Record<string, unknown>[]
      const exact: readonly string[] = (shapes[name] as Shape).exact ?? []
      firsts.push(parameters.length + 1)
      if (!exact.length) {
        parameters.push(JSON.stringify(rows))
        continue
      }
      // the exact columns leave the rows (JSON.stringify skips undefined) for their own arrays
      const blank = Object.fromEntries(exact.map((c) => [c, undefined]))
      parameters.push(JSON.stringify(rows.map((row) => ({ ...row, ...blank }))))
      for (const c of exact) parameters.push(JSON.stringify(rows.map((row) => row[c])))
    }
    this.rows.clear()
    const signature = present.join(',')
    let text = texts.get(signature)
    if (!text) {
      const ctes = present.map(
        (shape, i) => `${cte(shape)} as (${statementOf(shape, firsts[i] ?? 1, present)})`,
      )
      text = `with ${ctes.join(', ')} select 1`
      texts.set(signature, text)
    }
    return Query.raw(text, parameters)
  }
}

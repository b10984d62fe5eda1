// Simulate: run any version, drafts too, against a sample request or raw fact values, and read the
// answer as a business reader would: the outcome, the limits, and each rule that fired with the
// values it saw. Nothing is recorded and no usage is counted.
import { A, useSearchParams } from '@solidjs/router'
import { createMemo, createResource, createSignal, For, type JSX, Show } from 'solid-js'
import { OutcomeBadge } from '../../components/OutcomeBadge.tsx'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView } from '../../components/states.tsx'
import { ApiError } from '../../lib/api.ts'
import { formatDateTime, formatMoney, formatSeconds } from '../../lib/format.ts'
import { amountText, currencyDigits, parseAmount } from '../../lib/money.ts'
import { factIsMoney } from '../../lib/money-fields.ts'
import { SubmitActions } from '../../lib/submission.tsx'
import type { FactDescription } from '../decisions/api.ts'
import {
  allowanceAmountInWords,
  conditionInWords,
  eventTypeWords,
  factDescription,
  factInWords,
  factValueInWords,
  firedParamsInWords,
  remainingInWords,
} from '../decisions/words.ts'
import {
  type Catalog,
  type CatalogFact,
  type RuleSet,
  readCatalog,
  readRuleSet,
  readVersion,
  type Simulation,
  type SimulationInput,
  type SimulationRequest,
  simulate,
} from './api.ts'
import { definitionCurrency, parseScalar } from './model.ts'
import { ParamsForm } from './RuleEditor.tsx'
import { VersionOptions } from './VersionOptions.tsx'

type Mode = 'request' | 'facts'

const blankRequest = {
  kind: 'purchase',
  channel: 'web',
  amount: '25.00',
  /** empty: the rule set's own currency */
  currency: '',
  customer_id: '',
  email: '',
  phone: '',
  ani: '',
  ip: '',
  entered_phone: '',
  entered_ip: '',
  card_number: '',
  exp_month: '',
  exp_year: '',
  /** the card's security code: a typed card without one is checked as such */
  cvc: '',
  line1: '',
  postal_code: '',
  country: '',
}
type RequestForm = typeof blankRequest

interface FactRow {
  id: number
  fact: string
  params: Record<string, unknown> | undefined
  value: string
}

/** What the amount box says is wrong, or null: it must be an amount in the currency. */
function amountProblem(form: RequestForm, ruleSetCurrency: string): string | null {
  const currency = form.currency.trim() || ruleSetCurrency
  if (parseAmount(form.amount, currency) !== undefined) return null
  return `Enter an amount in ${currency}, such as ${amountText(25 * 10 ** currencyDigits(currency), currency)}.`
}

/** The form as a POST /v1/authorizations body: only what was filled in; money in minor units. */
export function requestFromForm(form: RequestForm, ruleSetCurrency: string): SimulationRequest {
  const trimmed = Object.fromEntries(Object.entries(form).map(([k, v]) => [k, v.trim()])) as RequestForm
  trimmed.currency ||= ruleSetCurrency
  const some = <T extends Record<string, unknown>>(value: T): T | undefined =>
    Object.values(value).some((v) => v !== undefined && v !== '') ? value : undefined
  const opt = (value: string) => (value === '' ? undefined : value)
  const request: SimulationRequest = {
    kind: trimmed.kind === 'session' ? 'session' : 'purchase',
    channel: (['web', 'phone', 'chat', 'video'] as const).find((c) => c === trimmed.channel) ?? 'web',
  }
  const amount = parseAmount(trimmed.amount, trimmed.currency)
  if (typeof amount === 'number') request.amount = { value: amount, currency: trimmed.currency }
  const customer = some({
    id: opt(trimmed.customer_id),
    email: opt(trimmed.email),
    phone: opt(trimmed.phone),
  })
  if (customer) request.customer = customer
  const network = some({ ip: opt(trimmed.ip), ani: opt(trimmed.ani) })
  if (network) request.network = network
  const entered = some({ phone: opt(trimmed.entered_phone), ip: opt(trimmed.entered_ip) })
  if (entered) request.entered = entered
  const address = some({
    line1: opt(trimmed.line1),
    postal_code: opt(trimmed.postal_code),
    country: opt(trimmed.country),
  })
  if (trimmed.card_number !== '' || address) {
    request.payment_method = { type: 'card' }
    if (trimmed.card_number !== '')
      request.payment_method.card = {
        number: trimmed.card_number,
        exp_month: Number(trimmed.exp_month) || 12,
        exp_year: Number(trimmed.exp_year) || new Date().getFullYear() + 2,
        ...(trimmed.cvc === '' ? {} : { cvc: trimmed.cvc }),
      }
    if (address) request.payment_method.billing_address = address
  }
  return request
}

function TextField(props: {
  label: string
  name: keyof RequestForm
  form: RequestForm
  set: (name: keyof RequestForm, value: string) => void
  error?: string
  placeholder?: string
  inputMode?: 'numeric' | 'decimal' | 'email' | 'tel'
}) {
  return (
    <label class="field">
      <span class="field-label">{props.label}</span>
      <input
        name={props.name}
        value={props.form[props.name]}
        placeholder={props.placeholder}
        inputMode={props.inputMode}
        aria-invalid={Boolean(props.error)}
        onInput={(e) => props.set(props.name, e.currentTarget.value)}
      />
      <Show when={props.error}>
        <span class="field-error">{props.error}</span>
      </Show>
    </label>
  )
}

function Fieldset(props: { legend: string; children: JSX.Element }) {
  return (
    <fieldset class="sim-fieldset">
      <legend>{props.legend}</legend>
      <div class="form-grid">{props.children}</div>
    </fieldset>
  )
}

function FactRows(props: {
  catalog: Catalog
  rows: FactRow[]
  setRows: (rows: FactRow[]) => void
  currency: string
}) {
  const facts = createMemo(() => new Map(props.catalog.facts.map((f) => [f.name, f])))
  const change = (id: number, patch: Partial<FactRow>) =>
    props.setRows(props.rows.map((row) => (row.id === id ? { ...row, ...patch } : row)))
  return (
    <div class="stack">
      <For each={props.rows}>
        {(row) => {
          const fact = (): CatalogFact | undefined => facts().get(row.fact)
          const money = () => factIsMoney(row.fact, row.params)
          return (
            <div class="fact-row" data-testid="fact-row">
              <div class="condition-row">
                <select
                  aria-label="Fact"
                  value={row.fact}
                  onChange={(e) =>
                    change(row.id, { fact: e.currentTarget.value, params: undefined, value: '' })
                  }
                >
                  <For each={props.catalog.facts}>
                    {(f) => <option value={f.name}>{f.name.replaceAll('_', ' ')}</option>}
                  </For>
                </select>
                <span>is</span>
                <Show
                  when={fact()?.value_type === 'boolean'}
                  fallback={
                    <input
                      aria-label={`Value of ${row.fact.replaceAll('_', ' ')}${money() ? ` (${props.currency})` : ''}`}
                      value={row.value}
                      type={fact()?.value_type === 'number' && !money() ? 'number' : 'text'}
                      inputMode={money() ? 'decimal' : undefined}
                      placeholder={money() ? `amount in ${props.currency}` : undefined}
                      onInput={(e) => change(row.id, { value: e.currentTarget.value })}
                    />
                  }
                >
                  <select
                    aria-label={`Value of ${row.fact.replaceAll('_', ' ')}`}
                    value={row.value}
                    onChange={(e) => change(row.id, { value: e.currentTarget.value })}
                  >
                    <option value="">choose…</option>
                    <option value="true">yes</option>
                    <option value="false">no</option>
                  </select>
                </Show>
                <button
                  type="button"
                  class="icon-button danger"
                  aria-label="Remove fact"
                  onClick={() => props.setRows(props.rows.filter((r) => r.id !== row.id))}
                >
                  ✕
                </button>
              </div>
              <p class="field-hint">{factDescription(fact()?.description ?? '')}</p>
              <Show when={fact()?.params}>
                {(schema) => (
                  <>
                    <ParamsForm
                      schema={schema()}
                      values={row.params}
                      idPrefix={`sim-${row.id}`}
                      readOnly={false}
                      problems={() => []}
                      onChange={(params) => change(row.id, { params })}
                    />
                    <span class="field-hint">
                      Leave the params empty to give this value for every params.
                    </span>
                  </>
                )}
              </Show>
            </div>
          )
        }}
      </For>
    </div>
  )
}

function factsFromRows(
  rows: FactRow[],
  facts: Map<string, CatalogFact>,
  currency: string,
): SimulationInput['facts'] {
  const out: Record<string, number | string | boolean | null> = {}
  for (const row of rows) {
    const fact = facts.get(row.fact)
    if (!fact) continue
    const amount = factIsMoney(row.fact, row.params) ? parseAmount(row.value, currency) : undefined
    const value =
      row.value === '' ? null : amount !== undefined ? amount : parseScalar(row.value, fact.value_type)
    const params = row.params && Object.keys(row.params).length ? JSON.stringify(row.params) : ''
    out[`${row.fact}${params}`] = value as number | string | boolean | null
  }
  return out
}

export function SimulationResult(props: {
  result: Simulation
  catalog: Map<string, FactDescription>
  /** the rule set's currency, in which its money allowances, prices and discounts are kept */
  currency: string
}) {
  const r = () => props.result
  const currency = () => props.currency
  const metricOf = (rule: string) => r().allowances.find((a) => a.rule === rule)?.metric
  return (
    <div class="stack" data-testid="simulation-result">
      <section class="panel">
        <header class="panel-header">
          <h2>The answer</h2>
          <span class="muted">
            version {r().rule_set.version} ({r().rule_set.status}) at {formatDateTime(r().at)}
          </span>
        </header>
        <div class="summary">
          <div class="summary-outcome">
            <span class="summary-label">Outcome</span>
            <span class="outcome-large" data-testid="simulated-outcome">
              <OutcomeBadge outcome={r().outcome} />
            </span>
          </div>
          <dl class="fields">
            {/* limits bound an approval; beside any other outcome nothing may be charged at all */}
            <Show when={r().outcome === 'approve'}>
              <dt>Most that may be charged</dt>
              <dd data-testid="max-amount">
                {r().limits.max_amount === null
                  ? 'no limit'
                  : formatMoney({ value: r().limits.max_amount ?? 0, currency: currency() })}
              </dd>
              <dt>Longest session</dt>
              <dd>
                {r().limits.max_duration_seconds === null
                  ? 'no limit'
                  : formatSeconds(r().limits.max_duration_seconds)}
              </dd>
            </Show>
            <Show when={r().limits.resets_at}>
              <dt>Allowance resets</dt>
              <dd>{formatDateTime(r().limits.resets_at)}</dd>
            </Show>
            <Show when={r().retry_after_seconds}>
              <dt>May retry after</dt>
              <dd>{formatSeconds(r().retry_after_seconds)}</dd>
            </Show>
            <Show when={r().customer}>
              {(c) => (
                <>
                  <dt>Customer</dt>
                  <dd>
                    {c().id} {c().returning ? '(returning)' : '(new)'}
                  </dd>
                </>
              )}
            </Show>
          </dl>
        </div>
        <Show when={r().reasons.length > 0}>
          <h3 class="subheading">What the merchant would be told</h3>
          <ul class="reasons">
            <For each={r().reasons}>
              {(reason) => (
                <li>
                  <span class={`badge event-${reason.type}`}>
                    {eventTypeWords[reason.type] ?? reason.type}
                  </span>{' '}
                  {reason.message}
                  <Show when={reason.remaining !== undefined}>
                    <span class="muted">
                      {' '}
                      · {remainingInWords(reason.remaining ?? 0, metricOf(reason.rule), currency())}
                    </span>
                  </Show>
                </li>
              )}
            </For>
          </ul>
        </Show>
        <Show when={r().discounts.length + r().offers.length + r().offers_skipped.length > 0}>
          <ul class="reasons">
            <For each={r().discounts}>
              {(d) => (
                <li>
                  Discount {d.code}
                  {d.amount_off !== null
                    ? ` (${formatMoney({ value: d.amount_off, currency: currency() })} off)`
                    : d.percent_off !== null
                      ? ` (${d.percent_off}% off)`
                      : ''}
                  : {d.message}
                </li>
              )}
            </For>
            <For each={r().offers}>
              {(o) => (
                <li data-testid="eligible-offer">
                  {o.control ? 'Held out (control group): ' : 'Offer '}
                  {o.name} at {formatMoney({ value: o.price, currency: o.currency })}
                  <Show when={o.treatment}>{(t) => <> · presented as “{t().name}”</>}</Show>: {o.message}
                </li>
              )}
            </For>
            <For each={r().offers_skipped}>
              {(o) => (
                <li class="muted">
                  Not offered {o.sku || o.tag}: {o.message}
                </li>
              )}
            </For>
          </ul>
        </Show>
      </section>

      <section class="panel">
        <header class="panel-header">
          <h2>Rules that fired</h2>
          <span class="muted">{r().fired_rules.length}</span>
        </header>
        <Show
          when={r().fired_rules.length > 0}
          fallback={<p class="muted">No rule fired, so the request would be approved.</p>}
        >
          <div class="stack">
            <For each={r().fired_rules}>
              {(rule) => (
                <article class="rule-card" data-testid="fired-rule">
                  <header class="rule-card-header">
                    <h3>{rule.name}</h3>
                    <span class="mono muted">{rule.id}</span>
                    <span class={`badge event-${rule.type}`}>{eventTypeWords[rule.type] ?? rule.type}</span>
                  </header>
                  <Show when={firedParamsInWords(rule, currency())}>
                    {(text) => <p class="muted">{text()}</p>}
                  </Show>
                  <Show
                    when={rule.conditions.length > 0}
                    fallback={<p class="muted">No conditions: this rule applies every time.</p>}
                  >
                    <table class="table table-compact">
                      <thead>
                        <tr>
                          <th scope="col">What was checked</th>
                          <th scope="col">The rule asks that it</th>
                          <th scope="col">It was</th>
                          <th scope="col">Met</th>
                        </tr>
                      </thead>
                      <tbody>
                        <For each={rule.conditions}>
                          {(c) => (
                            <tr>
                              <td>{factInWords(c.fact, c.params, props.catalog)}</td>
                              <td>{conditionInWords(c, currency())}</td>
                              <td class="strong">
                                {factValueInWords(c.fact, c.params, c.fact_value, currency())}
                              </td>
                              <td>
                                <span class={c.result ? 'met' : 'not-met'}>
                                  {c.result ? '✓ yes' : '✗ no'}
                                </span>
                              </td>
                            </tr>
                          )}
                        </For>
                      </tbody>
                    </table>
                  </Show>
                </article>
              )}
            </For>
          </div>
        </Show>
      </section>

      <Show when={r().allowances.length > 0}>
        <section class="panel">
          <header class="panel-header">
            <h2>Allowances</h2>
          </header>
          <table class="table table-compact" aria-label="Allowances">
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Counts</th>
                <th scope="col" class="num">
                  Limit
                </th>
                <th scope="col" class="num">
                  Used
                </th>
                <th scope="col" class="num">
                  Left
                </th>
              </tr>
            </thead>
            <tbody>
              <For each={r().allowances}>
                {(a) => (
                  <tr>
                    <td class="mono">{a.rule}</td>
                    <td>
                      {a.metric} per {a.window === 'hours' ? `${a.hours} hours` : a.window}, per {a.subject}
                    </td>
                    <td class="num">{allowanceAmountInWords(a.limit, a.metric, currency())}</td>
                    <td class="num">{allowanceAmountInWords(a.used, a.metric, currency())}</td>
                    <td class="num strong">{allowanceAmountInWords(a.remaining, a.metric, currency())}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </section>
      </Show>

      <details class="panel">
        <summary>Every fact the engine read ({r().facts.length})</summary>
        <table class="table table-compact">
          <tbody>
            <For each={r().facts}>
              {(f) => (
                <tr>
                  <td>{factInWords(f.fact, f.params, props.catalog)}</td>
                  <td class="strong">{factValueInWords(f.fact, f.params, f.value, currency())}</td>
                  <td class="muted">{f.given ? 'given' : 'read'}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </details>
    </div>
  )
}

function Simulator(props: { ruleSet: RuleSet; catalog: Catalog }) {
  const [search, setSearch] = useSearchParams<{ version: string }>()
  const version = () =>
    Number(search.version) ||
    props.ruleSet.active_version ||
    Math.max(...props.ruleSet.versions.map((v) => v.version))
  const [mode, setMode] = createSignal<Mode>('request')
  const [form, setForm] = createSignal<RequestForm>({ ...blankRequest })
  const set = (name: keyof RequestForm, value: string) => setForm((f) => ({ ...f, [name]: value }))
  let nextRow = 1
  const [rows, setRows] = createSignal<FactRow[]>([
    { id: nextRow++, fact: props.catalog.facts[0]?.name ?? '', params: undefined, value: '' },
  ])
  const [result, setResult] = createSignal<Simulation | null>(null)
  const [error, setError] = createSignal<ApiError | null>(null)
  const [running, setRunning] = createSignal(false)
  const facts = createMemo(() => new Map(props.catalog.facts.map((f) => [f.name, f])))
  const descriptions = createMemo(
    () =>
      new Map(
        props.catalog.facts.map((f) => [
          f.name,
          { name: f.name, description: f.description, value_type: f.value_type },
        ]),
      ),
  )
  const fieldError = (field: string) => error()?.fieldMessage(field)
  // the version's own currency: money facts are typed, and the answer's money read, in it
  const [versionDetail] = createResource(version, (v) => readVersion(props.ruleSet.id, v))
  const currency = () => definitionCurrency(versionDetail.latest?.definition) ?? 'USD'
  const [amountError, setAmountError] = createSignal<string | null>(null)

  const run = async (event: SubmitEvent) => {
    event.preventDefault()
    setError(null)
    setAmountError(mode() === 'request' ? amountProblem(form(), currency()) : null)
    if (amountError()) return
    setRunning(true)
    try {
      const input: SimulationInput =
        mode() === 'request'
          ? { request: requestFromForm(form(), currency()) }
          : { facts: factsFromRows(rows(), facts(), currency()) }
      setResult(await simulate(props.ruleSet.id, version(), input))
    } catch (failure) {
      if (failure instanceof ApiError) setError(failure)
      else throw failure
    } finally {
      setRunning(false)
    }
  }

  return (
    <>
      <p class="breadcrumb">
        <A href={`/rule-sets/${encodeURIComponent(props.ruleSet.id)}`}>← {props.ruleSet.name}</A>
      </p>
      <PageHeader
        title="Simulate"
        subtitle="What a version would answer, and why. Nothing is recorded and no usage is counted."
      />
      <div class="simulate-layout">
        <form class="panel form-panel" onSubmit={run} aria-label="Simulation">
          <div class="filters">
            <label class="field">
              <span class="field-label">Version</span>
              <select
                aria-label="Version"
                value={version()}
                onChange={(e) => setSearch({ version: e.currentTarget.value })}
              >
                <VersionOptions
                  versions={[...props.ruleSet.versions].sort((a, b) => b.version - a.version)}
                />
              </select>
            </label>
            <fieldset class="segmented">
              <legend class="visually-hidden">Simulate with</legend>
              <button
                type="button"
                class="segment"
                aria-pressed={mode() === 'request'}
                onClick={() => setMode('request')}
              >
                A sample request
              </button>
              <button
                type="button"
                class="segment"
                aria-pressed={mode() === 'facts'}
                onClick={() => setMode('facts')}
              >
                Fact values
              </button>
            </fieldset>
          </div>
          <Show
            when={mode() === 'request'}
            fallback={
              <>
                <p class="muted">
                  Give the values facts take; the rules read nothing else from the database.
                </p>
                <FactRows catalog={props.catalog} rows={rows()} setRows={setRows} currency={currency()} />
                <button
                  type="button"
                  class="button button-small"
                  onClick={() =>
                    setRows([
                      ...rows(),
                      {
                        id: nextRow++,
                        fact: props.catalog.facts[0]?.name ?? '',
                        params: undefined,
                        value: '',
                      },
                    ])
                  }
                >
                  + Fact
                </button>
              </>
            }
          >
            <Fieldset legend="Request">
              <label class="field">
                <span class="field-label">Kind</span>
                <select name="kind" value={form().kind} onChange={(e) => set('kind', e.currentTarget.value)}>
                  <option value="purchase">purchase</option>
                  <option value="session">session (pay per minute)</option>
                </select>
              </label>
              <label class="field">
                <span class="field-label">Channel</span>
                <select
                  name="channel"
                  value={form().channel}
                  onChange={(e) => set('channel', e.currentTarget.value)}
                >
                  <For each={['web', 'phone', 'chat', 'video']}>{(c) => <option value={c}>{c}</option>}</For>
                </select>
              </label>
              <TextField
                label="Amount"
                name="amount"
                form={form()}
                set={set}
                inputMode="decimal"
                error={amountError() ?? fieldError('request.amount.value')}
              />
              <TextField
                label="Currency"
                name="currency"
                form={form()}
                set={set}
                placeholder={currency()}
                error={fieldError('request.amount.currency')}
              />
            </Fieldset>
            <Fieldset legend="Customer">
              <TextField label="Customer id" name="customer_id" form={form()} set={set} />
              <TextField
                label="Customer e-mail"
                name="email"
                form={form()}
                set={set}
                inputMode="email"
                error={fieldError('request.customer.email')}
              />
              <TextField
                label="Customer phone"
                name="phone"
                form={form()}
                set={set}
                inputMode="tel"
                placeholder="+15555550100"
              />
            </Fieldset>
            <Fieldset legend="Network and entries">
              <TextField label="Caller number (ANI)" name="ani" form={form()} set={set} inputMode="tel" />
              <TextField label="IP address" name="ip" form={form()} set={set} placeholder="203.0.113.7" />
              <TextField label="Entered phone" name="entered_phone" form={form()} set={set} inputMode="tel" />
              <TextField label="Entered IP" name="entered_ip" form={form()} set={set} />
            </Fieldset>
            <Fieldset legend="Card and billing address">
              <TextField
                label="Card number"
                name="card_number"
                form={form()}
                set={set}
                inputMode="numeric"
                error={fieldError('request.payment_method.card.number')}
              />
              <TextField
                label="Expiry month"
                name="exp_month"
                form={form()}
                set={set}
                inputMode="numeric"
                placeholder="12"
              />
              <TextField
                label="Expiry year"
                name="exp_year"
                form={form()}
                set={set}
                inputMode="numeric"
                placeholder="2030"
              />
              <TextField
                label="Security code"
                name="cvc"
                form={form()}
                set={set}
                inputMode="numeric"
                placeholder="123"
              />
              <TextField label="Address line" name="line1" form={form()} set={set} />
              <TextField label="Postal code" name="postal_code" form={form()} set={set} />
              <TextField label="Country" name="country" form={form()} set={set} placeholder="US" />
            </Fieldset>
            <p class="field-hint">
              The card number and security code are used for this run only; they are never stored.
            </p>
          </Show>
          <Show when={error()}>
            {(e) => (
              <div class="alert" role="alert">
                {e().message}
                <For each={e().problem.errors ?? []}>
                  {(p) => (
                    <div>
                      <span class="mono">{p.field}</span>: {p.message}
                    </div>
                  )}
                </For>
              </div>
            )}
          </Show>
          <SubmitActions
            pending={running()}
            label={`Simulate version ${version()}`}
            pendingLabel="Running…"
          />
        </form>
        <div>
          <Show when={result()} fallback={<p class="muted sim-placeholder">The answer appears here.</p>}>
            {(res) => <SimulationResult result={res()} catalog={descriptions()} currency={currency()} />}
          </Show>
        </div>
      </div>
    </>
  )
}

export default function SimulatePage(props: { ruleSetId: string }) {
  const [data, { refetch }] = createResource(
    () => props.ruleSetId,
    async (id) => {
      const [ruleSet, catalog] = await Promise.all([readRuleSet(id), readCatalog()])
      return { ruleSet, catalog }
    },
  )
  return (
    <AsyncView resource={data} retry={refetch}>
      {(d) => <Simulator ruleSet={d().ruleSet} catalog={d().catalog} />}
    </AsyncView>
  )
}

// One decision as staff read it: the outcome and why, every rule that fired with the values it
// saw, the facts the engine read, and the request as captured (the card only as brand and last four).
import { A, useParams } from '@solidjs/router'
import { createResource, For, type JSX, Show } from 'solid-js'
import { OutcomeBadge } from '../../components/OutcomeBadge.tsx'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView } from '../../components/states.tsx'
import {
  formatDateTime,
  formatMoney,
  formatMs,
  formatSeconds,
  formatValue,
  maskedCard,
  outcomeLabel,
} from '../../lib/format.ts'
import {
  type CapturedRequest,
  type DecisionDetail,
  type FactDescription,
  type FactReading,
  type FiredRule,
  factDescriptions,
  readDecision,
} from './api.ts'
import {
  conditionInWords,
  eventTypeWords,
  factInWords,
  factValueInWords,
  firedParamsInWords,
  remainingInWords,
} from './words.ts'

export function Fields(props: { rows: [string, JSX.Element | string | null | undefined][] }) {
  const shown = () => props.rows.filter(([, value]) => value !== null && value !== undefined && value !== '')
  return (
    <Show when={shown().length > 0} fallback={<p class="muted">Nothing given.</p>}>
      <dl class="fields">
        <For each={shown()}>
          {([label, value]) => (
            <>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </>
          )}
        </For>
      </dl>
    </Show>
  )
}

export function Section(props: { title: string; id?: string; children: JSX.Element; aside?: JSX.Element }) {
  return (
    <section class="panel" aria-labelledby={props.id}>
      <header class="panel-header">
        <h2 id={props.id}>{props.title}</h2>
        {props.aside}
      </header>
      {props.children}
    </section>
  )
}

function money(value: number | null | undefined, currency: string | undefined): string | null {
  return value === null || value === undefined ? null : formatMoney({ value, currency: currency ?? 'USD' })
}

/**
 * The currency a decision's money is read in: the request's. A request without an amount leaves
 * the rule set's currency unknown here; USD is the product's default.
 */
export function decisionCurrency(request: CapturedRequest | null | undefined): string {
  return request?.amount?.currency ?? 'USD'
}

function Summary(props: { detail: DecisionDetail }) {
  const d = () => props.detail.decision
  const currency = () => props.detail.request?.amount?.currency
  return (
    <div class="summary">
      <div class="summary-outcome">
        <span class="summary-label">Outcome</span>
        <span class="outcome-large">
          <OutcomeBadge outcome={d().outcome} />
        </span>
        <Show when={d().resolution}>
          {(r) => (
            <p class="resolution">
              Resolved as <strong>{outcomeLabel(r().outcome)}</strong> by {r().resolved_by} on{' '}
              {formatDateTime(r().resolved_at)}
              {r().note ? ` — “${r().note}”` : ''}
            </p>
          )}
        </Show>
      </div>
      <Fields
        rows={[
          ['Decided at', formatDateTime(d().created_at)],
          [
            'Rule set used',
            d().rule_set ? `${d().rule_set?.id}, version ${d().rule_set?.version}` : 'none active',
          ],
          ['Time taken', formatMs(props.detail.evaluation_ms)],
          [
            'Customer',
            d().customer ? `${d().customer?.id}${d().customer?.returning ? ' (returning)' : ' (new)'}` : null,
          ],
          [
            'Payment',
            d().payment_method ? `${d().payment_method?.type} · ${maskedCard(d().payment_method)}` : null,
          ],
          ['Most that may be charged', money(d().limits.max_amount, currency())],
          [
            'Longest session',
            d().limits.max_duration_seconds === null ? null : formatSeconds(d().limits.max_duration_seconds),
          ],
          ['Allowance resets', d().limits.resets_at ? formatDateTime(d().limits.resets_at) : null],
          ['May retry after', d().retry_after_seconds ? formatSeconds(d().retry_after_seconds) : null],
        ]}
      />
    </div>
  )
}

/** What an allowance rule counts (sessions, purchases, minutes or amount), from its params as it fired. */
function metricOf(rules: FiredRule[], ruleId: string): string | undefined {
  const metric = rules.find((rule) => rule.id === ruleId)?.params?.metric
  return typeof metric === 'string' ? metric : undefined
}

export function FiredRuleCard(props: {
  rule: FiredRule
  catalog: Map<string, FactDescription> | undefined
  /** the currency its money params and money facts are read in */
  currency?: string
}) {
  const currency = () => props.currency ?? 'USD'
  return (
    <article class="rule-card" data-testid="fired-rule">
      <header class="rule-card-header">
        <h3>{props.rule.name}</h3>
        <span class="mono muted">{props.rule.id}</span>
        <span class={`badge event-${props.rule.type}`}>
          {eventTypeWords[props.rule.type] ?? props.rule.type}
        </span>
      </header>
      <Show when={firedParamsInWords(props.rule, currency())}>{(text) => <p class="muted">{text()}</p>}</Show>
      <Show when={props.rule.conditions.length > 0}>
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
            <For each={props.rule.conditions}>
              {(c) => (
                <tr>
                  <td>{factInWords(c.fact, c.params, props.catalog)}</td>
                  <td>{conditionInWords(c, currency())}</td>
                  <td class="strong">{factValueInWords(c.fact, c.params, c.fact_value, currency())}</td>
                  <td>
                    <span class={c.result ? 'met' : 'not-met'}>{c.result ? '✓ yes' : '✗ no'}</span>
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </Show>
    </article>
  )
}

/** The request as the engine saw it; shared with the review desk. */
export function RequestSection(props: { request: CapturedRequest | null | undefined }) {
  return (
    <Section
      title="Request as captured"
      id="request"
      aside={<span class="muted">Card numbers are never stored</span>}
    >
      <Show when={props.request} fallback={<p class="muted">The request was not kept.</p>}>
        {(request) => <RequestCaptured request={request()} />}
      </Show>
    </Section>
  )
}

/** Every fact the engine read, in words and by name; shared with the review desk. */
export function FactsSection(props: {
  facts: FactReading[]
  catalog: Map<string, FactDescription> | undefined
  currency?: string
}) {
  return (
    <Section title="Facts the engine read" id="facts">
      <Show when={props.facts.length > 0} fallback={<p class="muted">No facts were read.</p>}>
        <table class="table table-compact" aria-label="Facts">
          <thead>
            <tr>
              <th scope="col">Fact</th>
              <th scope="col">Name</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            <For each={props.facts}>
              {(f) => (
                <tr>
                  <td>{factInWords(f.fact, f.params as Record<string, unknown> | null, props.catalog)}</td>
                  <td class="mono muted">{f.fact}</td>
                  <td class="strong">
                    {factValueInWords(
                      f.fact,
                      f.params as Record<string, unknown> | null,
                      f.value,
                      props.currency ?? 'USD',
                    )}
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </Show>
    </Section>
  )
}

export function RequestCaptured(props: { request: CapturedRequest }) {
  const r = () => props.request
  const card = () => r().payment_method?.card
  const address = () => r().payment_method?.billing_address
  return (
    <div class="request-grid">
      <div>
        <h3>Request</h3>
        <Fields
          rows={[
            ['Kind', r().kind],
            ['Channel', r().channel],
            ['Amount', r().amount ? formatMoney(r().amount) : null],
            [
              'Items',
              r().items?.length
                ? r()
                    .items?.map(
                      (i) => `${i.quantity} × ${i.sku} at ${money(i.unit_amount, r().amount?.currency)}`,
                    )
                    .join('; ')
                : null,
            ],
          ]}
        />
      </div>
      <div>
        <h3>Customer</h3>
        <Fields rows={Object.entries(r().customer ?? {}).map(([k, v]) => [k.replaceAll('_', ' '), v])} />
      </div>
      <div>
        <h3>Network</h3>
        <Fields
          rows={[
            ['IP address', r().network?.ip],
            ['Caller number (ANI)', r().network?.ani],
            ['Number dialled (DNIS)', r().network?.dnis],
            ['Device', r().network?.device_id],
            ['Entered phone', r().entered?.phone],
            ['Entered IP', r().entered?.ip],
          ]}
        />
      </div>
      <div>
        <h3>Payment</h3>
        <Fields
          rows={[
            ['Type', r().payment_method?.type],
            ['Card', card() ? maskedCard(card()) : null],
            [
              'Expires',
              card()?.exp_month ? `${String(card()?.exp_month).padStart(2, '0')}/${card()?.exp_year}` : null,
            ],
            [
              'Number valid (Luhn)',
              card() && card()?.luhn_valid !== undefined ? formatValue(card()?.luhn_valid) : null,
            ],
            [
              'Billing address',
              address()
                ? [address()?.line1, address()?.postal_code, address()?.country].filter(Boolean).join(', ')
                : null,
            ],
          ]}
        />
      </div>
    </div>
  )
}

export default function DecisionDetailPage() {
  const params = useParams<{ id: string }>()
  const [detail, { refetch }] = createResource(() => params.id, readDecision)
  const [catalog] = createResource(() => factDescriptions().catch(() => new Map<string, FactDescription>()))

  return (
    <>
      <p class="breadcrumb">
        <A href="/decisions">← Decisions</A>
      </p>
      <PageHeader title={`Decision ${params.id}`} />
      <AsyncView resource={detail} retry={refetch} loadingRows={10}>
        {(d) => (
          <div class="stack">
            <Section title="Outcome" id="outcome">
              <Summary detail={d()} />
            </Section>

            <Section title="What the merchant was told" id="reasons">
              <Show
                when={d().decision.reasons.length > 0}
                fallback={<p class="muted">No reasons: every check passed.</p>}
              >
                <ul class="reasons">
                  <For each={d().decision.reasons}>
                    {(reason) => (
                      <li>
                        <span class={`badge event-${reason.type}`}>
                          {eventTypeWords[reason.type] ?? reason.type}
                        </span>{' '}
                        {reason.message}
                        <span class="muted mono"> {reason.reason_code ?? reason.rule}</span>
                        <Show when={reason.remaining !== undefined}>
                          <span class="muted">
                            {' '}
                            ·{' '}
                            {remainingInWords(
                              reason.remaining ?? 0,
                              metricOf(d().fired_rules, reason.rule),
                              decisionCurrency(d().request),
                            )}
                          </span>
                        </Show>
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
              <Show
                when={
                  d().decision.discounts.length +
                    d().decision.offers.length +
                    (d().decision.offers_skipped ?? []).length >
                  0
                }
              >
                <ul class="reasons">
                  <For each={d().decision.discounts}>
                    {(x) => (
                      <li>
                        Discount {x.code}
                        {x.amount_off !== null
                          ? ` (${formatMoney({ value: x.amount_off, currency: decisionCurrency(d().request) })} off)`
                          : x.percent_off !== null
                            ? ` (${x.percent_off}% off)`
                            : ''}
                        : {x.message}
                      </li>
                    )}
                  </For>
                  <For each={d().decision.offers}>
                    {(x) => (
                      <li data-testid="offer-made">
                        Offer {x.name} at {formatMoney({ value: x.amount, currency: x.currency })}
                        <Show when={x.treatment}>{(t) => <> · presented as “{t().name}”</>}</Show>:{' '}
                        {x.why.message}
                      </li>
                    )}
                  </For>
                  <For each={d().decision.offers_skipped ?? []}>
                    {(x) => (
                      <li data-testid="offer-skipped" class="muted">
                        Not offered {x.sku || x.tag}: {x.message}
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
            </Section>

            <Section
              title="Rules that fired"
              id="fired-rules"
              aside={<span class="muted">{d().fired_rules.length} of the rule set’s rules</span>}
            >
              <Show
                when={d().fired_rules.length > 0}
                fallback={<p class="muted">No rule fired, so the default outcome applied.</p>}
              >
                <div class="stack">
                  <For each={d().fired_rules.filter((rule) => rule.conditions.length > 0)}>
                    {(rule) => (
                      <FiredRuleCard
                        rule={rule}
                        catalog={catalog()}
                        currency={decisionCurrency(d().request)}
                      />
                    )}
                  </For>
                  <Show when={d().fired_rules.some((rule) => rule.conditions.length === 0)}>
                    <div>
                      <h3 class="subheading">Rules without conditions, which apply every time</h3>
                      <table class="table table-compact" aria-label="Rules without conditions">
                        <tbody>
                          <For each={d().fired_rules.filter((rule) => rule.conditions.length === 0)}>
                            {(rule) => (
                              <tr data-testid="fired-rule">
                                <td class="strong">{rule.name}</td>
                                <td class="mono muted">{rule.id}</td>
                                <td>
                                  <span class={`badge event-${rule.type}`}>
                                    {eventTypeWords[rule.type] ?? rule.type}
                                  </span>
                                </td>
                                <td class="muted">
                                  {firedParamsInWords(rule, decisionCurrency(d().request))}
                                </td>
                              </tr>
                            )}
                          </For>
                        </tbody>
                      </table>
                    </div>
                  </Show>
                </div>
              </Show>
            </Section>

            <RequestSection request={d().request} />
            <FactsSection facts={d().facts} catalog={catalog()} currency={decisionCurrency(d().request)} />
          </div>
        )}
      </AsyncView>
    </>
  )
}

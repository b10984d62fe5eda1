// One session as staff read it: what happened and what it cost. The legs on a timeline against the
// billing window (first representative on to last one off), the rating's itemised charge, the
// payments with every call made to the gateway, the ledger entries, and the representatives' pay.
import { A, useParams } from '@solidjs/router'
import { createResource, For, Show } from 'solid-js'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView } from '../../components/states.tsx'
import { formatDateTime, formatMoney, formatSeconds } from '../../lib/format.ts'
import { Fields, Section } from '../decisions/DecisionDetailPage.tsx'
import { LedgerEntriesTable, OperationsTable, PaymentStatusBadge } from '../payments/parts.tsx'
import {
  clock,
  declineInWords,
  endReasonInWords,
  paymentKindLabel,
  sessionStatusLabel,
  settlementInWords,
} from '../payments/words.ts'
import { readSession, type SessionDetail, type SessionLeg, type SessionRating } from './api.ts'
import { timelineOf } from './timeline.ts'

function legLabel(leg: SessionLeg): string {
  if (leg.party === 'customer') return 'Customer'
  return leg.representative?.name ?? leg.representative?.id ?? 'Representative'
}

function Timeline(props: { detail: SessionDetail }) {
  const timeline = () => timelineOf(props.detail, Date.now())
  return (
    <Section
      title="Timeline"
      id="timeline"
      aside={
        <span class="timeline-legend">
          <span>
            <span class="timeline-swatch timeline-window" style={{ position: 'static' }} />
            Billing window
          </span>
          <span>
            <span class="timeline-swatch timeline-bar" style={{ position: 'static' }} />
            Representative
          </span>
          <span>
            <span class="timeline-swatch timeline-bar timeline-bar-customer" style={{ position: 'static' }} />
            Customer
          </span>
        </span>
      }
    >
      <Show when={props.detail.legs.length > 0} fallback={<p class="muted">Nobody connected.</p>}>
        <ol class="timeline" aria-label="Timeline of legs">
          <For each={timeline().legs}>
            {(row) => (
              <li class="timeline-row" data-testid="leg">
                <span class="strong">{legLabel(row.leg)}</span>
                <span class="timeline-track" aria-hidden="true">
                  <Show when={timeline().window}>
                    {(w) => (
                      <span
                        class="timeline-window"
                        style={{ left: `${w().left}%`, width: `${w().width}%` }}
                      />
                    )}
                  </Show>
                  <span
                    class="timeline-bar"
                    classList={{
                      'timeline-bar-customer': row.leg.party === 'customer',
                      'timeline-bar-open': row.leg.disconnected_at === null,
                    }}
                    style={{ left: `${row.left}%`, width: `${row.width}%` }}
                  />
                </span>
                <span class="muted nowrap">
                  {clock(row.leg.offset_seconds)} → {row.leg.disconnected_at ? clock(row.end) : 'still on'} ·{' '}
                  {formatSeconds(row.leg.seconds)}
                  {row.leg.party === 'representative'
                    ? `, ${formatSeconds(row.leg.billed_overlap_seconds)} billed`
                    : ''}
                </span>
              </li>
            )}
          </For>
        </ol>
        <p class="muted">
          <Show
            when={props.detail.session.billing_started_at}
            fallback={'Billing has not started: no representative connected.'}
          >
            Billed from {formatDateTime(props.detail.session.billing_started_at)} to{' '}
            {props.detail.session.billing_ended_at
              ? formatDateTime(props.detail.session.billing_ended_at)
              : 'now (still on)'}
            {timeline().windowSeconds !== null ? ` — ${formatSeconds(timeline().windowSeconds)}` : ''}.
          </Show>
        </p>
      </Show>
    </Section>
  )
}

function RatingSection(props: { rating: SessionRating | null }) {
  const money = (value: number, currency: string) => formatMoney({ value, currency })
  return (
    <Section title="Charge" id="rating">
      <Show when={props.rating} fallback={<p class="muted">Not rated yet: the session has not ended.</p>}>
        {(r) => (
          <>
            <p class="muted">
              {formatSeconds(r().billed_seconds)} connected, charged as {formatSeconds(r().charged_seconds)}{' '}
              after the line’s billing increments.
            </p>
            <table class="table table-compact" aria-label="Charge breakdown">
              <tbody>
                <For each={r().items}>
                  {(item) => (
                    <tr data-testid="rating-item">
                      <td>
                        {item.description}
                        <Show when={item.kind === 'discount' && item.code}>
                          <span class="muted mono"> {item.code}</span>
                        </Show>
                      </td>
                      <td class="num nowrap">{money(item.amount, r().currency)}</td>
                    </tr>
                  )}
                </For>
                <Show when={r().discount_total}>
                  <tr>
                    <td>Subtotal before discounts</td>
                    <td class="num nowrap">{money(r().subtotal, r().currency)}</td>
                  </tr>
                </Show>
                <tr class="rating-total">
                  <th scope="row">Total charged</th>
                  <td class="num nowrap">{money(r().total, r().currency)}</td>
                </tr>
              </tbody>
            </table>
          </>
        )}
      </Show>
    </Section>
  )
}

function Summary(props: { detail: SessionDetail }) {
  const s = () => props.detail.session
  return (
    <div class="summary">
      <div class="summary-outcome">
        <span class="summary-label">Status</span>
        <span class="outcome-large">
          <span class={`badge session-${s().status}`}>{sessionStatusLabel(s().status)}</span>
        </span>
        <Show when={settlementInWords(s().settlement)}>{(text) => <p class="resolution">{text()}.</p>}</Show>
        <Show when={s().failure}>
          {(failure) => (
            <p class="resolution error-text">
              {failure().code === 'nothing_granted'
                ? 'Nothing could be granted: the allowances or the hold left no time.'
                : `The payment failed: ${declineInWords(failure().code)}.`}
            </p>
          )}
        </Show>
      </div>
      <Fields
        rows={[
          ['Service line', s().service_line.name ?? s().service_line.id],
          ['Channel', s().channel],
          ['Customer', s().customer_id],
          [
            'Decision',
            <A href={`/decisions/${encodeURIComponent(s().decision_id)}`} class="mono">
              {s().decision_id}
            </A>,
          ],
          ['Started', formatDateTime(s().started_at)],
          ['Ended', s().ended_at ? formatDateTime(s().ended_at) : null],
          ['How it ended', endReasonInWords(s().end_reason)],
          ['Last heartbeat', s().status === 'live' ? formatDateTime(s().last_heartbeat_at) : null],
          ['Longest time granted', s().granted_seconds === null ? null : formatSeconds(s().granted_seconds)],
          ['Hold', s().hold ? formatMoney(s().hold) : 'No hold (charged directly at the end)'],
          ['Reserved against allowances', s().status === 'live' ? formatMoney(props.detail.reserved) : null],
          ['Time billed', s().billed_seconds === null ? null : formatSeconds(s().billed_seconds)],
          ['Charge', s().charge ? formatMoney(s().charge) : null],
          ['Settled', s().settled_at ? formatDateTime(s().settled_at) : null],
        ]}
      />
    </div>
  )
}

export default function SessionDetailPage() {
  const params = useParams<{ id: string }>()
  const [detail, { refetch }] = createResource(() => params.id, readSession)
  return (
    <>
      <p class="breadcrumb">
        <A href="/sessions">← Sessions</A>
      </p>
      <PageHeader
        title={`Session ${params.id}`}
        actions={
          <button type="button" class="button" onClick={() => void refetch()}>
            Refresh
          </button>
        }
      />
      <AsyncView resource={detail} retry={refetch} loadingRows={10}>
        {(d) => (
          <div class="stack">
            <section class="panel" aria-label="Summary">
              <Summary detail={d()} />
            </section>
            <Timeline detail={d()} />
            <RatingSection rating={d().rating} />
            <Section title="Payments" id="payments">
              <Show when={d().payments.length > 0} fallback={<p class="muted">No payment was made.</p>}>
                <For each={d().payments}>
                  {(p) => (
                    <article class="stack" data-testid="session-payment">
                      <h3>
                        <A href={`/payments/${encodeURIComponent(p.id)}`}>{paymentKindLabel(p.kind)}</A>{' '}
                        <PaymentStatusBadge status={p.status} /> <span class="mono muted">{p.id}</span>
                      </h3>
                      <Fields
                        rows={[
                          ['Held', p.kind === 'hold' ? formatMoney(p.authorized) : null],
                          ['Captured', formatMoney(p.captured)],
                          ['Refunded', p.refunded.value ? formatMoney(p.refunded) : null],
                          ['Why it failed', p.failure_message ?? p.failure_code],
                        ]}
                      />
                      <OperationsTable operations={p.operations} label={`Gateway calls for ${p.id}`} />
                    </article>
                  )}
                </For>
              </Show>
            </Section>
            <Section title="Ledger entries" id="ledger">
              <LedgerEntriesTable entries={d().ledger_entries} label="Session ledger entries" />
            </Section>
            <Section title="Representatives’ pay" id="pay">
              <Show
                when={d().pay.length > 0}
                fallback={<p class="muted">No pay accrued yet; it is accrued when the session settles.</p>}
              >
                <table class="table table-compact" aria-label="Representatives’ pay">
                  <thead>
                    <tr>
                      <th scope="col">Representative</th>
                      <th scope="col" class="num">
                        Time
                      </th>
                      <th scope="col">Plan</th>
                      <th scope="col" class="num">
                        Pay
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={d().pay}>
                      {(a) => (
                        <tr>
                          <td>{a.representative.name ?? a.representative.id}</td>
                          <td class="num">{formatSeconds(a.seconds)}</td>
                          <td>{a.pay_plan === 'share' ? 'Share of billing' : 'Per minute'}</td>
                          <td class="num nowrap">{formatMoney(a.amount)}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </Show>
            </Section>
          </div>
        )}
      </AsyncView>
    </>
  )
}

// The decision screen of the review desk: everything captured (the card only as brand and last
// four), the rules that fired in words, the facts, the customer's history and list hits, and the
// form that approves, approves with a limit, or blocks — then moves on to the next review.
import { A, useNavigate, useParams } from '@solidjs/router'
import { createResource, createSignal, For, Match, Show, Switch } from 'solid-js'
import { OutcomeBadge } from '../../components/OutcomeBadge.tsx'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView, Notice } from '../../components/states.tsx'
import { ApiError } from '../../lib/api.ts'
import { formatDateTime, formatMoney, maskedCard, outcomeLabel } from '../../lib/format.ts'
import { currencyDigits } from '../../lib/money.ts'
import { can, session } from '../../lib/session.ts'
import { FieldNote, SubmitActions } from '../../lib/submission.tsx'
import { type FactDescription, factDescriptions } from '../decisions/api.ts'
import {
  decisionCurrency,
  FactsSection,
  FiredRuleCard,
  RequestSection,
  Section,
} from '../decisions/DecisionDetailPage.tsx'
import { eventTypeWords } from '../decisions/words.ts'
import {
  claimNext,
  claimReview,
  type ReviewDecision,
  type ReviewDetail,
  readReview,
  resolveReview,
} from './api.ts'
import { StatusBadge } from './ReviewsPage.tsx'
import { ageInWords, decisionLabels, listingInWords } from './words.ts'

function DecisionForm(props: { detail: ReviewDetail; onResolved: (text: string) => void }) {
  const [choice, setChoice] = createSignal<ReviewDecision | null>(null)
  const [note, setNote] = createSignal('')
  const [maxAmount, setMaxAmount] = createSignal('')
  const [maxMinutes, setMaxMinutes] = createSignal('')
  const [error, setError] = createSignal<ApiError | null>(null)
  const [localError, setLocalError] = createSignal<string | null>(null)
  const [pending, setPending] = createSignal(false)
  const currency = () =>
    props.detail.request?.amount?.currency ?? props.detail.review.amount?.currency ?? 'USD'
  const fieldError = (field: string) => error()?.fieldMessage(field)
  // what the chosen resolution will put on which list, as the server computes it
  const listingPreview = () => {
    const decision = choice()
    const preview = props.detail.resolution_preview
    if (!decision || !preview) return null
    return listingInWords(decision, decision === 'block' ? preview.block : preview.approve)
  }

  const submit = async (event: SubmitEvent) => {
    event.preventDefault()
    const decision = choice()
    setError(null)
    setLocalError(null)
    if (!decision) {
      setLocalError('Choose approve, approve with a limit, or block.')
      return
    }
    let limit: { max_amount?: number; max_duration_seconds?: number } | undefined
    if (decision === 'approve_with_limit') {
      const amount = maxAmount().trim() ? Number(maxAmount()) : undefined
      const minutes = maxMinutes().trim() ? Number(maxMinutes()) : undefined
      if ((amount !== undefined && !(amount >= 0)) || (minutes !== undefined && !(minutes >= 0))) {
        setLocalError('The limits must be numbers of zero or more.')
        return
      }
      if (amount === undefined && minutes === undefined) {
        setLocalError('Give a most that may be charged, a longest session, or both.')
        return
      }
      limit = {
        max_amount: amount === undefined ? undefined : Math.round(amount * 10 ** currencyDigits(currency())),
        max_duration_seconds: minutes === undefined ? undefined : Math.round(minutes * 60),
      }
    }
    setPending(true)
    try {
      const result = await resolveReview(props.detail.review.decision_id, {
        decision,
        note: note().trim(),
        limit,
      })
      const listed =
        result.listed > 0
          ? ` ${result.listed} identifier${result.listed === 1 ? '' : 's'} added to the ${
              result.resolution.outcome === 'block' ? 'negative' : 'positive'
            } list${result.contributed ? `, ${result.contributed} shared` : ''}.`
          : ''
      props.onResolved(
        `${props.detail.review.decision_id}: ${decisionLabels[decision].toLowerCase()}.${listed}`,
      )
    } catch (failure) {
      if (failure instanceof ApiError) setError(failure)
      else setLocalError(String(failure))
    } finally {
      setPending(false)
    }
  }

  return (
    <form class="panel decision-form" onSubmit={submit} aria-labelledby="decide-heading">
      <header class="panel-header">
        <h2 id="decide-heading">Your decision</h2>
      </header>
      <fieldset class="choices">
        <legend class="visually-hidden">Decision</legend>
        <For each={['approve', 'approve_with_limit', 'block'] as const}>
          {(value) => (
            <label class={`choice choice-${value}`}>
              <input
                type="radio"
                name="decision"
                value={value}
                checked={choice() === value}
                onChange={() => setChoice(value)}
              />
              <span>{decisionLabels[value]}</span>
            </label>
          )}
        </For>
      </fieldset>
      <Show when={choice() === 'approve_with_limit'}>
        <div class="form-grid">
          <label class="field">
            <span class="field-label">Most that may be charged ({currency()})</span>
            <input
              name="max_amount"
              type="number"
              min="0"
              step="0.01"
              inputmode="decimal"
              value={maxAmount()}
              onInput={(e) => setMaxAmount(e.currentTarget.value)}
            />
          </label>
          <label class="field">
            <span class="field-label">Longest session (minutes)</span>
            <input
              name="max_duration"
              type="number"
              min="0"
              step="1"
              value={maxMinutes()}
              onInput={(e) => setMaxMinutes(e.currentTarget.value)}
            />
          </label>
        </div>
        <Show when={fieldError('limit')}>{(m) => <p class="field-error">{m()}</p>}</Show>
      </Show>
      <Show when={listingPreview()}>
        {(text) => (
          <p
            class="alert"
            classList={{ 'alert-warning': choice() === 'block', 'alert-ok': choice() !== 'block' }}
            data-testid="listing-preview"
          >
            {text()}
          </p>
        )}
      </Show>
      <label class="field">
        <span class="field-label">Note</span>
        <textarea
          name="note"
          rows={3}
          required
          maxLength={2000}
          value={note()}
          onInput={(e) => setNote(e.currentTarget.value)}
          aria-invalid={Boolean(fieldError('note'))}
        />
        <FieldNote
          message={fieldError('note')}
          hint="Why you decided so; kept with the decision and in the audit log."
        />
      </label>
      <Show when={localError() ?? (error() && !error()?.problem.errors?.length ? error()?.message : null)}>
        {(text) => (
          <p class="alert" role="alert">
            {text()}
          </p>
        )}
      </Show>
      <SubmitActions pending={pending()} label="Resolve and go to the next" pendingLabel="Resolving…" />
    </form>
  )
}

function Overview(props: { detail: ReviewDetail }) {
  const d = () => props.detail
  const card = () => d().request?.payment_method?.card
  return (
    <dl class="fields">
      <dt>Amount</dt>
      <dd class="strong">{formatMoney(d().request?.amount ?? d().review.amount)}</dd>
      <dt>Customer</dt>
      <dd data-testid="review-customer">
        <Show when={d().review.merchant_customer_id}>
          {(merchantId) => (
            <>
              <span class="mono strong">{merchantId()}</span> <span class="muted">(your id)</span>
              {d().decision.customer ? ' · ' : ''}
            </>
          )}
        </Show>
        {d().decision.customer ? (
          <>
            <span class="mono">{d().decision.customer?.id}</span>{' '}
            <span class="muted">
              (Tollgate’s id, {d().decision.customer?.returning ? 'returning' : 'new'})
            </span>
          </>
        ) : d().review.merchant_customer_id ? null : (
          'unknown'
        )}
      </dd>
      <dt>Payment</dt>
      <dd>
        {d().request?.payment_method?.type ?? '—'}
        {card() ? ` · ${maskedCard(card())}` : ''}
      </dd>
      <dt>Asked at</dt>
      <dd>{formatDateTime(d().review.created_at)}</dd>
      <dt>Why it is here</dt>
      <dd>
        <ul class="reasons">
          <For each={d().decision.reasons}>
            {(reason) => (
              <li>
                <span class={`badge event-${reason.type}`}>{eventTypeWords[reason.type] ?? reason.type}</span>{' '}
                {reason.message}
              </li>
            )}
          </For>
        </ul>
      </dd>
    </dl>
  )
}

export default function ReviewPage() {
  const params = useParams<{ id: string }>()
  const navigate = useNavigate()
  const [detail, { refetch }] = createResource(() => params.id, readReview)
  const [catalog] = createResource(() => factDescriptions().catch(() => new Map<string, FactDescription>()))
  const [notice, setNotice] = createSignal<{ kind: 'ok' | 'error'; text: string } | null>(null)
  const [claiming, setClaiming] = createSignal(false)
  const me = () => session()?.user.id

  const claim = async () => {
    setClaiming(true)
    setNotice(null)
    try {
      await claimReview(params.id)
      await refetch()
    } catch (failure) {
      setNotice({ kind: 'error', text: failure instanceof Error ? failure.message : String(failure) })
      void refetch()
    } finally {
      setClaiming(false)
    }
  }

  const next = async (resolvedText: string) => {
    try {
      const review = await claimNext()
      if (review) {
        setNotice({ kind: 'ok', text: `${resolvedText} Next: ${review.decision_id}.` })
        navigate(`/reviews/${encodeURIComponent(review.decision_id)}`)
      } else navigate('/reviews', { state: { resolved: resolvedText } })
    } catch {
      navigate('/reviews')
    }
  }

  return (
    <>
      <p class="breadcrumb">
        <A href="/reviews">← Review desk</A>
      </p>
      <PageHeader title={`Review ${params.id}`} />
      <Notice notice={notice()} />
      <AsyncView resource={detail} retry={refetch} loadingRows={10}>
        {(d) => {
          const review = () => d().review
          const mine = () => review().status === 'claimed' && review().claimed_by === me()
          const overrides = () => review().status === 'claimed' && !mine() && can('publisher')
          return (
            <div class="review-layout">
              <div class="stack">
                <section class="panel" aria-labelledby="review-status">
                  <header class="panel-header">
                    <h2 id="review-status">
                      <StatusBadge review={review()} />
                    </h2>
                    <span class="muted">
                      {review().status === 'resolved'
                        ? `resolved ${formatDateTime(review().resolved_at)}`
                        : `waiting ${ageInWords(review().created_at, Date.now())}`}
                    </span>
                  </header>
                  <Overview detail={d()} />
                </section>

                <Section title="Customer history" id="history" aside={<span class="muted">latest 20</span>}>
                  <Show
                    when={d().history.length > 0}
                    fallback={<p class="muted">No earlier decisions for this customer.</p>}
                  >
                    <table class="table table-compact" aria-label="Customer history">
                      <thead>
                        <tr>
                          <th scope="col">When</th>
                          <th scope="col">Decision</th>
                          <th scope="col">Kind</th>
                          <th scope="col" class="num">
                            Amount
                          </th>
                          <th scope="col">Outcome</th>
                        </tr>
                      </thead>
                      <tbody>
                        <For each={d().history}>
                          {(h) => (
                            <tr>
                              <td class="nowrap">{formatDateTime(h.created_at)}</td>
                              <td class="mono">
                                <A href={`/decisions/${encodeURIComponent(h.id)}`}>{h.id}</A>
                              </td>
                              <td>
                                {h.kind} · {h.channel}
                              </td>
                              <td class="num">{formatMoney(h.amount)}</td>
                              <td>
                                <OutcomeBadge outcome={h.outcome} />
                                <Show when={h.resolved_outcome}>
                                  {(r) => <span class="muted"> → {outcomeLabel(r())}</span>}
                                </Show>
                              </td>
                            </tr>
                          )}
                        </For>
                      </tbody>
                    </table>
                  </Show>
                </Section>

                <Section
                  title="List hits"
                  id="list-hits"
                  aside={<span class="muted">as the lists stand now</span>}
                >
                  <Show when={d().list_hits.length > 0} fallback={<p class="muted">On no list.</p>}>
                    <table class="table table-compact" aria-label="List hits">
                      <thead>
                        <tr>
                          <th scope="col">List</th>
                          <th scope="col">Subject</th>
                          <th scope="col">Value</th>
                          <th scope="col">Reason</th>
                          <th scope="col">Added</th>
                        </tr>
                      </thead>
                      <tbody>
                        <For each={d().list_hits}>
                          {(hit) => (
                            <tr>
                              <td>
                                <span class={`badge kind-${hit.list_kind}`}>{hit.list_kind}</span>{' '}
                                <span class="mono">{hit.list_id}</span>
                              </td>
                              <td>{hit.subject}</td>
                              <td class="mono">{hit.value}</td>
                              <td>
                                {hit.reason || <span class="muted">—</span>}
                                <span class="muted"> ({hit.source})</span>
                              </td>
                              <td class="nowrap">{formatDateTime(hit.added_at)}</td>
                            </tr>
                          )}
                        </For>
                      </tbody>
                    </table>
                  </Show>
                </Section>

                <Section title="Rules that fired" id="fired-rules">
                  <Show when={d().fired_rules.length > 0} fallback={<p class="muted">No rule fired.</p>}>
                    <div class="stack">
                      <For each={d().fired_rules}>
                        {(rule) => (
                          <FiredRuleCard
                            rule={rule}
                            catalog={catalog()}
                            currency={decisionCurrency(d().request)}
                          />
                        )}
                      </For>
                    </div>
                  </Show>
                </Section>

                <RequestSection request={d().request} />
                <FactsSection
                  facts={d().facts}
                  catalog={catalog()}
                  currency={decisionCurrency(d().request)}
                />
              </div>

              <aside class="review-side">
                <Switch>
                  <Match when={review().status === 'resolved'}>
                    <section class="panel" aria-labelledby="resolved-heading">
                      <header class="panel-header">
                        <h2 id="resolved-heading">Resolved</h2>
                      </header>
                      <p>
                        <strong>
                          {review().resolution ? decisionLabels[review().resolution ?? 'approve'] : '—'}
                        </strong>{' '}
                        on {formatDateTime(review().resolved_at)}
                      </p>
                      <Show when={review().note}>{(n) => <blockquote class="note">{n()}</blockquote>}</Show>
                      <p>
                        <A href="/reviews">Back to the queue</A>
                      </p>
                    </section>
                  </Match>
                  <Match when={mine() || overrides()}>
                    <Show when={overrides()}>
                      <p class="alert alert-warning">
                        Someone else claimed this review; as a {session()?.user.role} you may still decide it.
                      </p>
                    </Show>
                    {/* keyed: the next review gets a blank form, not the last one's choice and note */}
                    <Show when={review().decision_id} keyed>
                      {(_decisionId: string) => (
                        <DecisionForm detail={d()} onResolved={(text) => void next(text)} />
                      )}
                    </Show>
                  </Match>
                  <Match when={review().status === 'claimed'}>
                    <section class="panel">
                      <p class="state-title">Someone else is working on this review.</p>
                      <p class="muted">Claimed {formatDateTime(review().claimed_at)}.</p>
                    </section>
                  </Match>
                  <Match when={true}>
                    <section class="panel" aria-labelledby="claim-heading">
                      <header class="panel-header">
                        <h2 id="claim-heading">Not claimed yet</h2>
                      </header>
                      <p class="muted">Claim it so no one else works on it at the same time, then decide.</p>
                      <button
                        type="button"
                        class="button button-primary"
                        disabled={claiming()}
                        onClick={() => void claim()}
                      >
                        {claiming() ? 'Claiming…' : 'Claim this review'}
                      </button>
                    </section>
                  </Match>
                </Switch>
              </aside>
            </div>
          )
        }}
      </AsyncView>
    </>
  )
}

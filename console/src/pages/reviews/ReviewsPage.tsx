// The review desk's queue: what waits for a person, oldest first, with how long it has waited;
// "Claim next" takes the oldest and opens it, a row opens its decision screen.
import { A, useLocation, useNavigate, useSearchParams } from '@solidjs/router'
import { createResource, createSignal, For, onCleanup, Show } from 'solid-js'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView, Empty } from '../../components/states.tsx'
import { formatDateTime, formatMoney } from '../../lib/format.ts'
import { session } from '../../lib/session.ts'
import { claimNext, listReviews, type Review, type ReviewStatus } from './api.ts'
import { ageInWords, decisionLabels, statusLabels } from './words.ts'

const views: { value: '' | ReviewStatus; label: string }[] = [
  { value: '', label: 'Waiting' },
  { value: 'escalated', label: 'Escalated' },
  { value: 'open', label: 'Open' },
  { value: 'claimed', label: 'Claimed' },
  { value: 'resolved', label: 'Resolved' },
]

/** A clock for ages that move while the page is open. */
function useNow(everyMs = 30_000) {
  const [now, setNow] = createSignal(Date.now())
  const timer = setInterval(() => setNow(Date.now()), everyMs)
  onCleanup(() => clearInterval(timer))
  return now
}

export function StatusBadge(props: { review: Review }) {
  const escalated = () => props.review.status === 'escalated' || Boolean(props.review.escalated_at)
  return (
    <>
      <span class={`badge review-${props.review.status}`}>{statusLabels[props.review.status]}</span>
      <Show when={escalated() && props.review.status !== 'escalated'}>
        {' '}
        <span class="badge review-escalated" title={`Escalated ${formatDateTime(props.review.escalated_at)}`}>
          Escalated
        </span>
      </Show>
    </>
  )
}

export default function ReviewsPage() {
  const navigate = useNavigate()
  const [params, setParams] = useSearchParams<{ status?: string }>()
  const status = () => views.find((v) => v.value === params.status)?.value ?? ''
  const [reviews, { refetch }] = createResource(status, (s) => listReviews(s || undefined))
  const [claiming, setClaiming] = createSignal(false)
  const location = useLocation<{ resolved?: string }>()
  // after the last review of the queue is resolved, its decision screen sends us here with word of it
  const [notice, setNotice] = createSignal<string | null>(
    location.state?.resolved ? `${location.state.resolved} Nothing else is waiting.` : null,
  )
  const now = useNow()
  const me = () => session()?.user.id

  const takeNext = async () => {
    setClaiming(true)
    setNotice(null)
    try {
      const review = await claimNext()
      if (review) navigate(`/reviews/${encodeURIComponent(review.decision_id)}`)
      else {
        setNotice('Nothing is waiting: the queue is clear.')
        void refetch()
      }
    } catch (failure) {
      setNotice(failure instanceof Error ? failure.message : String(failure))
    } finally {
      setClaiming(false)
    }
  }
  const open = (review: Review) => navigate(`/reviews/${encodeURIComponent(review.decision_id)}`)

  return (
    <>
      <PageHeader
        title="Review desk"
        subtitle="Decisions the rules sent to a person. Claim one, read everything captured, and decide."
        actions={
          <>
            <button type="button" class="button" onClick={() => void refetch()}>
              Refresh
            </button>
            <button
              type="button"
              class="button button-primary"
              disabled={claiming()}
              onClick={() => void takeNext()}
            >
              {claiming() ? 'Claiming…' : 'Claim next'}
            </button>
          </>
        }
      />
      <div class="toolbar">
        <fieldset class="segmented">
          <legend class="visually-hidden">Show</legend>
          <For each={views}>
            {(view) => (
              <button
                type="button"
                class="segment"
                aria-pressed={status() === view.value}
                onClick={() => setParams({ status: view.value || undefined })}
              >
                {view.label}
              </button>
            )}
          </For>
        </fieldset>
      </div>
      <Show when={notice()}>
        {(text) => (
          <p class="alert alert-ok" role="status">
            {text()}
          </p>
        )}
      </Show>
      <AsyncView resource={reviews} retry={refetch} loadingRows={6}>
        {(list) => (
          <Show
            when={list().length > 0}
            fallback={
              <Empty title={status() === 'resolved' ? 'Nothing resolved yet' : 'Nothing waits for review'}>
                Decisions a rule sends to review appear here, oldest first.
              </Empty>
            }
          >
            <div class="table-wrap">
              <table class="table table-clickable" aria-label="Review queue">
                <thead>
                  <tr>
                    <th scope="col">Waiting</th>
                    <th scope="col">Decision</th>
                    <th scope="col">Amount</th>
                    <th scope="col">Customer</th>
                    <th scope="col">Why it is here</th>
                    <th scope="col">Status</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={list()}>
                    {(review) => (
                      <tr
                        data-testid={`review-${review.decision_id}`}
                        classList={{ 'row-escalated': review.status === 'escalated' }}
                        onClick={() => open(review)}
                      >
                        <td class="nowrap">
                          <Show
                            when={review.status !== 'resolved'}
                            fallback={<span class="muted">{formatDateTime(review.resolved_at)}</span>}
                          >
                            <span class="strong">{ageInWords(review.created_at, now())}</span>
                          </Show>
                          <span class="muted block">{formatDateTime(review.created_at)}</span>
                        </td>
                        <td class="mono">{review.decision_id}</td>
                        <td class="num nowrap">{formatMoney(review.amount)}</td>
                        <td>
                          <Show
                            when={review.merchant_customer_id ?? review.customer_id}
                            fallback={<span class="muted">unknown</span>}
                          >
                            <span class="mono">{review.merchant_customer_id}</span>
                            <Show when={review.customer_id}>
                              {(internal) => <span class="muted mono block">{internal()}</span>}
                            </Show>
                          </Show>
                        </td>
                        <td>
                          <For each={review.reasons}>
                            {(reason) => <span class="block">{reason.message}</span>}
                          </For>
                        </td>
                        <td class="nowrap">
                          <StatusBadge review={review} />
                          <Show when={review.status === 'claimed'}>
                            <span class="muted block">
                              {review.claimed_by === me() ? 'by you' : 'by someone else'}
                            </span>
                          </Show>
                          <Show when={review.resolution}>
                            {(r) => <span class="muted block">{decisionLabels[r()]}</span>}
                          </Show>
                        </td>
                        <td class="actions">
                          <A
                            class="button button-small"
                            href={`/reviews/${encodeURIComponent(review.decision_id)}`}
                            onClick={(event) => event.stopPropagation()}
                          >
                            {review.status === 'open' || review.status === 'escalated' ? 'Look' : 'Open'}
                          </A>
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        )}
      </AsyncView>
    </>
  )
}

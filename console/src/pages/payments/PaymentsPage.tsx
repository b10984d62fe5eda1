// Payments: every hold and direct charge, its state and amounts; open holds one click away. The
// filters live in the address, so back, reload and shared links keep them.
import { A, useNavigate, useSearchParams } from '@solidjs/router'
import { createEffect, createSignal, For, on, Show } from 'solid-js'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView, Empty } from '../../components/states.tsx'
import { formatDateTime, formatMoney, formatShortDateTime, maskedCard } from '../../lib/format.ts'
import { createPagedList } from '../../lib/paging.ts'
import { SearchActions } from '../../lib/submission.tsx'
import { type Payment, type PaymentSearch, searchPayments } from './api.ts'
import { PaymentStatusBadge } from './parts.tsx'
import { declineInWords, paymentKindLabel, paymentStatusLabel } from './words.ts'

const statuses = ['open', 'authorized', 'captured', 'voided', 'refunded', 'expired', 'failed', 'unknown']
const statusLabel = (status: string) =>
  status === 'open' ? 'Open (held or awaiting an answer)' : paymentStatusLabel(status)

interface Filters {
  q: string
  status: string
  kind: string
}

export default function PaymentsPage() {
  const navigate = useNavigate()
  const [params, setParams] = useSearchParams<Record<keyof Filters, string>>()
  const applied = (): Filters => ({ q: params.q ?? '', status: params.status ?? '', kind: params.kind ?? '' })
  const [draft, setDraft] = createSignal<Filters>(applied())
  createEffect(on(applied, (filters) => setDraft(filters), { defer: true }))
  const search = (filters: Filters): PaymentSearch => ({
    q: filters.q || undefined,
    status: filters.status || undefined,
    kind: filters.kind || undefined,
  })

  const { firstPage, refetch, more, cursor, loadingMore, loadMore } = createPagedList(
    applied,
    (filters, next) => searchPayments(next ? { ...search(filters), cursor: next } : search(filters)),
    (page): Payment[] => page.payments,
  )
  const submit = (event: SubmitEvent) => {
    event.preventDefault()
    const d = draft()
    setParams({ q: d.q.trim() || undefined, status: d.status || undefined, kind: d.kind || undefined })
    if (d.q.trim() === applied().q && d.status === applied().status && d.kind === applied().kind)
      void refetch()
  }
  const clear = () => {
    setDraft({ q: '', status: '', kind: '' })
    setParams({ q: undefined, status: undefined, kind: undefined })
  }
  const filtered = () => Boolean(applied().q || applied().status || applied().kind)

  return (
    <>
      <PageHeader
        title="Payments"
        subtitle="Holds and charges made through the payment gateway, newest first."
      />
      <search>
        <form class="filters" onSubmit={submit} aria-label="Search payments">
          <label class="field field-grow">
            <span class="field-label">Search</span>
            <input
              name="q"
              type="search"
              placeholder="Payment, gateway reference, session, decision or customer id"
              value={draft().q}
              onInput={(e) => setDraft((d) => ({ ...d, q: e.currentTarget.value }))}
            />
          </label>
          <label class="field">
            <span class="field-label">State</span>
            <select
              name="status"
              value={draft().status}
              onChange={(e) => setDraft((d) => ({ ...d, status: e.currentTarget.value }))}
            >
              <option value="">Any</option>
              <For each={statuses}>{(s) => <option value={s}>{statusLabel(s)}</option>}</For>
            </select>
          </label>
          <label class="field">
            <span class="field-label">Kind</span>
            <select
              name="kind"
              value={draft().kind}
              onChange={(e) => setDraft((d) => ({ ...d, kind: e.currentTarget.value }))}
            >
              <option value="">Any</option>
              <option value="hold">Hold</option>
              <option value="charge">Direct charge</option>
            </select>
          </label>
          <SearchActions filtered={filtered()} onClear={clear} />
        </form>
      </search>

      <AsyncView resource={firstPage} retry={refetch} loadingRows={6}>
        {(page) => (
          <Show
            when={page().payments.length > 0}
            fallback={
              <Empty title={filtered() ? 'No payments match these filters' : 'No payments yet'}>
                Payments appear here when an approved purchase or session places a hold or a charge.
              </Empty>
            }
          >
            <div class="table-wrap">
              <table class="table table-clickable" aria-label="Payments">
                <thead>
                  <tr>
                    <th scope="col">Created</th>
                    <th scope="col">State</th>
                    <th scope="col">Payment</th>
                    <th scope="col" class="num">
                      Held
                    </th>
                    <th scope="col" class="num">
                      Captured
                    </th>
                    <th scope="col" class="num">
                      Refunded
                    </th>
                    <th scope="col">Card</th>
                    <th scope="col">For</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={[...page().payments, ...more()]}>
                    {(p) => (
                      <tr
                        data-testid={`payment-${p.id}`}
                        onClick={() => navigate(`/payments/${encodeURIComponent(p.id)}`)}
                      >
                        <td class="nowrap" title={formatDateTime(p.created_at)}>
                          {formatShortDateTime(p.created_at)}
                        </td>
                        <td>
                          <div class="cell-lines">
                            <PaymentStatusBadge status={p.status} />
                            <Show when={declineInWords(p.failure_code)}>
                              {(why) => <span class="muted">{why()}</span>}
                            </Show>
                          </div>
                        </td>
                        <td>
                          <div class="cell-lines">
                            <A
                              href={`/payments/${encodeURIComponent(p.id)}`}
                              class="mono"
                              onClick={(e) => e.stopPropagation()}
                            >
                              {p.id}
                            </A>
                            <span class="muted">
                              {paymentKindLabel(p.kind)} · {p.gateway}
                            </span>
                          </div>
                        </td>
                        <td class="num nowrap">{p.kind === 'hold' ? formatMoney(p.authorized) : '—'}</td>
                        <td class="num nowrap">{formatMoney(p.captured)}</td>
                        <td class="num nowrap">{p.refunded.value ? formatMoney(p.refunded) : '—'}</td>
                        <td class="nowrap">{maskedCard(p.card)}</td>
                        <td>
                          <Show
                            when={p.session_id}
                            fallback={
                              <Show when={p.decision_id} fallback="—">
                                {(decision) => (
                                  <A
                                    href={`/decisions/${encodeURIComponent(decision())}`}
                                    onClick={(e) => e.stopPropagation()}
                                  >
                                    Purchase
                                  </A>
                                )}
                              </Show>
                            }
                          >
                            {(session) => (
                              <A
                                href={`/sessions/${encodeURIComponent(session())}`}
                                onClick={(e) => e.stopPropagation()}
                              >
                                Session
                              </A>
                            )}
                          </Show>
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
            <div class="pager">
              <span class="muted">
                {page().payments.length + more().length} shown{cursor() ? ', more available' : ''}
              </span>
              <Show when={cursor()}>
                <button type="button" class="button" onClick={loadMore} disabled={loadingMore()}>
                  {loadingMore() ? 'Loading…' : 'Load more'}
                </button>
              </Show>
            </div>
          </Show>
        )}
      </AsyncView>
    </>
  )
}

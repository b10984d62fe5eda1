// Sessions: the billable calls and web sessions, live ones first to hand, past ones with what they
// were charged. The view and search live in the address, so back, reload and shared links keep them.
import { A, useNavigate, useSearchParams } from '@solidjs/router'
import { createEffect, createResource, createSignal, For, on, Show } from 'solid-js'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView, Empty } from '../../components/states.tsx'
import { formatDateTime, formatMoney, formatSeconds, formatShortDateTime } from '../../lib/format.ts'
import { createPagedList } from '../../lib/paging.ts'
import { SearchActions } from '../../lib/submission.tsx'
import { PaymentStatusBadge } from '../payments/parts.tsx'
import { clock, sessionStatusLabel } from '../payments/words.ts'
import { type SessionSummary, searchSessions, sessionFilterChoices } from './api.ts'

const views = [
  { value: 'live', label: 'Live' },
  { value: 'past', label: 'Past' },
  { value: '', label: 'All' },
] as const

/** Time on the line so far (live) or billed (past). */
function durationOf(s: SessionSummary, now: number): string {
  if (s.status === 'live') {
    if (!s.billing_started_at) return 'Not yet connected'
    return `${clock((now - new Date(s.billing_started_at).getTime()) / 1000)} so far`
  }
  return s.billed_seconds === null ? '—' : formatSeconds(s.billed_seconds)
}

export default function SessionsPage() {
  const navigate = useNavigate()
  const [params, setParams] = useSearchParams<{
    status: string
    q: string
    representative_id: string
    service_line_id: string
  }>()
  const status = () => params.status ?? 'live'
  const applied = () => ({
    status: status(),
    q: params.q ?? '',
    representative_id: params.representative_id ?? '',
    service_line_id: params.service_line_id ?? '',
  })
  const query = (search: ReturnType<typeof applied>) => ({
    status: search.status || undefined,
    q: search.q || undefined,
    representative_id: search.representative_id || undefined,
    service_line_id: search.service_line_id || undefined,
  })
  // the filters' choices; without them (an older server, a failed read) the page still lists sessions
  const [choices] = createResource(() => sessionFilterChoices().catch(() => null))
  const [draft, setDraft] = createSignal(applied().q)
  createEffect(
    on(
      () => params.q,
      (q) => setDraft(q ?? ''),
      { defer: true },
    ),
  )

  const [now, setNow] = createSignal(Date.now())
  const { firstPage, refetch, more, cursor, loadingMore, loadMore } = createPagedList(
    applied,
    (search, next) => searchSessions(next ? { ...query(search), cursor: next } : query(search)),
    (page): SessionSummary[] => page.sessions,
    () => setNow(Date.now()),
  )
  const submit = (event: SubmitEvent) => {
    event.preventDefault()
    if (draft().trim() === (params.q ?? '')) void refetch()
    else setParams({ q: draft().trim() || undefined })
  }
  const clear = () => {
    setDraft('')
    setParams({ q: undefined, representative_id: undefined, service_line_id: undefined })
  }

  return (
    <>
      <PageHeader
        title="Sessions"
        subtitle="Billable calls and web sessions: who was on, for how long, and what it cost."
        actions={
          <button type="button" class="button" onClick={() => void refetch()}>
            Refresh
          </button>
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
                onClick={() => setParams({ status: view.value })}
              >
                {view.label}
              </button>
            )}
          </For>
        </fieldset>
      </div>
      <search>
        <form class="filters" onSubmit={submit} aria-label="Search sessions">
          <label class="field field-grow">
            <span class="field-label">Search</span>
            <input
              name="q"
              type="search"
              placeholder="Session, decision or customer id"
              value={draft()}
              onInput={(e) => setDraft(e.currentTarget.value)}
            />
          </label>
          <Show when={choices()}>
            {(c) => (
              <>
                <label class="field">
                  <span class="field-label">Representative</span>
                  <select
                    name="representative_id"
                    value={params.representative_id ?? ''}
                    onChange={(e) => setParams({ representative_id: e.currentTarget.value || undefined })}
                  >
                    <option value="">Anyone</option>
                    <For each={c().representatives}>{(r) => <option value={r.id}>{r.name}</option>}</For>
                  </select>
                </label>
                <label class="field">
                  <span class="field-label">Service line</span>
                  <select
                    name="service_line_id"
                    value={params.service_line_id ?? ''}
                    onChange={(e) => setParams({ service_line_id: e.currentTarget.value || undefined })}
                  >
                    <option value="">Any</option>
                    <For each={c().serviceLines}>{(l) => <option value={l.id}>{l.name}</option>}</For>
                  </select>
                </label>
              </>
            )}
          </Show>
          <SearchActions
            filtered={Boolean(params.q || params.representative_id || params.service_line_id)}
            onClear={clear}
          />
        </form>
      </search>

      <AsyncView resource={firstPage} retry={refetch} loadingRows={6}>
        {(page) => (
          <Show
            when={page().sessions.length > 0}
            fallback={
              <Empty title={status() === 'live' ? 'No session is live right now' : 'No sessions here'}>
                {status() === 'live'
                  ? 'A session appears here when a merchant or the phone line starts one.'
                  : 'Sessions appear here once callers have used a service line.'}
              </Empty>
            }
          >
            <div class="table-wrap">
              <table class="table table-clickable" aria-label="Sessions">
                <thead>
                  <tr>
                    <th scope="col">Started</th>
                    <th scope="col">Status</th>
                    <th scope="col">Session</th>
                    <th scope="col">Service line</th>
                    <th scope="col">Customer</th>
                    <th scope="col" class="num">
                      Representatives
                    </th>
                    <th scope="col" class="num">
                      Time billed
                    </th>
                    <th scope="col" class="num">
                      Hold
                    </th>
                    <th scope="col" class="num">
                      Charge
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={[...page().sessions, ...more()]}>
                    {(s) => (
                      <tr
                        data-testid={`session-${s.id}`}
                        onClick={() => navigate(`/sessions/${encodeURIComponent(s.id)}`)}
                      >
                        <td class="nowrap" title={formatDateTime(s.started_at)}>
                          {formatShortDateTime(s.started_at)}
                        </td>
                        <td>
                          <span class={`badge session-${s.status}`}>{sessionStatusLabel(s.status)}</span>
                        </td>
                        <td>
                          <div class="cell-lines">
                            <A
                              href={`/sessions/${encodeURIComponent(s.id)}`}
                              class="mono"
                              onClick={(e) => e.stopPropagation()}
                            >
                              {s.id}
                            </A>
                            <span class="muted">{s.channel}</span>
                          </div>
                        </td>
                        <td>{s.service_line.name ?? s.service_line.id}</td>
                        <td>{s.customer_id ?? '—'}</td>
                        <td class="num">{s.representatives}</td>
                        <td class="num nowrap">{durationOf(s, now())}</td>
                        <td class="num nowrap">
                          <div class="cell-lines">
                            <span>{formatMoney(s.hold)}</span>
                            <Show when={s.hold_status}>{(st) => <PaymentStatusBadge status={st()} />}</Show>
                          </div>
                        </td>
                        <td class="num nowrap">{formatMoney(s.charge)}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
            <div class="pager">
              <span class="muted">
                {page().sessions.length + more().length} shown{cursor() ? ', more available' : ''}
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

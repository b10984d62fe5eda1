// Decisions search: filters kept in the address (so back, reload and shared links keep them), a
// dense table, more pages on demand, and `/` to jump to the search box.
import { A, useNavigate, useSearchParams } from '@solidjs/router'
import { createEffect, createResource, createSignal, For, on, onCleanup, onMount, Show } from 'solid-js'
import { OutcomeBadge } from '../../components/OutcomeBadge.tsx'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView, Empty } from '../../components/states.tsx'
import {
  formatDateTime,
  formatMoney,
  formatMs,
  formatShortDateTime,
  fromLocalInput,
  maskedCard,
  outcomeLabels,
  outcomes,
  toLocalInput,
} from '../../lib/format.ts'
import { SearchActions } from '../../lib/submission.tsx'
import { type DecisionSearch, type DecisionSummary, searchDecisions } from './api.ts'

type Filters = Required<Pick<DecisionSearch, 'q' | 'outcome' | 'rule' | 'from' | 'to'>>
const filterKeys = ['q', 'outcome', 'rule', 'from', 'to'] as const

function isTyping(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))
  )
}

export default function DecisionsPage() {
  const navigate = useNavigate()
  const [params, setParams] = useSearchParams<Record<(typeof filterKeys)[number], string>>()
  const applied = (): Filters => ({
    q: params.q ?? '',
    outcome: params.outcome ?? '',
    rule: params.rule ?? '',
    from: params.from ?? '',
    to: params.to ?? '',
  })
  const [draft, setDraft] = createSignal<Filters>(applied())
  const update = (key: keyof Filters, value: string) => setDraft((d) => ({ ...d, [key]: value }))
  // back and forward change the address: the form follows it
  createEffect(on(applied, (filters) => setDraft(filters), { defer: true }))
  let searchInput: HTMLInputElement | undefined

  const [firstPage, { refetch }] = createResource(applied, (filters) =>
    searchDecisions({ ...filters }).then((page) => {
      setMore([])
      setCursor(page.next_cursor)
      return page
    }),
  )
  const [more, setMore] = createSignal<DecisionSummary[]>([])
  const [cursor, setCursor] = createSignal<string | null>(null)
  const [loadingMore, setLoadingMore] = createSignal(false)
  const [moreError, setMoreError] = createSignal<string | null>(null)

  const loadMore = async () => {
    const next = cursor()
    if (!next) return
    setLoadingMore(true)
    setMoreError(null)
    try {
      const page = await searchDecisions({ ...applied(), cursor: next })
      setMore((rows) => [...rows, ...page.decisions])
      setCursor(page.next_cursor)
    } catch (error) {
      setMoreError(error instanceof Error ? error.message : String(error))
    } finally {
      setLoadingMore(false)
    }
  }

  const submit = (event: SubmitEvent) => {
    event.preventDefault()
    const d = draft()
    const current = applied()
    // the same search again means "look again": the address does not change, so fetch anew
    if (
      filterKeys.every((key) => (key === 'q' || key === 'rule' ? d[key].trim() : d[key]) === current[key])
    ) {
      void refetch()
      return
    }
    setParams(
      {
        q: d.q.trim() || undefined,
        outcome: d.outcome || undefined,
        rule: d.rule.trim() || undefined,
        from: d.from || undefined,
        to: d.to || undefined,
      },
      { replace: false },
    )
  }
  const clear = () => {
    setDraft({ q: '', outcome: '', rule: '', from: '', to: '' })
    setParams({ q: undefined, outcome: undefined, rule: undefined, from: undefined, to: undefined })
    searchInput?.focus()
  }
  const filtered = () => filterKeys.some((key) => applied()[key])

  onMount(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target))
        return
      event.preventDefault()
      searchInput?.focus()
      searchInput?.select()
    }
    document.addEventListener('keydown', onKey)
    onCleanup(() => document.removeEventListener('keydown', onKey))
  })

  return (
    <>
      <PageHeader title="Decisions" subtitle="Every authorization the engine answered, newest first." />
      <search>
        <form class="filters" onSubmit={submit} aria-label="Search decisions">
          <label class="field field-grow">
            <span class="field-label">
              Search <kbd title="Press / to search from anywhere on this page">/</kbd>
            </span>
            <input
              ref={searchInput}
              name="q"
              type="search"
              placeholder="Decision id, customer, phone, e-mail or card last four"
              value={draft().q}
              onInput={(e) => update('q', e.currentTarget.value)}
            />
          </label>
          <label class="field">
            <span class="field-label">Outcome</span>
            <select
              name="outcome"
              value={draft().outcome}
              onChange={(e) => update('outcome', e.currentTarget.value)}
            >
              <option value="">Any</option>
              <For each={outcomes}>{(o) => <option value={o}>{outcomeLabels[o]}</option>}</For>
            </select>
          </label>
          <label class="field">
            <span class="field-label">Rule fired</span>
            <input
              name="rule"
              placeholder="rule id"
              value={draft().rule}
              onInput={(e) => update('rule', e.currentTarget.value)}
            />
          </label>
          <label class="field">
            <span class="field-label">From</span>
            <input
              name="from"
              type="datetime-local"
              value={toLocalInput(draft().from)}
              onInput={(e) => update('from', fromLocalInput(e.currentTarget.value) ?? '')}
            />
          </label>
          <label class="field">
            <span class="field-label">To</span>
            <input
              name="to"
              type="datetime-local"
              value={toLocalInput(draft().to)}
              onInput={(e) => update('to', fromLocalInput(e.currentTarget.value) ?? '')}
            />
          </label>
          <SearchActions filtered={filtered()} onClear={clear} />
        </form>
      </search>

      <AsyncView resource={firstPage} retry={refetch} loadingRows={8}>
        {(page) => (
          <Show
            when={page().decisions.length > 0}
            fallback={
              <Empty title={filtered() ? 'No decisions match these filters' : 'No decisions yet'}>
                {filtered()
                  ? 'Try a wider time range, another outcome, or part of the value you searched for.'
                  : 'Decisions appear here as soon as merchants send authorizations to the API.'}
              </Empty>
            }
          >
            <div class="table-wrap">
              <table class="table table-clickable" aria-label="Decisions">
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Outcome</th>
                    <th scope="col">Decision</th>
                    <th scope="col" class="num">
                      Amount
                    </th>
                    <th scope="col">Customer</th>
                    <th scope="col">Card</th>
                    <th scope="col">Rules fired</th>
                    <th scope="col">Version</th>
                    <th scope="col" class="num">
                      Time taken
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={[...page().decisions, ...more()]}>
                    {(d) => (
                      <tr onClick={() => navigate(`/decisions/${encodeURIComponent(d.id)}`)}>
                        <td class="nowrap" title={formatDateTime(d.created_at)}>
                          {formatShortDateTime(d.created_at)}
                        </td>
                        <td>
                          <OutcomeBadge outcome={d.outcome} />
                        </td>
                        <td>
                          <div class="cell-lines">
                            <A
                              href={`/decisions/${encodeURIComponent(d.id)}`}
                              class="mono"
                              onClick={(e) => e.stopPropagation()}
                            >
                              {d.id}
                            </A>
                            <span class="muted">
                              {d.kind} · {d.channel}
                            </span>
                          </div>
                        </td>
                        <td class="num nowrap">{formatMoney(d.amount)}</td>
                        <td>
                          <div class="cell-lines">
                            <span>{d.customer_ref ?? d.customer_id ?? '—'}</span>
                            <Show when={d.email ?? d.phone}>
                              {(contact) => <span class="muted">{contact()}</span>}
                            </Show>
                          </div>
                        </td>
                        <td class="nowrap">{maskedCard(d.card)}</td>
                        <td title={d.fired_rules.join(', ')}>
                          <Show when={d.fired_rules.length > 0} fallback={<span class="muted">none</span>}>
                            <span class="chips">
                              <For each={d.fired_rules.slice(0, 2)}>
                                {(rule) => <span class="chip">{rule}</span>}
                              </For>
                              <Show when={d.fired_rules.length > 2}>
                                <span class="muted">+{d.fired_rules.length - 2} more</span>
                              </Show>
                            </span>
                          </Show>
                        </td>
                        <td class="nowrap" title={d.rule_set?.id}>
                          {d.rule_set ? `v${d.rule_set.version}` : '—'}
                        </td>
                        <td class="num nowrap">{formatMs(d.evaluation_ms)}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
            <div class="pager">
              <span class="muted">
                {page().decisions.length + more().length} shown{cursor() ? ', more available' : ''}
              </span>
              <Show when={moreError()}>{(message) => <span class="error-text">{message()}</span>}</Show>
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

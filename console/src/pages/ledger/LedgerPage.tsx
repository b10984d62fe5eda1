// The ledger: first the balance check said plainly — "Balanced", or which transactions are off and
// by how much — with each currency's totals and each account's balance; then the entries, newest
// first, filtered by account, kind, currency or session.
import { useSearchParams } from '@solidjs/router'
import { createEffect, createResource, createSignal, For, on, Show } from 'solid-js'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView, Empty } from '../../components/states.tsx'
import { formatCount, formatDateTime, formatMoney } from '../../lib/format.ts'
import { createPagedList } from '../../lib/paging.ts'
import { SearchActions } from '../../lib/submission.tsx'
import type { LedgerEntry } from '../payments/api.ts'
import { LedgerEntriesTable } from '../payments/parts.tsx'
import { accountLabel, checkInWords } from '../payments/words.ts'
import { type LedgerSearch, readCheck, searchEntries } from './api.ts'

const filterKeys = ['account', 'kind', 'currency', 'session_id'] as const
type Filters = Record<(typeof filterKeys)[number], string>

function CheckPanel() {
  const [check, { refetch }] = createResource(readCheck)
  return (
    <section class="panel" aria-labelledby="ledger-check">
      <header class="panel-header">
        <h2 id="ledger-check">Balance check</h2>
        <button type="button" class="button button-small" onClick={() => void refetch()}>
          Check again
        </button>
      </header>
      <AsyncView resource={check} retry={refetch} loadingRows={3}>
        {(c) => (
          <>
            <div
              class="ledger-check"
              classList={{ 'ledger-check-ok': c().balanced, 'ledger-check-off': !c().balanced }}
              role="status"
              data-testid="ledger-check"
            >
              <span class="ledger-check-verdict">{c().balanced ? 'Balanced' : 'Not balanced'}</span>
              <span>{checkInWords(c())}</span>
              <span class="muted">Checked {formatDateTime(c().checked_at)}</span>
            </div>
            <Show when={c().unbalanced_transactions.length > 0}>
              <table class="table table-compact" aria-label="Transactions that do not balance">
                <thead>
                  <tr>
                    <th scope="col">Transaction</th>
                    <th scope="col">Written</th>
                    <th scope="col" class="num">
                      Debits
                    </th>
                    <th scope="col" class="num">
                      Credits
                    </th>
                    <th scope="col" class="num">
                      Off by
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={c().unbalanced_transactions}>
                    {(t) => (
                      <tr data-testid="unbalanced-transaction">
                        <td class="mono">{t.transaction_id}</td>
                        <td>{formatDateTime(t.at)}</td>
                        <td class="num">{formatMoney({ value: t.debits, currency: t.currency })}</td>
                        <td class="num">{formatMoney({ value: t.credits, currency: t.currency })}</td>
                        <td class="num strong">
                          {formatMoney({ value: t.difference, currency: t.currency })}
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </Show>
            <div class="dashboard-grid">
              <table class="table table-compact" aria-label="Totals per currency">
                <thead>
                  <tr>
                    <th scope="col">Currency</th>
                    <th scope="col" class="num">
                      Debits
                    </th>
                    <th scope="col" class="num">
                      Credits
                    </th>
                    <th scope="col" class="num">
                      Transactions
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={c().currencies}>
                    {(t) => (
                      <tr>
                        <td>{t.currency}</td>
                        <td class="num">{formatMoney({ value: t.debits, currency: t.currency })}</td>
                        <td class="num">{formatMoney({ value: t.credits, currency: t.currency })}</td>
                        <td class="num">{formatCount(t.transactions)}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
              <table class="table table-compact" aria-label="Account balances">
                <thead>
                  <tr>
                    <th scope="col">Account</th>
                    <th scope="col" class="num">
                      Balance (debits − credits)
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={c().accounts}>
                    {(a) => (
                      <tr>
                        <td title={a.account}>{accountLabel(a.account)}</td>
                        <td class="num">{formatMoney({ value: a.balance, currency: a.currency })}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </>
        )}
      </AsyncView>
    </section>
  )
}

export default function LedgerPage() {
  const [params, setParams] = useSearchParams<Filters>()
  const applied = (): Filters => ({
    account: params.account ?? '',
    kind: params.kind ?? '',
    currency: params.currency ?? '',
    session_id: params.session_id ?? '',
  })
  const [draft, setDraft] = createSignal<Filters>(applied())
  createEffect(on(applied, (filters) => setDraft(filters), { defer: true }))
  const search = (filters: Filters): LedgerSearch =>
    Object.fromEntries(filterKeys.map((key) => [key, filters[key].trim() || undefined])) as LedgerSearch

  const { firstPage, refetch, more, cursor, loadingMore, loadMore } = createPagedList(
    applied,
    (filters, next) => searchEntries(next ? { ...search(filters), cursor: next } : search(filters)),
    (page): LedgerEntry[] => page.entries,
  )
  const submit = (event: SubmitEvent) => {
    event.preventDefault()
    const d = draft()
    if (filterKeys.every((key) => d[key].trim() === applied()[key])) void refetch()
    else setParams(Object.fromEntries(filterKeys.map((key) => [key, d[key].trim() || undefined])))
  }
  const clear = () => {
    setDraft({ account: '', kind: '', currency: '', session_id: '' })
    setParams({ account: undefined, kind: undefined, currency: undefined, session_id: undefined })
  }
  const filtered = () => filterKeys.some((key) => applied()[key])
  const field = (key: keyof Filters, label: string, placeholder: string) => (
    <label class="field">
      <span class="field-label">{label}</span>
      <input
        name={key}
        placeholder={placeholder}
        value={draft()[key]}
        onInput={(e) => {
          const value = e.currentTarget.value
          setDraft((d) => ({ ...d, [key]: value }))
        }}
      />
    </label>
  )

  return (
    <>
      <PageHeader
        title="Ledger"
        subtitle="Every money movement as double-entry lines that are only ever added, never changed."
      />
      <div class="stack">
        <CheckPanel />
        <section class="panel" aria-labelledby="ledger-entries">
          <header class="panel-header">
            <h2 id="ledger-entries">Entries</h2>
          </header>
          <search>
            <form class="filters" onSubmit={submit} aria-label="Filter ledger entries">
              {field('account', 'Account', 'e.g. holds')}
              {field('kind', 'Kind', 'hold, capture, refund…')}
              {field('currency', 'Currency', 'USD')}
              {field('session_id', 'Session', 'session id')}
              <SearchActions filtered={filtered()} onClear={clear} />
            </form>
          </search>
          <AsyncView resource={firstPage} retry={refetch} loadingRows={8}>
            {(page) => (
              <Show
                when={page().entries.length > 0}
                fallback={
                  <Empty title={filtered() ? 'No entries match these filters' : 'No entries yet'}>
                    Entries are written for every hold, capture, release, refund and representative’s pay.
                  </Empty>
                }
              >
                <LedgerEntriesTable entries={[...page().entries, ...more()]} links />
                <div class="pager">
                  <span class="muted">
                    {page().entries.length + more().length} shown{cursor() ? ', more available' : ''}
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
        </section>
      </div>
    </>
  )
}

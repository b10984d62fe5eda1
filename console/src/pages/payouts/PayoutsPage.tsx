// Payouts (analysts and above): what each representative earned in a period of days, per currency,
// with the legs and time it was for, and the same report as a CSV file for payroll.
import { A, useSearchParams } from '@solidjs/router'
import { createEffect, createResource, createSignal, For, Show } from 'solid-js'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView, Empty } from '../../components/states.tsx'
import { formatCount, formatDateTime, formatMoney, formatSeconds } from '../../lib/format.ts'
import { listRepresentatives } from '../representatives/api.ts'
import { type PayoutQuery, payoutsCsvUrl, readPayouts } from './api.ts'

type Params = { from: string; to: string; representative: string }

export default function PayoutsPage() {
  const [params, setParams] = useSearchParams<Params>()
  // the address holds the period, so a report can be bookmarked or sent to a colleague
  const query = (): PayoutQuery => ({
    ...(params.from ? { from: params.from } : {}),
    ...(params.to ? { to: params.to } : {}),
    ...(params.representative ? { representative_id: params.representative } : {}),
  })
  const [report, { refetch }] = createResource(query, readPayouts)
  const [representatives] = createResource(() => listRepresentatives(true))
  const [draft, setDraft] = createSignal<Params>({ from: '', to: '', representative: '' })

  // the first report says which period the server chose (this month so far); the picker shows it
  createEffect(() => {
    if (report.state !== 'ready') return
    const shown = report()
    setDraft((d) => ({
      from: d.from || shown.from,
      to: d.to || shown.to,
      representative: d.representative || (params.representative ?? ''),
    }))
  })

  const submit = (event: SubmitEvent) => {
    event.preventDefault()
    setParams({
      from: draft().from || undefined,
      to: draft().to || undefined,
      representative: draft().representative || undefined,
    })
  }
  const csvUrl = () => payoutsCsvUrl(query())

  return (
    <>
      <PageHeader
        title="Payouts"
        subtitle="What representatives earned from settled sessions, by period. Days are in the workspace’s time zone."
        actions={
          <a class="button" href={csvUrl()} download="" data-testid="payouts-csv">
            Download CSV
          </a>
        }
      />
      <search>
        <form class="filters" onSubmit={submit} aria-label="Payout period">
          <label class="field">
            <span class="field-label">From</span>
            <input
              name="from"
              type="date"
              value={draft().from}
              onInput={(e) => setDraft((d) => ({ ...d, from: e.currentTarget.value }))}
            />
          </label>
          <label class="field">
            <span class="field-label">To (included)</span>
            <input
              name="to"
              type="date"
              value={draft().to}
              onInput={(e) => setDraft((d) => ({ ...d, to: e.currentTarget.value }))}
            />
          </label>
          <label class="field">
            <span class="field-label">Representative</span>
            <select
              name="representative"
              value={draft().representative}
              onChange={(e) => setDraft((d) => ({ ...d, representative: e.currentTarget.value }))}
            >
              <option value="">Everyone</option>
              <For each={representatives.state === 'ready' ? representatives() : []}>
                {(r) => (
                  <option value={r.id}>
                    {r.name} ({r.extension})
                  </option>
                )}
              </For>
            </select>
          </label>
          <div class="filter-actions">
            <button type="submit" class="button button-primary">
              Show
            </button>
          </div>
        </form>
      </search>
      <AsyncView resource={report} retry={refetch}>
        {(r) => (
          <Show
            when={r().lines.length > 0}
            fallback={
              <Empty title="No pay in this period">
                Pay is added when a session a representative answered is settled.
              </Empty>
            }
          >
            <div class="table-wrap">
              <table class="table" aria-label="Payouts">
                <thead>
                  <tr>
                    <th scope="col">Representative</th>
                    <th scope="col">Extension</th>
                    <th scope="col" class="num">
                      Sessions answered
                    </th>
                    <th scope="col" class="num">
                      Time
                    </th>
                    <th scope="col" class="num">
                      Pay
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={r().lines}>
                    {(line) => (
                      <tr data-testid="payout-line">
                        <td>{line.name}</td>
                        <td class="mono">{line.extension}</td>
                        <td class="num">{formatCount(line.legs)}</td>
                        <td class="num">{formatSeconds(line.seconds)}</td>
                        <td class="num">{formatMoney({ value: line.amount, currency: line.currency })}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
                <tfoot>
                  <For each={r().totals}>
                    {(total) => (
                      <tr data-testid="payout-total">
                        <th scope="row" colSpan={2}>
                          Total in {total.currency}
                        </th>
                        <td class="num">{formatCount(total.legs)}</td>
                        <td class="num">{formatSeconds(total.seconds)}</td>
                        <td class="num">
                          <strong>{formatMoney({ value: total.amount, currency: total.currency })}</strong>
                        </td>
                      </tr>
                    )}
                  </For>
                </tfoot>
              </table>
            </div>
            <Show when={r().accruals.length > 0}>
              <section class="panel" aria-labelledby="payout-sessions">
                <header class="panel-header">
                  <h2 id="payout-sessions">Sessions in this period</h2>
                </header>
                <div class="table-wrap">
                  <table class="table" aria-label="Sessions paid for">
                    <thead>
                      <tr>
                        <th scope="col">Settled</th>
                        <th scope="col">Session</th>
                        <th scope="col">Pay plan</th>
                        <th scope="col" class="num">
                          Time
                        </th>
                        <th scope="col" class="num">
                          Pay
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      <For each={r().accruals}>
                        {(accrual) => (
                          <tr data-testid="payout-accrual">
                            <td class="nowrap">{formatDateTime(accrual.accrued_at)}</td>
                            <td class="mono">
                              <A href={`/sessions/${encodeURIComponent(accrual.session_id)}`}>
                                {accrual.session_id}
                              </A>
                            </td>
                            <td>{accrual.pay_plan === 'share' ? 'Share of billing' : 'Per minute'}</td>
                            <td class="num">{formatSeconds(accrual.seconds)}</td>
                            <td class="num">
                              {formatMoney({ value: accrual.amount, currency: accrual.currency })}
                            </td>
                          </tr>
                        )}
                      </For>
                    </tbody>
                  </table>
                </div>
              </section>
            </Show>
          </Show>
        )}
      </AsyncView>
    </>
  )
}

// Take rates: how often customers accepted the offers made to them, by offer, by customer segment
// and by channel — all time, or for the offers made between two days — with what the accepted
// offers brought in. A chart to compare, a table with the numbers.
import { useSearchParams } from '@solidjs/router'
import { createResource, createSignal, For, Show } from 'solid-js'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView, Empty } from '../../components/states.tsx'
import { formatCount, formatMoney, formatPercent } from '../../lib/format.ts'
import { channelLabels, segmentLabel } from '../offers/words.ts'
import '../offers/offers.css'
import { readTakeRates, type TakeRateGroup, type TakeRates } from './api.ts'
import { TakeRateChart } from './TakeRateChart.tsx'

type GroupBy = 'offer' | 'segment' | 'channel'
const groupLabels: Record<GroupBy, string> = {
  offer: 'Offer',
  segment: 'Customer segment',
  channel: 'Channel',
}

const groupsOf = (rates: TakeRates, by: GroupBy) =>
  by === 'offer' ? rates.by_offer : by === 'segment' ? rates.by_segment : rates.by_channel

function labelOf(by: GroupBy) {
  return (group: TakeRateGroup) =>
    by === 'segment'
      ? segmentLabel(group.key)
      : by === 'channel'
        ? (channelLabels[group.key] ?? group.key)
        : group.label
}

const revenueText = (group: TakeRateGroup) =>
  group.revenue.length
    ? group.revenue.map((r) => formatMoney({ value: r.amount, currency: r.currency })).join(' + ')
    : '—'

export default function TakeRatesPage() {
  const [query, setQuery] = useSearchParams<{ offer?: string; from?: string; to?: string; by?: string }>()
  const by = (): GroupBy => (query.by === 'segment' || query.by === 'channel' ? query.by : 'offer')
  const [from, setFrom] = createSignal(query.from ?? '')
  const [to, setTo] = createSignal(query.to ?? '')
  const [rates, { refetch }] = createResource(
    () => ({ from: query.from, to: query.to, offer_id: query.offer }),
    (search) => readTakeRates(search),
  )
  const period = () => (query.from && query.to ? `Offers made ${query.from} to ${query.to}` : 'All time')

  return (
    <>
      <PageHeader
        title="Take rates"
        subtitle="How often customers accepted the offers made to them, and what the accepted offers brought in."
      />
      <form
        class="filters"
        aria-label="Which offers made"
        onSubmit={(e) => {
          e.preventDefault()
          setQuery({ from: from() || undefined, to: to() || undefined })
        }}
      >
        <label class="field">
          <span class="field-label">From</span>
          <input type="date" name="from" value={from()} onInput={(e) => setFrom(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span class="field-label">To</span>
          <input type="date" name="to" value={to()} onInput={(e) => setTo(e.currentTarget.value)} />
        </label>
        <button type="submit" class="button">
          Show
        </button>
        <Show when={query.from || query.to || query.offer}>
          <button
            type="button"
            class="button button-quiet"
            onClick={() => {
              setFrom('')
              setTo('')
              setQuery({ from: undefined, to: undefined, offer: undefined })
            }}
          >
            All time, every offer
          </button>
        </Show>
        <label class="field">
          <span class="field-label">Compare by</span>
          <select name="by" value={by()} onChange={(e) => setQuery({ by: e.currentTarget.value })}>
            <For each={Object.keys(groupLabels) as GroupBy[]}>
              {(key) => <option value={key}>{groupLabels[key]}</option>}
            </For>
          </select>
        </label>
      </form>
      <AsyncView resource={rates} retry={refetch}>
        {(r) => (
          <Show
            when={groupsOf(r(), by()).length > 0}
            fallback={<Empty title="No offers made yet">{period()}: nothing to compare.</Empty>}
          >
            <section class="panel take-rate-panel" aria-labelledby="take-rate-title">
              <header class="panel-header">
                <h2 id="take-rate-title">Accepted, by {groupLabels[by()].toLowerCase()}</h2>
                <span class="muted">{period()}</span>
              </header>
              <TakeRateChart
                groups={groupsOf(r(), by())}
                label={labelOf(by())}
                summary={`Take rate by ${groupLabels[by()].toLowerCase()}: ${groupsOf(r(), by())
                  .map((g) => `${labelOf(by())(g)} ${formatPercent(g.take_rate ?? 0)}`)
                  .join(', ')}`}
              />
            </section>
            <div class="table-wrap">
              <table class="table" aria-label="Take rates">
                <thead>
                  <tr>
                    <th scope="col">{groupLabels[by()]}</th>
                    <th scope="col">Offers made</th>
                    <th scope="col">Accepted</th>
                    <th scope="col">Declined</th>
                    <th scope="col">Lapsed</th>
                    <th scope="col">Take rate</th>
                    <th scope="col">Brought in</th>
                    <th scope="col">Held out to measure</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={groupsOf(r(), by())}>
                    {(group) => (
                      <tr data-testid={`take-rate-${group.key}`}>
                        <td>{labelOf(by())(group)}</td>
                        <td>{formatCount(group.presented)}</td>
                        <td>{formatCount(group.accepted)}</td>
                        <td>{formatCount(group.declined)}</td>
                        <td>{formatCount(group.expired)}</td>
                        <td>{group.take_rate === null ? '—' : formatPercent(group.take_rate)}</td>
                        <td>{revenueText(group)}</td>
                        <td>{formatCount(group.control)}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
            <p class="muted">
              “Held out to measure” counts customers who were chosen for an offer but not shown it, so the
              offer's effect can be measured against them.
            </p>
          </Show>
        )}
      </AsyncView>
    </>
  )
}

// Offers: the catalog of what may be offered to customers during a purchase, a call or a campaign —
// its price, where it is offered, what is left in stock, and how often a customer may hear it.
// Everyone reads; editors add offers here and manage each one on its own page.
import { A, useNavigate } from '@solidjs/router'
import { createSignal, For, Show } from 'solid-js'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView, Empty } from '../../components/states.tsx'
import { formatMoney } from '../../lib/format.ts'
import { createPagedList } from '../../lib/paging.ts'
import { can } from '../../lib/session.ts'
import { SearchActions } from '../../lib/submission.tsx'
import { listOffers, type OfferSearch } from './api.ts'
import { OfferForm } from './OfferForm.tsx'
import { channelList, contactPolicyText, stockText } from './words.ts'

export default function OffersPage() {
  const navigate = useNavigate()
  const [showArchived, setShowArchived] = createSignal(false)
  const [text, setText] = createSignal('')
  const [search, setSearch] = createSignal('')
  const [adding, setAdding] = createSignal(false)
  const filters = (): OfferSearch => ({ status: showArchived() ? 'all' : 'active', q: search() || undefined })
  const { firstPage, refetch, more, cursor, loadingMore, loadMore } = createPagedList(
    filters,
    listOffers,
    (page) => page.offers,
  )

  return (
    <>
      <PageHeader
        title="Offers"
        subtitle="What customers may be offered during a purchase, a call or a campaign: the price, where it is offered, stock, and how often a customer may hear it."
        actions={
          <Show when={can('editor') && !adding()}>
            <button type="button" class="button button-primary" onClick={() => setAdding(true)}>
              Add offer
            </button>
          </Show>
        }
      />
      <Show when={adding()}>
        <OfferForm
          onCancel={() => setAdding(false)}
          onSaved={(offer) => navigate(`/offers/${encodeURIComponent(offer.id)}?added=1`)}
        />
      </Show>
      <search>
        <form
          class="filters"
          aria-label="Find offers"
          onSubmit={(e) => {
            e.preventDefault()
            setSearch(text().trim())
          }}
        >
          <label class="field field-grow">
            <span class="field-label">Find an offer</span>
            <input
              type="search"
              name="q"
              placeholder="Name or product code"
              value={text()}
              onInput={(e) => setText(e.currentTarget.value)}
            />
          </label>
          <label class="field-check">
            <input
              type="checkbox"
              checked={showArchived()}
              onChange={(e) => setShowArchived(e.currentTarget.checked)}
            />
            <span>Show archived offers</span>
          </label>
          <SearchActions
            filtered={Boolean(search())}
            onClear={() => {
              setText('')
              setSearch('')
            }}
          />
        </form>
      </search>
      <AsyncView resource={firstPage} retry={refetch}>
        {(page) => (
          <Show
            when={page().offers.length > 0}
            fallback={<Empty title={search() ? 'No offer matches' : 'No offers yet'} />}
          >
            <div class="table-wrap">
              <table class="table" aria-label="Offers">
                <thead>
                  <tr>
                    <th scope="col">Offer</th>
                    <th scope="col">Price</th>
                    <th scope="col">Offered in</th>
                    <th scope="col">Stock</th>
                    <th scope="col">How often</th>
                    <th scope="col">Status</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={[...page().offers, ...more()]}>
                    {(offer) => (
                      <tr
                        classList={{ 'row-disabled': offer.status === 'archived' }}
                        data-testid={`offer-${offer.sku}`}
                      >
                        <td>
                          <A href={`/offers/${encodeURIComponent(offer.id)}`}>
                            <strong>{offer.name}</strong>
                          </A>
                          <div class="muted mono">{offer.sku}</div>
                        </td>
                        <td class="nowrap">
                          {formatMoney({ value: offer.price, currency: offer.currency })}
                        </td>
                        <td>{channelList(offer.channels)}</td>
                        <td>{stockText(offer)}</td>
                        <td>{contactPolicyText(offer)}</td>
                        <td>
                          <span
                            class={`badge ${offer.status === 'active' ? 'status-active' : 'status-disabled'}`}
                          >
                            {offer.status === 'active' ? 'Offered' : 'Archived'}
                          </span>
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
            <Show when={cursor()}>
              <button type="button" class="button" disabled={loadingMore()} onClick={() => void loadMore()}>
                {loadingMore() ? 'Loading…' : 'Load more'}
              </button>
            </Show>
          </Show>
        )}
      </AsyncView>
    </>
  )
}

// The form that adds an offer to the catalog or changes one: what it is and costs, where it may be
// offered, how its stock is kept, and how often a customer may hear it. Prices are typed in the
// currency; the server keeps minor units and names any field it refuses.
import { createSignal, For, Show } from 'solid-js'
import { amountText, parseAmount } from '../../lib/money.ts'
import { createSubmission, FieldNote, FormProblem, SubmitActions, TextField } from '../../lib/submission.tsx'
import { createOffer, type NewOffer, type Offer, updateOffer } from './api.ts'
import { channelLabels, stockModeLabels } from './words.ts'

const channels = ['web', 'phone', 'call_out', 'email', 'chat', 'video'] as const
type Channel = (typeof channels)[number]
type StockMode = NewOffer['stock_mode']

interface Draft {
  sku: string
  name: string
  description: string
  currency: string
  price: string
  value: string
  tags: string
  channels: Channel[]
  stockMode: NonNullable<StockMode>
  openingStock: string
  most: string
  windowDays: string
  cooldownDays: string
  heldMinutes: string
}

const blank: Draft = {
  sku: '',
  name: '',
  description: '',
  currency: 'USD',
  price: '',
  value: '',
  tags: '',
  channels: ['web', 'phone'],
  stockMode: 'tracked',
  openingStock: '0',
  most: '',
  windowDays: '',
  cooldownDays: '',
  heldMinutes: '15',
}

function draftOf(offer: Offer): Draft {
  return {
    sku: offer.sku,
    name: offer.name,
    description: offer.description,
    currency: offer.currency,
    price: amountText(offer.price, offer.currency),
    value: offer.value === null ? '' : amountText(offer.value, offer.currency),
    tags: offer.tags.join(', '),
    channels: [...offer.channels],
    stockMode: offer.stock_mode,
    openingStock: String(offer.stock_on_hand),
    most: offer.max_offers_per_customer === null ? '' : String(offer.max_offers_per_customer),
    windowDays: offer.window_days === null ? '' : String(offer.window_days),
    cooldownDays: offer.decline_cooldown_days === null ? '' : String(offer.decline_cooldown_days),
    heldMinutes: String(offer.reservation_seconds / 60),
  }
}

/** A whole number typed in a box: null when empty, NaN when it is not one (the server names the field). */
function wholeOrNull(text: string): number | null {
  const trimmed = text.trim()
  if (trimmed === '') return null
  return /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN
}

export function OfferForm(props: { offer?: Offer; onSaved: (offer: Offer) => void; onCancel: () => void }) {
  const [draft, setDraft] = createSignal<Draft>(props.offer ? draftOf(props.offer) : { ...blank })
  const [localErrors, setLocalErrors] = createSignal<Record<string, string>>({})
  const { pending, error, run, fieldError } = createSubmission()
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }))
  const problem = (field: string) => localErrors()[field] ?? fieldError(field)
  const channelProblem = () =>
    problem('channels') ?? channels.map((_, i) => fieldError(`channels.${i}`)).find(Boolean)
  const tagProblem = () =>
    problem('tags') ?? [0, 1, 2, 3, 4, 5].map((i) => fieldError(`tags.${i}`)).find(Boolean)
  const title = props.offer ? `Change ${props.offer.name}` : 'Add an offer'
  const toggleChannel = (channel: Channel, on: boolean) =>
    set('channels', on ? [...draft().channels, channel] : draft().channels.filter((c) => c !== channel))

  const submit = (event: SubmitEvent) => {
    event.preventDefault()
    const d = draft()
    const currency = d.currency.trim().toUpperCase()
    const errors: Record<string, string> = {}
    const amount = (field: string, text: string, required: boolean): number | null => {
      const minor = parseAmount(text, currency)
      if (minor === undefined || (minor !== null && minor < 0))
        errors[field] = `Type an amount in ${currency}, such as ${amountText(1999, currency)}`
      else if (minor === null && required) errors[field] = 'Required'
      return minor ?? null
    }
    const price = amount('price', d.price, true)
    const value = amount('value', d.value, false)
    const minutes = Number(d.heldMinutes.trim())
    if (!(minutes > 0) || !Number.isInteger(minutes * 60))
      errors.reservation_seconds = 'Minutes, such as 15 or 0.5'
    setLocalErrors(errors)
    if (Object.keys(errors).length) return
    const fields = {
      name: d.name.trim(),
      description: d.description.trim(),
      currency,
      price: price ?? 0,
      value,
      tags: d.tags
        .split(',')
        .map((tag) => tag.trim())
        .filter(Boolean),
      channels: channels.filter((c) => d.channels.includes(c)),
      stock_mode: d.stockMode,
      max_offers_per_customer: wholeOrNull(d.most),
      window_days: wholeOrNull(d.windowDays),
      decline_cooldown_days: wholeOrNull(d.cooldownDays),
      reservation_seconds: Math.round(minutes * 60),
    }
    void run(async () => {
      const saved = props.offer
        ? await updateOffer(props.offer.id, fields)
        : await createOffer({
            ...fields,
            sku: d.sku.trim(),
            ...(d.stockMode === 'tracked' ? { stock_on_hand: wholeOrNull(d.openingStock) ?? 0 } : {}),
          })
      props.onSaved(saved)
    })
  }

  return (
    <form class="panel form-panel" onSubmit={submit} aria-labelledby="offer-form">
      <header class="panel-header">
        <h2 id="offer-form">{title}</h2>
      </header>
      <FormProblem error={error()} />
      <div class="form-grid">
        <TextField
          label="Name"
          name="name"
          required
          maxLength={200}
          value={draft().name}
          onInput={(value) => set('name', value)}
          error={problem('name')}
          hint="What customers hear and read."
        />
        <Show
          when={!props.offer}
          fallback={
            <div class="field">
              <span class="field-label">Product code (SKU)</span>
              <span class="mono">{draft().sku}</span>
              <span class="field-hint">Rules name the offer by it, so it cannot change.</span>
            </div>
          }
        >
          <TextField
            label="Product code (SKU)"
            name="sku"
            required
            maxLength={64}
            value={draft().sku}
            onInput={(value) => set('sku', value)}
            error={problem('sku')}
            hint="Rules name the offer by it, such as gift-card-25. It cannot change later."
          />
        </Show>
        <TextField
          label="Description"
          name="description"
          wide
          maxLength={1000}
          value={draft().description}
          onInput={(value) => set('description', value)}
          error={problem('description')}
          hint="For staff and the merchant's pages (optional)."
        />
        <TextField
          label="Currency"
          name="currency"
          required
          maxLength={3}
          value={draft().currency}
          onInput={(value) => set('currency', value.toUpperCase())}
          error={problem('currency')}
          hint="Three letters, such as USD."
        />
        <TextField
          label="Price"
          name="price"
          inputMode="decimal"
          required
          value={draft().price}
          onInput={(value) => set('price', value)}
          error={problem('price')}
          hint={`In ${draft().currency || 'the currency'}; held on the customer's card when offered.`}
        />
        <TextField
          label="Worth to us"
          name="value"
          inputMode="decimal"
          value={draft().value}
          onInput={(value) => set('value', value)}
          error={problem('value')}
          hint="The margin, used to rank offers; leave empty to use the price."
        />
        <TextField
          label="Tags"
          name="tags"
          value={draft().tags}
          onInput={(value) => set('tags', value)}
          error={tagProblem()}
          hint="Separated by commas, such as gift, upsell. Rules may name a tag instead of the code."
        />
        <fieldset class="field field-wide">
          <legend class="field-label">Offered in</legend>
          <div class="checkbox-row">
            <For each={channels}>
              {(channel) => (
                <label class="field-check">
                  <input
                    type="checkbox"
                    name="channels"
                    value={channel}
                    checked={draft().channels.includes(channel)}
                    onChange={(e) => toggleChannel(channel, e.currentTarget.checked)}
                  />
                  <span>{channelLabels[channel]}</span>
                </label>
              )}
            </For>
          </div>
          <FieldNote message={channelProblem()} />
        </fieldset>
        <label class="field">
          <span class="field-label">Stock</span>
          <select
            name="stock_mode"
            value={draft().stockMode}
            onChange={(e) => set('stockMode', e.currentTarget.value as Draft['stockMode'])}
          >
            <option value="tracked">{stockModeLabels.tracked}</option>
            <option value="unlimited">{stockModeLabels.unlimited} (services, information)</option>
            <option value="provider">{stockModeLabels.provider}</option>
          </select>
          <FieldNote message={problem('stock_mode')} />
        </label>
        <Show when={!props.offer && draft().stockMode === 'tracked'}>
          <TextField
            label="Units in stock"
            name="stock_on_hand"
            inputMode="numeric"
            value={draft().openingStock}
            onInput={(value) => set('openingStock', value)}
            error={problem('stock_on_hand')}
            hint="Later, use Adjust stock with a reason."
          />
        </Show>
        <TextField
          label="At most this many offers per customer"
          name="max_offers_per_customer"
          inputMode="numeric"
          value={draft().most}
          onInput={(value) => set('most', value)}
          error={problem('max_offers_per_customer')}
          hint="Leave both empty for no limit."
        />
        <TextField
          label="Within (days)"
          name="window_days"
          inputMode="numeric"
          value={draft().windowDays}
          onInput={(value) => set('windowDays', value)}
          error={problem('window_days')}
        />
        <TextField
          label="After a no, wait (days)"
          name="decline_cooldown_days"
          inputMode="numeric"
          value={draft().cooldownDays}
          onInput={(value) => set('cooldownDays', value)}
          error={problem('decline_cooldown_days')}
          hint="Before offering it to that customer again; empty for no wait."
        />
        <TextField
          label="Held for (minutes)"
          name="reservation_seconds"
          inputMode="decimal"
          value={draft().heldMinutes}
          onInput={(value) => set('heldMinutes', value)}
          error={problem('reservation_seconds')}
          hint="How long an offer keeps its unit and the customer's card hold before it lapses."
        />
      </div>
      <SubmitActions
        pending={pending()}
        label={props.offer ? 'Save changes' : 'Add offer'}
        pendingLabel="Saving…"
        onCancel={() => props.onCancel()}
      />
    </form>
  )
}

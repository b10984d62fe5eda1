// One offer: what it is and costs, its stock (adjusted with a reason), how often a customer may hear
// it, and how it is presented — what callers hear and web customers read, for everyone or for a
// segment such as seniors. Editors change all of it; everyone reads.
import { A, useParams, useSearchParams } from '@solidjs/router'
import { createResource, createSignal, For, onMount, Show } from 'solid-js'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView, Notice } from '../../components/states.tsx'
import { formatMoney } from '../../lib/format.ts'
import { can } from '../../lib/session.ts'
import { createSubmission, FieldNote, FormProblem, SubmitActions, TextField } from '../../lib/submission.tsx'
import { Fields, Section } from '../decisions/DecisionDetailPage.tsx'
import {
  addTreatment,
  archiveOffer,
  changeStock,
  type Offer,
  type OfferTreatment,
  readOffer,
  removeTreatment,
  updateOffer,
  updateTreatment,
} from './api.ts'
import { OfferForm } from './OfferForm.tsx'
import './offers.css'
import {
  channelList,
  contactPolicyText,
  paceLabels,
  reservationText,
  segmentLabel,
  stockModeLabels,
  stockText,
  styleLabels,
} from './words.ts'

type NoticeState = { kind: 'ok' | 'error'; text: string } | null

/** Received, written off or counted: the stock change with its reason, in a dialog. */
function StockDialog(props: {
  offer: Offer
  onClose: () => void
  onSaved: (offer: Offer, text: string) => void
}) {
  let dialog: HTMLDialogElement | undefined
  const [kind, setKind] = createSignal<'received' | 'written_off' | 'counted'>('received')
  const [units, setUnits] = createSignal('')
  const [reason, setReason] = createSignal('')
  const { pending, error, run, fieldError } = createSubmission()
  onMount(() => dialog?.showModal())
  const unitsField = () => (kind() === 'counted' ? 'set_to' : 'adjust_by')
  const submit = (event: SubmitEvent) => {
    event.preventDefault()
    const count = /^\s*\d+\s*$/.test(units()) ? Number(units()) : Number.NaN
    const body =
      kind() === 'counted'
        ? { set_to: count, reason: reason().trim() }
        : { adjust_by: kind() === 'received' ? count : -count, reason: reason().trim() }
    void run(async () => {
      const saved = await changeStock(props.offer.id, body)
      dialog?.close()
      props.onSaved(saved, `Stock of ${saved.name}: ${stockText(saved)}.`)
    })
  }
  return (
    <dialog
      ref={dialog}
      class="confirm-dialog"
      aria-labelledby="stock-title"
      onClose={() => props.onClose()}
      onCancel={() => props.onClose()}
    >
      <form onSubmit={submit} aria-labelledby="stock-title">
        <h2 id="stock-title">Adjust stock of {props.offer.name}</h2>
        <p class="muted">Now: {stockText(props.offer)}.</p>
        <FormProblem error={error()} />
        <div class="form-grid">
          <label class="field">
            <span class="field-label">What happened</span>
            <select
              name="kind"
              value={kind()}
              onChange={(e) => setKind(e.currentTarget.value as ReturnType<typeof kind>)}
            >
              <option value="received">Units received</option>
              <option value="written_off">Units written off (damaged, lost)</option>
              <option value="counted">Counted: the number on hand is</option>
            </select>
          </label>
          <TextField
            label="Units"
            name="units"
            inputMode="numeric"
            required
            value={units()}
            onInput={setUnits}
            error={fieldError(unitsField())}
          />
          <TextField
            label="Reason"
            name="reason"
            wide
            required
            maxLength={500}
            value={reason()}
            onInput={setReason}
            error={fieldError('reason')}
            hint="Kept in the audit log, such as a delivery note number."
          />
        </div>
        <SubmitActions
          pending={pending()}
          label="Save stock"
          pendingLabel="Saving…"
          onCancel={() => dialog?.close()}
        />
      </form>
    </dialog>
  )
}

interface TreatmentDraft {
  name: string
  channel: 'phone' | 'web'
  segment: string
  style: 'concise' | 'detailed'
  pace: 'slow' | 'normal' | 'fast'
  language: string
  prompt: string
  script: string
  text: string
  imageUrl: string
}

const blankTreatment: TreatmentDraft = {
  name: '',
  channel: 'phone',
  segment: '*',
  style: 'concise',
  pace: 'normal',
  language: 'en',
  prompt: '',
  script: '',
  text: '',
  imageUrl: '',
}

const orNull = (text: string) => (text.trim() === '' ? null : text.trim())

function TreatmentForm(props: {
  offer: Offer
  treatment?: OfferTreatment
  onSaved: (treatment: OfferTreatment) => void
  onCancel: () => void
}) {
  const [draft, setDraft] = createSignal<TreatmentDraft>(
    props.treatment
      ? {
          name: props.treatment.name,
          channel: props.treatment.channel,
          segment: props.treatment.segment,
          style: props.treatment.style,
          pace: props.treatment.pace,
          language: props.treatment.language,
          prompt: props.treatment.prompt ?? '',
          script: props.treatment.script ?? '',
          text: props.treatment.text ?? '',
          imageUrl: props.treatment.image_url ?? '',
        }
      : { ...blankTreatment },
  )
  const { pending, error, run, fieldError } = createSubmission()
  const set = <K extends keyof TreatmentDraft>(key: K, value: TreatmentDraft[K]) =>
    setDraft((d) => ({ ...d, [key]: value }))
  const phone = () => draft().channel === 'phone'
  const title = props.treatment ? `Change ${props.treatment.name}` : 'Add a presentation'

  const submit = (event: SubmitEvent) => {
    event.preventDefault()
    const d = draft()
    const fields = {
      name: d.name.trim(),
      channel: d.channel,
      segment: d.segment.trim() || '*',
      style: d.style,
      pace: d.pace,
      language: d.language.trim(),
      // what the other channel would use is sent empty, so switching channel leaves nothing behind
      prompt: phone() ? orNull(d.prompt) : null,
      script: phone() ? orNull(d.script) : null,
      text: phone() ? null : orNull(d.text),
      image_url: phone() ? null : orNull(d.imageUrl),
    }
    void run(async () => {
      const saved = props.treatment
        ? await updateTreatment(props.offer.id, props.treatment.id, fields)
        : await addTreatment(props.offer.id, fields)
      props.onSaved(saved)
    })
  }

  return (
    <form class="panel form-panel" onSubmit={submit} aria-labelledby="treatment-form">
      <header class="panel-header">
        <h2 id="treatment-form">{title}</h2>
      </header>
      <FormProblem error={error()} />
      <div class="form-grid">
        <TextField
          label="Name"
          name="name"
          required
          maxLength={120}
          value={draft().name}
          onInput={(value) => set('name', value)}
          error={fieldError('name')}
          hint="For staff, such as Phone, seniors."
        />
        <label class="field">
          <span class="field-label">Where</span>
          <select
            name="channel"
            value={draft().channel}
            onChange={(e) => set('channel', e.currentTarget.value as TreatmentDraft['channel'])}
          >
            <option value="phone">Phone: what callers hear</option>
            <option value="web">Web and e-mail: what customers read</option>
          </select>
          <FieldNote message={fieldError('channel')} />
        </label>
        <TextField
          label="For customers in segment"
          name="segment"
          value={draft().segment}
          onInput={(value) => set('segment', value)}
          error={fieldError('segment')}
          hint="* for everyone; or the segment the rule set's presentation rules choose, such as senior."
        />
        <label class="field">
          <span class="field-label">Style</span>
          <select
            name="style"
            value={draft().style}
            onChange={(e) => set('style', e.currentTarget.value as TreatmentDraft['style'])}
          >
            <option value="concise">{styleLabels.concise}</option>
            <option value="detailed">{styleLabels.detailed}</option>
          </select>
        </label>
        <label class="field">
          <span class="field-label">Pace</span>
          <select
            name="pace"
            value={draft().pace}
            onChange={(e) => set('pace', e.currentTarget.value as TreatmentDraft['pace'])}
          >
            <option value="slow">{paceLabels.slow}</option>
            <option value="normal">{paceLabels.normal}</option>
            <option value="fast">{paceLabels.fast}</option>
          </select>
        </label>
        <TextField
          label="Language"
          name="language"
          maxLength={35}
          value={draft().language}
          onInput={(value) => set('language', value)}
          error={fieldError('language')}
          hint="Such as en or es-MX."
        />
        <Show
          when={phone()}
          fallback={
            <>
              <label class="field field-wide">
                <span class="field-label">Text</span>
                <textarea
                  name="text"
                  rows={3}
                  maxLength={2000}
                  value={draft().text}
                  onInput={(e) => set('text', e.currentTarget.value)}
                  aria-invalid={Boolean(fieldError('text'))}
                />
                <FieldNote message={fieldError('text')} hint="What the customer reads with the offer." />
              </label>
              <TextField
                label="Picture address"
                name="image_url"
                wide
                type="url"
                value={draft().imageUrl}
                onInput={(value) => set('imageUrl', value)}
                error={fieldError('image_url')}
                hint="https://… (optional)."
              />
            </>
          }
        >
          <TextField
            label="Recording to play"
            name="prompt"
            wide
            value={draft().prompt}
            onInput={(value) => set('prompt', value)}
            error={fieldError('prompt')}
            hint="A sound file on the phone system, or a tone_stream:// (optional if a script is given)."
          />
          <label class="field field-wide">
            <span class="field-label">Script</span>
            <textarea
              name="script"
              rows={3}
              maxLength={2000}
              value={draft().script}
              onInput={(e) => set('script', e.currentTarget.value)}
              aria-invalid={Boolean(fieldError('script'))}
            />
            <FieldNote
              message={fieldError('script')}
              hint="What is said to the caller, with the key to press."
            />
          </label>
        </Show>
      </div>
      <SubmitActions
        pending={pending()}
        label={props.treatment ? 'Save changes' : 'Add presentation'}
        pendingLabel="Saving…"
        onCancel={() => props.onCancel()}
      />
    </form>
  )
}

function Treatments(props: {
  offer: Offer
  onChanged: (text: string) => void
  onError: (text: string) => void
}) {
  const [editing, setEditing] = createSignal<OfferTreatment | 'new' | null>(null)
  const remove = async (treatment: OfferTreatment) => {
    try {
      await removeTreatment(props.offer.id, treatment.id)
      props.onChanged(`Removed ${treatment.name}.`)
    } catch (failure) {
      props.onError(failure instanceof Error ? failure.message : String(failure))
    }
  }
  return (
    <Section
      title="How it is presented"
      id="treatments"
      aside={
        <Show when={can('editor') && editing() === null}>
          <button type="button" class="button button-small" onClick={() => setEditing('new')}>
            Add presentation
          </button>
        </Show>
      }
    >
      <p class="muted">
        The rule set's presentation rules choose a segment for each customer (by age, for example); the offer
        is presented with that segment's version, else the one for everyone.
      </p>
      <Show when={editing()} keyed>
        {(target) => (
          <TreatmentForm
            offer={props.offer}
            {...(target === 'new' ? {} : { treatment: target })}
            onCancel={() => setEditing(null)}
            onSaved={(saved) => {
              setEditing(null)
              props.onChanged(target === 'new' ? `Added ${saved.name}.` : `Saved ${saved.name}.`)
            }}
          />
        )}
      </Show>
      <Show when={props.offer.treatments.length > 0} fallback={<p>Not presented anywhere yet.</p>}>
        <div class="table-wrap">
          <table class="table" aria-label="Presentations">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Where</th>
                <th scope="col">For</th>
                <th scope="col">Style</th>
                <th scope="col">What customers hear or read</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              <For each={props.offer.treatments}>
                {(treatment) => (
                  <tr data-testid={`treatment-${treatment.id}`}>
                    <td>{treatment.name}</td>
                    <td>{treatment.channel === 'phone' ? 'Phone' : 'Web'}</td>
                    <td>
                      {segmentLabel(treatment.segment)} · {treatment.language}
                    </td>
                    <td>
                      {styleLabels[treatment.style]}, {paceLabels[treatment.pace]?.toLowerCase()}
                    </td>
                    <td>
                      <Show
                        when={treatment.channel === 'web'}
                        fallback={treatment.script ?? treatment.prompt}
                      >
                        <div class="treatment-web">
                          <Show when={treatment.image_url}>
                            {(src) => <img src={src()} alt="" loading="lazy" />}
                          </Show>
                          <span>{treatment.text}</span>
                        </div>
                      </Show>
                    </td>
                    <td class="actions">
                      <Show when={can('editor')}>
                        <button
                          type="button"
                          class="button button-small"
                          onClick={() => setEditing(treatment)}
                        >
                          Change
                        </button>{' '}
                        <button
                          type="button"
                          class="button button-small button-danger"
                          onClick={() => void remove(treatment)}
                        >
                          Remove
                        </button>
                      </Show>
                    </td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
      </Show>
    </Section>
  )
}

export default function OfferPage() {
  const params = useParams<{ id: string }>()
  const [query] = useSearchParams<{ added?: string }>()
  const [offer, { refetch, mutate }] = createResource(() => params.id, readOffer)
  const [editing, setEditing] = createSignal(false)
  const [stockOpen, setStockOpen] = createSignal(false)
  const [notice, setNotice] = createSignal<NoticeState>(
    query.added ? { kind: 'ok', text: 'Offer added.' } : null,
  )
  const changed = (text: string) => {
    setNotice({ kind: 'ok', text })
    void refetch()
  }
  const setStatus = async (current: Offer) => {
    try {
      const next =
        current.status === 'active'
          ? await archiveOffer(current.id)
          : await updateOffer(current.id, { status: 'active' })
      mutate(next)
      setNotice({
        kind: 'ok',
        text: next.status === 'active' ? `${next.name} is offered again.` : `${next.name} is archived.`,
      })
    } catch (failure) {
      setNotice({ kind: 'error', text: failure instanceof Error ? failure.message : String(failure) })
    }
  }

  return (
    <>
      <p>
        <A href="/offers">← Offers</A>
      </p>
      <AsyncView resource={offer} retry={refetch}>
        {(o) => (
          <>
            <PageHeader
              title={o().name}
              subtitle={o().description || undefined}
              actions={
                <Show when={can('editor') && !editing()}>
                  <button type="button" class="button" onClick={() => setEditing(true)}>
                    Change
                  </button>
                  <button
                    type="button"
                    class="button"
                    classList={{ 'button-danger': o().status === 'active' }}
                    onClick={() => void setStatus(o())}
                  >
                    {o().status === 'active' ? 'Archive' : 'Offer again'}
                  </button>
                </Show>
              }
            />
            <Notice notice={notice()} testId="offer-notice" />
            <Show when={editing()}>
              <OfferForm
                offer={o()}
                onCancel={() => setEditing(false)}
                onSaved={(saved) => {
                  mutate(saved)
                  setEditing(false)
                  setNotice({ kind: 'ok', text: `Saved ${saved.name}.` })
                }}
              />
            </Show>
            <div class="offer-sections">
              <Section title="Offer" id="offer-details">
                <Fields
                  rows={[
                    ['Product code', <span class="mono">{o().sku}</span>],
                    ['Price', formatMoney({ value: o().price, currency: o().currency })],
                    [
                      'Worth to us',
                      o().value === null
                        ? 'The price'
                        : formatMoney({ value: o().value ?? 0, currency: o().currency }),
                    ],
                    ['Offered in', channelList(o().channels)],
                    ['Tags', o().tags.join(', ') || 'None'],
                    ['How often', contactPolicyText(o())],
                    ['Held for', reservationText(o().reservation_seconds)],
                    ['Status', o().status === 'active' ? 'Offered' : 'Archived'],
                  ]}
                />
                <A href={`/take-rates?offer=${encodeURIComponent(o().id)}`}>See its take rates</A>
              </Section>
              <Section
                title="Stock"
                id="offer-stock"
                aside={
                  <Show when={can('editor') && o().stock_mode === 'tracked'}>
                    <button type="button" class="button button-small" onClick={() => setStockOpen(true)}>
                      Adjust stock
                    </button>
                  </Show>
                }
              >
                <Show
                  when={o().stock_mode === 'tracked'}
                  fallback={<p>{stockModeLabels[o().stock_mode]}: nothing is counted here.</p>}
                >
                  <div class="tiles" data-testid="offer-stock">
                    <div class="tile">
                      <span class="tile-label">Available to offer</span>
                      <span class="tile-value">{o().stock_available}</span>
                    </div>
                    <div class="tile">
                      <span class="tile-label">On hand</span>
                      <span class="tile-value">{o().stock_on_hand}</span>
                    </div>
                    <div class="tile">
                      <span class="tile-label">Held by open offers</span>
                      <span class="tile-value">{o().stock_reserved}</span>
                    </div>
                  </div>
                </Show>
              </Section>
            </div>
            <Treatments
              offer={o()}
              onChanged={changed}
              onError={(text) => setNotice({ kind: 'error', text })}
            />
            <Show when={stockOpen()}>
              <StockDialog
                offer={o()}
                onClose={() => setStockOpen(false)}
                onSaved={(saved, text) => {
                  mutate(saved)
                  setNotice({ kind: 'ok', text })
                }}
              />
            </Show>
          </>
        )}
      </AsyncView>
    </>
  )
}

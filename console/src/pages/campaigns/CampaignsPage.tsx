// Campaigns: offers made by calling customers (the bridges dial) or by e-mail. Everyone follows
// their progress, refreshed every few seconds without a reload; editors draft and pause; a
// publisher starts one (it contacts customers). A campaign's row opens what came of each contact.
import { createResource, createSignal, For, onCleanup, Show } from 'solid-js'
import { PageHeader } from '../../components/PageHeader.tsx'
import { Empty, ErrorState, Loading, Notice } from '../../components/states.tsx'
import { formatDateTime } from '../../lib/format.ts'
import { amountText } from '../../lib/money.ts'
import { can } from '../../lib/session.ts'
import { createSubmission, FieldNote, FormProblem, SubmitActions, TextField } from '../../lib/submission.tsx'
import {
  type AudienceFact,
  audienceFacts,
  type Campaign,
  catalogOffers,
  createCampaign,
  listCampaigns,
  listContacts,
  type NewCampaign,
  type Offer,
  pauseCampaign,
  startCampaign,
} from './api.ts'
import { DoNotCall } from './DoNotCall.tsx'

const REFRESH_MS = 2000

const statusLabels: Record<string, string> = {
  draft: 'Draft',
  running: 'Running',
  paused: 'Paused',
  finished: 'Finished',
}

/** Contact statuses in the order a campaign moves through them, with the words staff read. */
const contactStatuses: [string, string][] = [
  ['pending', 'Waiting'],
  ['dialing', 'Calling now'],
  ['sending', 'Sending now'],
  ['no_answer', 'No answer'],
  ['busy', 'Busy'],
  ['failed', 'Failed'],
  ['answered', 'Hung up'],
  ['accepted', 'Accepted'],
  ['declined', 'Declined'],
  ['do_not_call', 'Asked not to be called'],
  ['blocked', 'Offer not made'],
  ['emailed', 'E-mailed'],
  ['suppressed', 'Left out'],
]
const contactStatusLabel = (status: string) => contactStatuses.find(([s]) => s === status)?.[1] ?? status

/** The channel an offer must be sold on for a campaign that reaches customers this way. */
const offerChannelOf = { phone: 'call_out', email: 'email' } as const

/** An offer as staff pick it: "Extended reading (reading-ext-15), 14.99 USD". */
const offerLabel = (offer: Offer) =>
  `${offer.name} (${offer.sku}), ${amountText(offer.price, offer.currency)} ${offer.currency}`

const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const

interface Condition {
  fact: string
  operator: string
  value: string
  list: string
}

interface Draft {
  name: string
  offerId: string
  channel: 'phone' | 'email'
  match: 'all' | 'any'
  conditions: Condition[]
  days: string[]
  from: string
  to: string
  perMinute: string
  maxConcurrent: string
  maxAttempts: string
  retryMinutes: string
  recentDays: string
  from_address: string
  subject: string
  body: string
  acceptUrl: string
}

const blank = (): Draft => ({
  name: '',
  offerId: '',
  channel: 'phone',
  match: 'all',
  conditions: [{ fact: 'purchases_30d', operator: 'greaterThanInclusive', value: '1', list: '' }],
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  from: '09:00',
  to: '20:00',
  perMinute: '10',
  maxConcurrent: '2',
  maxAttempts: '3',
  retryMinutes: '60',
  recentDays: '7',
  from_address: '',
  subject: 'An offer for you, {{name}}',
  body: 'Dear {{name}},\n\n{{offer_name}} for {{price}}.\nAccept it here: {{accept_url}}\n',
  acceptUrl: 'https://shop.example.com/offers/{presentation_id}',
})

function conditionValue(condition: Condition, fact: AudienceFact | undefined): unknown {
  const list = condition.operator === 'in' || condition.operator === 'notIn'
  const one = (text: string): unknown =>
    fact?.value_type === 'number' ? Number(text) : fact?.value_type === 'boolean' ? text === 'true' : text
  return list
    ? condition.value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
        .map(one)
    : one(condition.value.trim())
}

function CampaignForm(props: {
  facts: AudienceFact[]
  offers: Offer[]
  onSaved: (c: Campaign) => void
  onCancel: () => void
}) {
  const [draft, setDraft] = createSignal<Draft>(blank())
  const { pending, error, run, fieldError } = createSubmission()
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }))
  // only active offers sold on the campaign's channel can be picked; the server refuses the others
  const pickable = () =>
    props.offers.filter((o) => o.status === 'active' && o.channels.includes(offerChannelOf[draft().channel]))
  const factOf = (name: string) => props.facts.find((f) => f.name === name)
  const setCondition = (index: number, change: Partial<Condition>) =>
    setDraft((d) => ({
      ...d,
      conditions: d.conditions.map((c, i) => {
        if (i !== index) return c
        const next = { ...c, ...change }
        const fact = factOf(next.fact)
        if (fact && !fact.operators.includes(next.operator)) next.operator = fact.operators[0] ?? 'equal'
        return next
      }),
    }))
  const audienceError = () =>
    error()
      ?.problem.errors?.filter((e) => e.field.startsWith('audience'))
      .map((e) => e.message)
      .join('; ')

  const submit = (event: SubmitEvent) => {
    event.preventDefault()
    const d = draft()
    const body: NewCampaign = {
      name: d.name.trim(),
      offer_id: d.offerId,
      channel: d.channel,
      audience: {
        [d.match]: d.conditions.map((c) => ({
          fact: c.fact,
          operator: c.operator,
          value: conditionValue(c, factOf(c.fact)),
          ...(factOf(c.fact)?.params ? { params: { list: c.list.trim() } } : {}),
        })),
      },
      windows:
        d.channel === 'phone' || d.days.length > 0
          ? [{ days: d.days as (typeof days)[number][], from: d.from, to: d.to }]
          : [],
      pacing: { per_minute: Number(d.perMinute), max_concurrent: Number(d.maxConcurrent) },
      retries: { max_attempts: Number(d.maxAttempts), retry_minutes: Number(d.retryMinutes) },
      suppression: { negative_lists: 'all', recent_contact_days: Number(d.recentDays), open_offer: true },
      email:
        d.channel === 'email'
          ? { from: d.from_address.trim(), subject: d.subject, body: d.body, accept_url: d.acceptUrl.trim() }
          : null,
    }
    void run(async () => props.onSaved(await createCampaign(body)))
  }

  return (
    <form class="panel form-panel" onSubmit={submit} aria-labelledby="campaign-form">
      <header class="panel-header">
        <h2 id="campaign-form">Draft a campaign</h2>
      </header>
      <FormProblem error={error()} />
      <div class="form-grid">
        <TextField
          label="Name"
          name="name"
          required
          maxLength={120}
          value={draft().name}
          onInput={(v) => set('name', v)}
          error={fieldError('name')}
        />
        <label class="field">
          <span class="field-label">How customers are reached</span>
          <select
            name="channel"
            value={draft().channel}
            onChange={(e) => {
              set('channel', e.currentTarget.value as Draft['channel'])
              // an offer not sold on the new channel cannot stay picked
              if (!pickable().some((o) => o.id === draft().offerId)) set('offerId', '')
            }}
          >
            <option value="phone">A phone call</option>
            <option value="email">An e-mail</option>
          </select>
        </label>
        <label class="field">
          <span class="field-label">Offer</span>
          <select
            name="offer"
            required
            value={draft().offerId}
            aria-invalid={Boolean(fieldError('offer_id'))}
            onChange={(e) => set('offerId', e.currentTarget.value)}
          >
            <option value="">Choose an offer…</option>
            <For each={pickable()}>{(offer) => <option value={offer.id}>{offerLabel(offer)}</option>}</For>
          </select>
          <FieldNote
            message={fieldError('offer_id')}
            hint={
              pickable().length === 0
                ? `No active offer is sold ${draft().channel === 'phone' ? 'by calling out' : 'by e-mail'}. Add one on the Offers page.`
                : 'Active offers sold this way, from the Offers page.'
            }
          />
        </label>
      </div>

      <fieldset class="fieldset">
        <legend>Who: customers who match</legend>
        <label class="field">
          <select
            name="match"
            value={draft().match}
            onChange={(e) => set('match', e.currentTarget.value as Draft['match'])}
          >
            <option value="all">all of these</option>
            <option value="any">any of these</option>
          </select>
        </label>
        <For each={draft().conditions}>
          {(condition, index) => (
            <div class="form-grid" data-testid={`audience-condition-${index()}`}>
              <label class="field">
                <span class="field-label">Fact</span>
                <select
                  name="fact"
                  value={condition.fact}
                  onChange={(e) => setCondition(index(), { fact: e.currentTarget.value })}
                >
                  <For each={props.facts}>{(f) => <option value={f.name}>{f.description}</option>}</For>
                </select>
              </label>
              <label class="field">
                <span class="field-label">Test</span>
                <select
                  name="operator"
                  value={condition.operator}
                  onChange={(e) => setCondition(index(), { operator: e.currentTarget.value })}
                >
                  <For each={factOf(condition.fact)?.operators ?? []}>
                    {(op) => <option value={op}>{op}</option>}
                  </For>
                </select>
              </label>
              <TextField
                label="Value"
                name="value"
                value={condition.value}
                onInput={(v) => setCondition(index(), { value: v })}
                error={undefined}
                hint={factOf(condition.fact)?.value_type === 'boolean' ? 'true or false' : undefined}
              />
              <Show when={factOf(condition.fact)?.params}>
                <TextField
                  label="List"
                  name="list"
                  value={condition.list}
                  onInput={(v) => setCondition(index(), { list: v })}
                  error={undefined}
                  hint="The list's id"
                />
              </Show>
              <button
                type="button"
                class="button button-small"
                disabled={draft().conditions.length === 1}
                onClick={() =>
                  setDraft((d) => ({ ...d, conditions: d.conditions.filter((_, i) => i !== index()) }))
                }
              >
                Remove
              </button>
            </div>
          )}
        </For>
        <Show when={audienceError()}>
          <p class="field-error" role="alert">
            {audienceError()}
          </p>
        </Show>
        <button
          type="button"
          class="button button-small"
          onClick={() =>
            setDraft((d) => ({
              ...d,
              conditions: [
                ...d.conditions,
                { fact: 'has_phone', operator: 'equal', value: 'true', list: '' },
              ],
            }))
          }
        >
          Add a condition
        </button>
      </fieldset>

      <fieldset class="fieldset">
        <legend>When: on the customer's own clock</legend>
        <div class="form-grid">
          <div class="field field-wide">
            <span class="field-label">Days</span>
            <div>
              <For each={days}>
                {(day) => (
                  <label class="field-check">
                    <input
                      type="checkbox"
                      name={`day-${day}`}
                      checked={draft().days.includes(day)}
                      onChange={(e) =>
                        set(
                          'days',
                          e.currentTarget.checked
                            ? [...draft().days, day]
                            : draft().days.filter((d) => d !== day),
                        )
                      }
                    />
                    <span>{day}</span>
                  </label>
                )}
              </For>
            </div>
          </div>
          <TextField
            label="From"
            name="from"
            value={draft().from}
            onInput={(v) => set('from', v)}
            error={fieldError('windows.0.from')}
            hint="HH:MM"
          />
          <TextField
            label="Until"
            name="to"
            value={draft().to}
            onInput={(v) => set('to', v)}
            error={fieldError('windows.0.to') ?? fieldError('windows')}
            hint="HH:MM, not included"
          />
          <TextField
            label="Calls per minute"
            name="per_minute"
            inputMode="numeric"
            value={draft().perMinute}
            onInput={(v) => set('perMinute', v)}
            error={fieldError('pacing.per_minute')}
          />
          <TextField
            label="Calls at once"
            name="max_concurrent"
            inputMode="numeric"
            value={draft().maxConcurrent}
            onInput={(v) => set('maxConcurrent', v)}
            error={fieldError('pacing.max_concurrent')}
            hint="Across every phone bridge"
          />
          <TextField
            label="Attempts"
            name="max_attempts"
            inputMode="numeric"
            value={draft().maxAttempts}
            onInput={(v) => set('maxAttempts', v)}
            error={fieldError('retries.max_attempts')}
            hint="No answer or busy is tried again, up to this many times in all"
          />
          <TextField
            label="Minutes between attempts"
            name="retry_minutes"
            inputMode="numeric"
            value={draft().retryMinutes}
            onInput={(v) => set('retryMinutes', v)}
            error={fieldError('retries.retry_minutes')}
          />
          <TextField
            label="Leave out customers contacted in the last (days)"
            name="recent_contact_days"
            inputMode="numeric"
            value={draft().recentDays}
            onInput={(v) => set('recentDays', v)}
            error={fieldError('suppression.recent_contact_days')}
            hint="Negative lists, do-not-call and customers with an open offer are always left out"
          />
        </div>
      </fieldset>

      <Show when={draft().channel === 'email'}>
        <fieldset class="fieldset">
          <legend>The e-mail</legend>
          <div class="form-grid">
            <TextField
              label="From"
              name="email_from"
              value={draft().from_address}
              onInput={(v) => set('from_address', v)}
              error={fieldError('email.from') ?? fieldError('email')}
            />
            <TextField
              label="Subject"
              name="email_subject"
              wide
              value={draft().subject}
              onInput={(v) => set('subject', v)}
              error={fieldError('email.subject')}
            />
            <label class="field field-wide">
              <span class="field-label">Message</span>
              <textarea
                name="email_body"
                rows={6}
                value={draft().body}
                onInput={(e) => set('body', e.currentTarget.value)}
              />
              <span class={fieldError('email.body') ? 'field-error' : 'field-hint'}>
                {fieldError('email.body') ??
                  'Write {{name}}, {{offer_name}}, {{offer_description}}, {{price}} and {{accept_url}} where they go.'}
              </span>
            </label>
            <TextField
              label="Accept page"
              name="email_accept_url"
              wide
              value={draft().acceptUrl}
              onInput={(v) => set('acceptUrl', v)}
              error={fieldError('email.accept_url')}
              hint="Your page that accepts the offer; {presentation_id} is replaced by the offer's id"
            />
          </div>
        </fieldset>
      </Show>
      <SubmitActions
        pending={pending()}
        label="Save draft"
        pendingLabel="Saving…"
        onCancel={() => props.onCancel()}
      />
    </form>
  )
}

function Progress(props: { campaign: Campaign }) {
  const counts = () =>
    contactStatuses
      .map(([status, label]) => [label, props.campaign.progress.by_status[status] ?? 0] as const)
      .filter(([, count]) => count > 0)
  const done = () => props.campaign.progress.total - props.campaign.progress.open
  return (
    <div data-testid={`progress-${props.campaign.id}`}>
      <progress max={Math.max(1, props.campaign.progress.total)} value={done()} />{' '}
      <span class="nowrap" data-testid="progress-done">
        {done()} of {props.campaign.progress.total} done
      </span>
      <div class="muted">
        <For each={counts()}>
          {([label, count]) => (
            <span class="nowrap">
              {label}: {count}{' '}
            </span>
          )}
        </For>
      </div>
    </div>
  )
}

function Contacts(props: { campaign: Campaign; offerName: string }) {
  const [contacts, { refetch }] = createResource(() => props.campaign.id, listContacts)
  // the campaign's row is read again every few seconds; its contacts are too
  const timer = setInterval(() => void refetch(), REFRESH_MS)
  onCleanup(() => clearInterval(timer))
  return (
    <section class="panel" aria-label={`Contacts of ${props.campaign.name}`}>
      <header class="panel-header">
        <h2>{props.campaign.name}: contacts</h2>
        <p class="muted" data-testid="contacts-offer">
          Offering {props.offerName}
        </p>
      </header>
      <Show when={contacts.latest} fallback={<Loading />}>
        {(list) => (
          <Show when={list().length > 0} fallback={<Empty title="No contacts until the campaign starts" />}>
            <div class="table-wrap">
              <table class="table" aria-label="Contacts">
                <thead>
                  <tr>
                    <th scope="col">Customer</th>
                    <th scope="col">Reached at</th>
                    <th scope="col">Result</th>
                    <th scope="col">Attempts</th>
                    <th scope="col">Why / detail</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={list()}>
                    {(c) => (
                      <tr data-testid={`contact-${c.customer_id}`}>
                        <td>{c.name ?? c.customer_id}</td>
                        <td>{c.phone ?? c.email ?? '—'}</td>
                        <td>{contactStatusLabel(c.status)}</td>
                        <td>{c.attempts}</td>
                        <td class="muted">
                          {String(c.result.message ?? c.result.detail ?? c.result.status ?? '')}
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        )}
      </Show>
    </section>
  )
}

export default function CampaignsPage() {
  const [campaigns, setCampaigns] = createSignal<Campaign[] | null>(null)
  const [loadError, setLoadError] = createSignal<unknown>(null)
  const [facts] = createResource(audienceFacts)
  const [offers] = createResource(catalogOffers)
  // a campaign names its offer; the id stands in only while the catalog loads or if it fails
  const offerName = (id: string) => offers()?.find((o) => o.id === id)?.name ?? id
  const [creating, setCreating] = createSignal(false)
  const [open, setOpen] = createSignal<string | null>(null)
  const [notice, setNotice] = createSignal<{ kind: 'ok' | 'error'; text: string } | null>(null)

  const load = async () => {
    try {
      setCampaigns(await listCampaigns())
      setLoadError(null)
    } catch (failure) {
      setLoadError(failure)
    }
  }
  void load()
  // live progress: the list is read again every few seconds, in place
  const timer = setInterval(() => void load(), REFRESH_MS)
  onCleanup(() => clearInterval(timer))

  const act = async (campaign: Campaign, action: 'start' | 'pause') => {
    try {
      const changed = action === 'start' ? await startCampaign(campaign.id) : await pauseCampaign(campaign.id)
      setCampaigns((list) => (list ?? []).map((c) => (c.id === changed.id ? changed : c)))
      setNotice({ kind: 'ok', text: `${changed.name} is ${statusLabels[changed.status]?.toLowerCase()}.` })
    } catch (failure) {
      setNotice({
        kind: 'error',
        text: `${campaign.name}: ${failure instanceof Error ? failure.message : failure}`,
      })
    }
  }
  const openCampaign = () => campaigns()?.find((c) => c.id === open())

  return (
    <>
      <PageHeader
        title="Campaigns"
        subtitle="Offers made by calling customers or e-mailing them, within their calling hours, at the pace you set."
        actions={
          <Show when={can('editor') && !creating()}>
            <button type="button" class="button button-primary" onClick={() => setCreating(true)}>
              Draft a campaign
            </button>
          </Show>
        }
      />
      <Notice notice={notice()} testId="campaign-notice" />
      <Show when={creating() && facts()}>
        {(list) => (
          <CampaignForm
            facts={list()}
            offers={offers() ?? []}
            onCancel={() => setCreating(false)}
            onSaved={(c) => {
              setCampaigns((l) => [c, ...(l ?? [])])
              setCreating(false)
              setNotice({ kind: 'ok', text: `Drafted ${c.name}.` })
            }}
          />
        )}
      </Show>
      <Show when={loadError() && !campaigns()}>
        <ErrorState error={loadError()} retry={() => void load()} />
      </Show>
      <Show when={campaigns()} fallback={<Show when={!loadError()}>{<Loading />}</Show>}>
        {(list) => (
          <Show when={list().length > 0} fallback={<Empty title="No campaigns yet" />}>
            <div class="table-wrap">
              <table class="table" aria-label="Campaigns">
                <thead>
                  <tr>
                    <th scope="col">Campaign</th>
                    <th scope="col">Reached by</th>
                    <th scope="col">Status</th>
                    <th scope="col">Progress</th>
                    <th scope="col">Started</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={list()}>
                    {(campaign) => (
                      <tr data-testid={`campaign-${campaign.id}`}>
                        <td>
                          <strong>{campaign.name}</strong>
                          <div class="muted" data-testid="campaign-offer">
                            Offers {offerName(campaign.offer_id)}
                          </div>
                        </td>
                        <td>{campaign.channel === 'phone' ? 'Phone call' : 'E-mail'}</td>
                        <td>
                          <span class="badge" data-testid="campaign-status">
                            {statusLabels[campaign.status] ?? campaign.status}
                          </span>
                        </td>
                        <td>
                          <Progress campaign={campaign} />
                        </td>
                        <td class="nowrap">{formatDateTime(campaign.started_at)}</td>
                        <td class="actions">
                          <button
                            type="button"
                            class="button button-small"
                            onClick={() => setOpen(campaign.id)}
                          >
                            Contacts
                          </button>{' '}
                          <Show
                            when={
                              can('publisher') &&
                              (campaign.status === 'draft' || campaign.status === 'paused')
                            }
                          >
                            <button
                              type="button"
                              class="button button-small button-primary"
                              onClick={() => void act(campaign, 'start')}
                            >
                              {campaign.status === 'draft' ? 'Start' : 'Resume'}
                            </button>
                          </Show>
                          <Show when={can('editor') && campaign.status === 'running'}>
                            <button
                              type="button"
                              class="button button-small"
                              onClick={() => void act(campaign, 'pause')}
                            >
                              Pause
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
        )}
      </Show>
      <Show when={openCampaign()}>
        {(campaign) => <Contacts campaign={campaign()} offerName={offerName(campaign().offer_id)} />}
      </Show>
      <DoNotCall />
    </>
  )
}

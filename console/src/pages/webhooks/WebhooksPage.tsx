// Webhooks (admin): where Tollgate announces events, with the signing secret shown once when an
// endpoint is added, each endpoint's delivery log with every attempt's answer, and replays.
import { createResource, createSignal, For, onCleanup, Show } from 'solid-js'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView, Empty, Notice } from '../../components/states.tsx'
import { formatDateTime, formatMs } from '../../lib/format.ts'
import { createSubmission, FieldNote, FormProblem, SubmitActions } from '../../lib/submission.tsx'
import {
  createEndpoint,
  type Delivery,
  deleteEndpoint,
  type Endpoint,
  eventDescriptions,
  listDeliveries,
  listEndpoints,
  type NewEndpoint,
  replayDelivery,
  sendTestEvent,
  type WebhookEvent,
  webhookEvents,
} from './api.ts'

type NoticeMessage = { kind: 'ok' | 'error'; text: string } | null

function messageOf(failure: unknown): string {
  return failure instanceof Error ? failure.message : String(failure)
}

function SecretOnce(props: { endpoint: Endpoint & { secret: string }; onDone: () => void }) {
  const [copied, setCopied] = createSignal(false)
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.endpoint.secret)
      setCopied(true)
    } catch {
      // without clipboard access the field is selected so the user can copy it by hand
      document.querySelector<HTMLInputElement>('#signing-secret')?.select()
    }
  }
  return (
    <section class="panel secret-panel" aria-labelledby="secret-heading" data-testid="signing-secret">
      <header class="panel-header">
        <h2 id="secret-heading">Signing secret for {props.endpoint.url}</h2>
      </header>
      <p class="alert alert-warning">
        Copy this secret now and keep it with the receiving service: it is shown only this once. Use it to
        check the <code>Tollgate-Signature</code> header (HMAC-SHA256 over <code>t.body</code>).
      </p>
      <div class="secret-row">
        <input
          id="signing-secret"
          class="mono"
          readonly
          value={props.endpoint.secret}
          aria-label="Signing secret"
        />
        <button type="button" class="button" onClick={() => void copy()}>
          {copied() ? 'Copied' : 'Copy'}
        </button>
      </div>
      <div class="form-actions">
        <button type="button" class="button button-primary" onClick={() => props.onDone()}>
          I have kept it
        </button>
      </div>
    </section>
  )
}

function AddEndpointForm(props: {
  onCreated: (endpoint: Endpoint & { secret: string }) => void
  onCancel: () => void
}) {
  const [draft, setDraft] = createSignal<NewEndpoint>({
    url: '',
    events: ['decision.resolved'],
    description: '',
  })
  const { pending, error, run, fieldError } = createSubmission()
  const toggle = (event: WebhookEvent, on: boolean) =>
    setDraft((d) => ({ ...d, events: on ? [...d.events, event] : d.events.filter((e) => e !== event) }))

  const submit = (event: SubmitEvent) => {
    event.preventDefault()
    void run(async () => props.onCreated(await createEndpoint({ ...draft(), url: draft().url.trim() })))
  }

  return (
    <form class="panel form-panel" onSubmit={submit} aria-labelledby="new-endpoint">
      <header class="panel-header">
        <h2 id="new-endpoint">Add an endpoint</h2>
      </header>
      <FormProblem error={error()} />
      <div class="form-grid">
        <label class="field field-grow">
          <span class="field-label">URL</span>
          <input
            name="url"
            type="url"
            required
            placeholder="https://merchant.example/tollgate/webhooks"
            value={draft().url}
            onInput={(e) => setDraft((d) => ({ ...d, url: e.currentTarget.value }))}
            aria-invalid={Boolean(fieldError('url'))}
          />
          <FieldNote message={fieldError('url')} />
        </label>
        <label class="field">
          <span class="field-label">Description</span>
          <input
            name="description"
            maxLength={500}
            value={draft().description}
            onInput={(e) => setDraft((d) => ({ ...d, description: e.currentTarget.value }))}
          />
        </label>
        <fieldset class="field">
          <legend class="field-label">Events</legend>
          <For each={webhookEvents}>
            {(name) => (
              <label class="field-check">
                <input
                  type="checkbox"
                  checked={draft().events.includes(name)}
                  onChange={(e) => toggle(name, e.currentTarget.checked)}
                />
                <span>
                  <code>{name}</code> <span class="muted">— {eventDescriptions[name]}</span>
                </span>
              </label>
            )}
          </For>
          <FieldNote message={fieldError('events')} />
        </fieldset>
      </div>
      <SubmitActions
        pending={pending()}
        disabled={draft().events.length === 0}
        label="Add endpoint"
        pendingLabel="Adding…"
        onCancel={() => props.onCancel()}
      />
    </form>
  )
}

const statusWords: Record<Delivery['status'], string> = {
  pending: 'Pending',
  succeeded: 'Delivered',
  failed: 'Failed',
}

function DeliveryRow(props: {
  delivery: Delivery
  onReplayed: (text: string) => void
  onError: (text: string) => void
}) {
  const [pending, setPending] = createSignal(false)
  const last = () => props.delivery.attempt_log[props.delivery.attempt_log.length - 1]
  const replay = async () => {
    setPending(true)
    try {
      const queued = await replayDelivery(props.delivery.id)
      props.onReplayed(`Replaying ${props.delivery.event_type} as delivery ${queued.delivery_id}.`)
    } catch (failure) {
      props.onError(messageOf(failure))
    } finally {
      setPending(false)
    }
  }
  return (
    <tr data-testid="delivery">
      <td class="nowrap">{formatDateTime(props.delivery.created_at)}</td>
      <td>
        <code>{props.delivery.event_type}</code>
        <span class="muted block mono">{props.delivery.event_id}</span>
        <Show when={props.delivery.replay_of}>
          <span class="badge">replay</span>
        </Show>
      </td>
      <td>
        <span class={`badge delivery-${props.delivery.status}`}>{statusWords[props.delivery.status]}</span>
        <Show when={props.delivery.status === 'pending' && props.delivery.next_attempt_at}>
          <span class="muted block">next {formatDateTime(props.delivery.next_attempt_at)}</span>
        </Show>
      </td>
      <td class="num">
        {props.delivery.attempts} / {props.delivery.max_attempts}
      </td>
      <td class="mono">
        <Show when={last()} fallback={<span class="muted">not sent yet</span>}>
          {(attempt) => (
            <>
              <span class="strong">{attempt().response_status ?? attempt().error ?? '—'}</span>
              <Show when={attempt().response_excerpt}>
                {(excerpt) => <span class="muted block excerpt">{excerpt()}</span>}
              </Show>
            </>
          )}
        </Show>
      </td>
      <td class="num">{last() ? formatMs(last()?.duration_ms) : '—'}</td>
      <td class="actions">
        <button
          type="button"
          class="button button-small"
          aria-label={`Replay delivery ${props.delivery.id}`}
          disabled={pending()}
          onClick={() => void replay()}
        >
          {pending() ? 'Replaying…' : 'Replay'}
        </button>
      </td>
    </tr>
  )
}

/** What a test event's one attempt came to, in a sentence. */
function testOutcome(url: string, result: { delivered: boolean; delivery: Delivery }): string {
  const attempt = result.delivery.attempt_log[0]
  if (!attempt) return `The test event to ${url} was not sent.`
  const took = formatMs(attempt.duration_ms)
  if (result.delivered)
    return `Test event delivered to ${url}: it answered ${attempt.response_status} in ${took}.`
  const why =
    attempt.response_status !== null
      ? `it answered ${attempt.response_status}${attempt.response_excerpt ? ` (${attempt.response_excerpt.slice(0, 120)})` : ''}`
      : (attempt.error ?? 'no answer')
  return `Test event to ${url} failed: ${why}. It is not retried.`
}

function Deliveries(props: { endpoint: Endpoint; refreshKey: number }) {
  const [deliveries, { refetch }] = createResource(
    () => ({ id: props.endpoint.id, key: props.refreshKey }),
    (source) => listDeliveries(source.id),
  )
  const [notice, setNotice] = createSignal<NoticeMessage>(null)
  // deliveries go out in the background: look again while any is pending
  const timer = setInterval(() => {
    if (deliveries.state === 'ready' && deliveries().some((d) => d.status === 'pending')) void refetch()
  }, 2_000)
  onCleanup(() => clearInterval(timer))
  return (
    <section class="panel" aria-labelledby={`deliveries-${props.endpoint.id}`}>
      <header class="panel-header">
        <h3 id={`deliveries-${props.endpoint.id}`}>Deliveries to {props.endpoint.url}</h3>
        <button type="button" class="button button-small" onClick={() => void refetch()}>
          Refresh
        </button>
      </header>
      <Notice notice={notice()} />
      <AsyncView resource={deliveries} retry={refetch} loadingRows={3}>
        {(list) => (
          <Show
            when={list().length > 0}
            fallback={
              <Empty title="Nothing sent yet">
                Deliveries appear here when an event this endpoint takes happens.
              </Empty>
            }
          >
            <table class="table table-compact" aria-label="Deliveries">
              <thead>
                <tr>
                  <th scope="col">Created</th>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="num">
                    Attempts
                  </th>
                  <th scope="col">Last answer</th>
                  <th scope="col" class="num">
                    Took
                  </th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                <For each={list()}>
                  {(delivery) => (
                    <DeliveryRow
                      delivery={delivery}
                      onReplayed={(text) => {
                        setNotice({ kind: 'ok', text })
                        void refetch()
                      }}
                      onError={(text) => setNotice({ kind: 'error', text })}
                    />
                  )}
                </For>
              </tbody>
            </table>
          </Show>
        )}
      </AsyncView>
    </section>
  )
}

function EndpointRow(props: {
  endpoint: Endpoint
  open: boolean
  onToggle: () => void
  onDeleted: () => void
  onTested: (notice: NoticeMessage) => void
  onError: (text: string) => void
}) {
  const [confirming, setConfirming] = createSignal(false)
  const [pending, setPending] = createSignal(false)
  const [testing, setTesting] = createSignal(false)
  const test = async () => {
    setTesting(true)
    try {
      const result = await sendTestEvent(props.endpoint.id)
      props.onTested({
        kind: result.delivered ? 'ok' : 'error',
        text: testOutcome(props.endpoint.url, result),
      })
    } catch (failure) {
      props.onError(messageOf(failure))
    } finally {
      setTesting(false)
    }
  }
  const remove = async () => {
    setPending(true)
    try {
      await deleteEndpoint(props.endpoint.id)
      props.onDeleted()
    } catch (failure) {
      props.onError(messageOf(failure))
    } finally {
      setPending(false)
      setConfirming(false)
    }
  }
  return (
    <tr data-testid={`endpoint-${props.endpoint.url}`}>
      <td class="mono strong">{props.endpoint.url}</td>
      <td>
        <For each={props.endpoint.events}>{(e) => <code class="chip">{e}</code>}</For>
      </td>
      <td>{props.endpoint.description || <span class="muted">—</span>}</td>
      <td class="nowrap muted">{formatDateTime(props.endpoint.created_at)}</td>
      <td class="actions nowrap">
        <button
          type="button"
          class="button button-small"
          aria-expanded={props.open}
          onClick={() => props.onToggle()}
        >
          {props.open ? 'Hide deliveries' : 'Deliveries'}
        </button>{' '}
        <button
          type="button"
          class="button button-small"
          aria-label={`Send a test event to ${props.endpoint.url}`}
          disabled={testing()}
          onClick={() => void test()}
        >
          {testing() ? 'Sending…' : 'Send test event'}
        </button>{' '}
        <Show
          when={confirming()}
          fallback={
            <button
              type="button"
              class="button button-small button-quiet"
              aria-label={`Delete ${props.endpoint.url}`}
              onClick={() => setConfirming(true)}
            >
              Delete
            </button>
          }
        >
          <fieldset class="confirm-inline">
            <legend class="visually-hidden">{`Delete ${props.endpoint.url}?`}</legend>
            <span aria-hidden="true">Stop sending here?</span>
            <button
              type="button"
              class="button button-small button-danger"
              disabled={pending()}
              onClick={() => void remove()}
            >
              Yes, delete
            </button>
            <button
              type="button"
              class="button button-small button-quiet"
              onClick={() => setConfirming(false)}
            >
              Keep
            </button>
          </fieldset>
        </Show>
      </td>
    </tr>
  )
}

export default function WebhooksPage() {
  const [endpoints, { refetch, mutate }] = createResource(listEndpoints)
  const [adding, setAdding] = createSignal(false)
  const [created, setCreated] = createSignal<(Endpoint & { secret: string }) | null>(null)
  const [openId, setOpenId] = createSignal<string | null>(null)
  const [notice, setNotice] = createSignal<NoticeMessage>(null)
  // bumped after a test event so the open delivery log shows it
  const [deliveriesKey, setDeliveriesKey] = createSignal(0)

  return (
    <>
      <PageHeader
        title="Webhooks"
        subtitle="Where Tollgate tells your systems that something happened, signed so they can trust it."
        actions={
          <Show when={!adding() && !created()}>
            <button type="button" class="button button-primary" onClick={() => setAdding(true)}>
              Add endpoint
            </button>
          </Show>
        }
      />
      <Notice notice={notice()} />
      <Show when={created()}>
        {(endpoint) => <SecretOnce endpoint={endpoint()} onDone={() => setCreated(null)} />}
      </Show>
      <Show when={adding()}>
        <AddEndpointForm
          onCancel={() => setAdding(false)}
          onCreated={(endpoint) => {
            const { secret: _secret, ...shown } = endpoint
            mutate((list) => [...(list ?? []), shown])
            setAdding(false)
            setCreated(endpoint)
            setNotice(null)
          }}
        />
      </Show>
      <AsyncView resource={endpoints} retry={refetch}>
        {(list) => (
          <Show
            when={list().length > 0}
            fallback={
              <Empty title="No endpoints yet">Add one to be told when a reviewer resolves a decision.</Empty>
            }
          >
            <div class="stack">
              <div class="table-wrap">
                <table class="table" aria-label="Endpoints">
                  <thead>
                    <tr>
                      <th scope="col">URL</th>
                      <th scope="col">Events</th>
                      <th scope="col">Description</th>
                      <th scope="col">Added</th>
                      <th scope="col">
                        <span class="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={list()}>
                      {(endpoint) => (
                        <EndpointRow
                          endpoint={endpoint}
                          open={openId() === endpoint.id}
                          onToggle={() => setOpenId((id) => (id === endpoint.id ? null : endpoint.id))}
                          onDeleted={() => {
                            mutate((all) => all?.filter((e) => e.id !== endpoint.id))
                            if (openId() === endpoint.id) setOpenId(null)
                            setNotice({
                              kind: 'ok',
                              text: `Deleted ${endpoint.url}; its delivery log is kept.`,
                            })
                          }}
                          onTested={(message) => {
                            setNotice(message)
                            setOpenId(endpoint.id)
                            setDeliveriesKey((k) => k + 1)
                          }}
                          onError={(text) => setNotice({ kind: 'error', text })}
                        />
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
              <Show when={list().find((e) => e.id === openId())} keyed>
                {(endpoint) => <Deliveries endpoint={endpoint} refreshKey={deliveriesKey()} />}
              </Show>
            </div>
          </Show>
        )}
      </AsyncView>
    </>
  )
}

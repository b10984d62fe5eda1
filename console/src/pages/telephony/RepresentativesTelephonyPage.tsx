// Representatives' phones and queues: who is logged in to which queues (solo, dual, triple) with
// which partner, and on a break or not — changed here as the representatives' line does by phone —
// and how each one is rung (dial string), recognised (phone, PIN) and matched (gender, zodiac sign,
// expertise). Everyone reads; editors change.
import { createResource, createSignal, For, Show } from 'solid-js'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView, Empty, Notice } from '../../components/states.tsx'
import { can } from '../../lib/session.ts'
import { createSubmission, FieldNote, FormProblem, SubmitActions, TextField } from '../../lib/submission.tsx'
import '../wallboard/wallboard.css'
import { stateLabels } from '../wallboard/WallboardPage.tsx'
import {
  listPresence,
  logIn,
  logOut,
  type RepresentativeTelephony,
  setOnBreak,
  type TelephonyChange,
  updateTelephony,
} from './api.ts'

const queueKinds = [
  { id: 'solo', label: 'Solo (one representative a call)' },
  { id: 'dual', label: 'Dual (two at once)' },
  { id: 'triple', label: 'Triple (three at once)' },
] as const
type QueueKind = (typeof queueKinds)[number]['id']

const genders = ['female', 'male', 'nonbinary'] as const
const zodiacSigns = [
  'aries',
  'taurus',
  'gemini',
  'cancer',
  'leo',
  'virgo',
  'libra',
  'scorpio',
  'sagittarius',
  'capricorn',
  'aquarius',
  'pisces',
] as const
const capitalized = (word: string) => word.charAt(0).toUpperCase() + word.slice(1)

function LoginForm(props: {
  person: RepresentativeTelephony
  others: RepresentativeTelephony[]
  onSaved: (person: RepresentativeTelephony) => void
  onCancel: () => void
}) {
  const [queues, setQueues] = createSignal<QueueKind[]>(
    props.person.presence.queues.length ? [...props.person.presence.queues] : ['solo'],
  )
  const [partner, setPartner] = createSignal(props.person.presence.partner_id ?? '')
  const { pending, error, run, fieldError } = createSubmission()
  const toggle = (queue: QueueKind, on: boolean) =>
    setQueues((list) => (on ? [...list.filter((q) => q !== queue), queue] : list.filter((q) => q !== queue)))
  const submit = (event: SubmitEvent) => {
    event.preventDefault()
    const order = queueKinds.map((q) => q.id).filter((q) => queues().includes(q))
    void run(async () =>
      props.onSaved(await logIn(props.person.id, { queues: order, partner_id: partner() || null })),
    )
  }
  return (
    <form class="panel form-panel" onSubmit={submit} aria-labelledby={`login-${props.person.id}`}>
      <header class="panel-header">
        <h2 id={`login-${props.person.id}`}>Log {props.person.name} in</h2>
      </header>
      <FormProblem error={error()} />
      <FieldNote message={fieldError('dial_string')} />
      <fieldset class="field">
        <legend class="field-label">Queues</legend>
        <For each={queueKinds}>
          {(queue) => (
            <label class="field-check">
              <input
                type="checkbox"
                name={`queue-${queue.id}`}
                checked={queues().includes(queue.id)}
                onChange={(e) => toggle(queue.id, e.currentTarget.checked)}
              />
              <span>{queue.label}</span>
            </label>
          )}
        </For>
        <FieldNote message={fieldError('queues')} />
      </fieldset>
      <label class="field">
        <span class="field-label">Preferred partner</span>
        <select name="partner" value={partner()} onChange={(e) => setPartner(e.currentTarget.value)}>
          <option value="">None</option>
          <For each={props.others}>{(other) => <option value={other.id}>{other.name}</option>}</For>
        </select>
        <FieldNote
          message={fieldError('partner_id')}
          hint="Dual and triple calls go to them together when both are free."
        />
      </label>
      <SubmitActions
        pending={pending()}
        label="Log in"
        pendingLabel="Logging in…"
        onCancel={() => props.onCancel()}
      />
    </form>
  )
}

interface Draft {
  dial: string
  phone: string
  pin: string
  removePin: boolean
  gender: string
  zodiac: string
  expertise: string
}

function PhoneForm(props: {
  person: RepresentativeTelephony
  onSaved: (person: RepresentativeTelephony) => void
  onCancel: () => void
}) {
  const [draft, setDraft] = createSignal<Draft>({
    dial: props.person.dial_string ?? '',
    phone: props.person.phone ?? '',
    pin: '',
    removePin: false,
    gender: props.person.gender ?? '',
    zodiac: props.person.zodiac_sign ?? '',
    expertise: props.person.expertise.join(', '),
  })
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }))
  const { pending, error, run, fieldError } = createSubmission()
  const submit = (event: SubmitEvent) => {
    event.preventDefault()
    const d = draft()
    const change: TelephonyChange = {
      dial_string: d.dial.trim() || null,
      phone: d.phone.trim() || null,
      gender: (d.gender || null) as TelephonyChange['gender'],
      zodiac_sign: (d.zodiac || null) as TelephonyChange['zodiac_sign'],
      expertise: d.expertise
        .split(',')
        .map((tag) => tag.trim().toLowerCase())
        .filter(Boolean),
    }
    if (d.pin.trim()) change.pin = d.pin.trim()
    else if (d.removePin) change.pin = null
    void run(async () => props.onSaved(await updateTelephony(props.person.id, change)))
  }
  return (
    <form class="panel form-panel" onSubmit={submit} aria-labelledby={`phone-${props.person.id}`}>
      <header class="panel-header">
        <h2 id={`phone-${props.person.id}`}>Phone settings of {props.person.name}</h2>
      </header>
      <FormProblem error={error()} />
      <div class="form-grid">
        <TextField
          label="Dial string"
          name="dial_string"
          value={draft().dial}
          onInput={(value) => set('dial', value)}
          error={fieldError('dial_string')}
          wide
          hint="How FreeSWITCH rings them: user/1001, sofia/gateway/carrier/15555550100, or loopback/1001/tollgate_lab in the lab."
        />
        <TextField
          label="Phone"
          name="phone"
          inputMode="tel"
          value={draft().phone}
          onInput={(value) => set('phone', value)}
          error={fieldError('phone')}
          hint="Recognised when they call the representatives’ line."
        />
        <TextField
          label="New PIN"
          name="pin"
          type="password"
          inputMode="numeric"
          autocomplete="new-password"
          value={draft().pin}
          onInput={(value) => set('pin', value)}
          error={fieldError('pin')}
          hint={
            props.person.pin_set
              ? 'A PIN is set; type a new one to replace it.'
              : 'No PIN yet: 4 to 8 digits.'
          }
        />
        <Show when={props.person.pin_set}>
          <label class="field-check">
            <input
              type="checkbox"
              name="remove_pin"
              checked={draft().removePin}
              onChange={(e) => set('removePin', e.currentTarget.checked)}
            />
            <span>Remove the PIN</span>
          </label>
        </Show>
        <label class="field">
          <span class="field-label">Gender</span>
          <select name="gender" value={draft().gender} onChange={(e) => set('gender', e.currentTarget.value)}>
            <option value="">Not given</option>
            <For each={genders}>{(g) => <option value={g}>{capitalized(g)}</option>}</For>
          </select>
        </label>
        <label class="field">
          <span class="field-label">Zodiac sign</span>
          <select
            name="zodiac_sign"
            value={draft().zodiac}
            onChange={(e) => set('zodiac', e.currentTarget.value)}
          >
            <option value="">Not given</option>
            <For each={zodiacSigns}>{(z) => <option value={z}>{capitalized(z)}</option>}</For>
          </select>
        </label>
        <TextField
          label="Expertise"
          name="expertise"
          value={draft().expertise}
          onInput={(value) => set('expertise', value)}
          error={fieldError('expertise') ?? fieldError('expertise.0')}
          wide
          hint="Tags callers may ask for, separated by commas: tarot, career, relationships."
        />
      </div>
      <SubmitActions
        pending={pending()}
        label="Save phone settings"
        pendingLabel="Saving…"
        onCancel={() => props.onCancel()}
      />
    </form>
  )
}

export default function RepresentativesTelephonyPage() {
  const [people, { refetch, mutate }] = createResource(listPresence)
  const [editing, setEditing] = createSignal<{ kind: 'login' | 'phone'; id: string } | null>(null)
  const [notice, setNotice] = createSignal<{ kind: 'ok' | 'error'; text: string } | null>(null)
  const [busy, setBusy] = createSignal<string | null>(null)

  const put = (person: RepresentativeTelephony) =>
    mutate((list) => (list ?? []).map((p) => (p.id === person.id ? person : p)))
  const nameOf = (id: string | null) => people.latest?.find((p) => p.id === id)?.name ?? '—'
  const act = async (person: RepresentativeTelephony, action: () => Promise<RepresentativeTelephony>) => {
    setBusy(person.id)
    try {
      const changed = await action()
      put(changed)
      setNotice({
        kind: 'ok',
        text: `${changed.name} is ${stateLabels[changed.presence.state]?.toLowerCase()}.`,
      })
    } catch (failure) {
      setNotice({
        kind: 'error',
        text: `${person.name}: ${failure instanceof Error ? failure.message : String(failure)}`,
      })
    } finally {
      setBusy(null)
    }
  }

  return (
    <>
      <PageHeader
        title="Representatives’ phones"
        subtitle="Who takes calls in which queues, and how each representative is rung, recognised and matched to callers."
      />
      <Notice notice={notice()} testId="telephony-notice" />
      <Show when={editing()} keyed>
        {(target) => (
          <Show when={people.latest?.find((p) => p.id === target.id)} keyed>
            {(person) =>
              target.kind === 'login' ? (
                <LoginForm
                  person={person}
                  others={(people.latest ?? []).filter((p) => p.id !== person.id)}
                  onCancel={() => setEditing(null)}
                  onSaved={(saved) => {
                    put(saved)
                    setEditing(null)
                    setNotice({
                      kind: 'ok',
                      text: `${saved.name} is logged in: ${saved.presence.queues.join(', ')}.`,
                    })
                  }}
                />
              ) : (
                <PhoneForm
                  person={person}
                  onCancel={() => setEditing(null)}
                  onSaved={(saved) => {
                    put(saved)
                    setEditing(null)
                    setNotice({ kind: 'ok', text: `Saved ${saved.name}’s phone settings.` })
                  }}
                />
              )
            }
          </Show>
        )}
      </Show>
      <AsyncView resource={people} retry={refetch}>
        {(list) => (
          <Show when={list().length > 0} fallback={<Empty title="No representatives yet" />}>
            <div class="table-wrap">
              <table class="table" aria-label="Representatives’ phones">
                <thead>
                  <tr>
                    <th scope="col">Representative</th>
                    <th scope="col">State</th>
                    <th scope="col">Queues</th>
                    <th scope="col">Partner</th>
                    <th scope="col">Dial string</th>
                    <th scope="col">Phone</th>
                    <th scope="col">PIN</th>
                    <th scope="col">Callers may ask for</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={list()}>
                    {(person) => (
                      <tr data-testid={`phone-${person.id}`}>
                        <td>
                          <strong>{person.name}</strong>
                          <div class="muted">Extension {person.extension}</div>
                        </td>
                        <td>
                          <span class={`badge presence-${person.presence.state}`}>
                            {stateLabels[person.presence.state]}
                          </span>
                        </td>
                        <td>{person.presence.queues.join(', ') || '—'}</td>
                        <td>{person.presence.partner_id ? nameOf(person.presence.partner_id) : '—'}</td>
                        <td class="mono">{person.dial_string ?? '—'}</td>
                        <td class="nowrap">{person.phone ?? '—'}</td>
                        <td>{person.pin_set ? 'Set' : 'None'}</td>
                        <td>
                          {[person.gender, person.zodiac_sign, ...person.expertise]
                            .filter(Boolean)
                            .map((word) => capitalized(word as string))
                            .join(', ') || '—'}
                        </td>
                        <td class="actions">
                          <Show when={can('editor')}>
                            <Show
                              when={person.presence.state !== 'offline'}
                              fallback={
                                <button
                                  type="button"
                                  class="button button-small button-primary"
                                  disabled={busy() === person.id}
                                  onClick={() => setEditing({ kind: 'login', id: person.id })}
                                >
                                  Log in
                                </button>
                              }
                            >
                              <button
                                type="button"
                                class="button button-small"
                                disabled={busy() === person.id}
                                onClick={() =>
                                  void act(person, () =>
                                    setOnBreak(person.id, person.presence.state !== 'break'),
                                  )
                                }
                              >
                                {person.presence.state === 'break' ? 'End break' : 'Start break'}
                              </button>{' '}
                              <button
                                type="button"
                                class="button button-small"
                                disabled={busy() === person.id}
                                onClick={() => setEditing({ kind: 'login', id: person.id })}
                              >
                                Queues
                              </button>{' '}
                              <button
                                type="button"
                                class="button button-small button-danger"
                                disabled={busy() === person.id}
                                onClick={() => void act(person, () => logOut(person.id))}
                              >
                                Log out
                              </button>
                            </Show>{' '}
                            <button
                              type="button"
                              class="button button-small"
                              onClick={() => setEditing({ kind: 'phone', id: person.id })}
                            >
                              Phone settings
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
      </AsyncView>
    </>
  )
}

// Phone numbers and lines: the numbers callers dial (each answering for a line, or as the
// representatives' line) and each phone line's call handling — representatives per call, how they
// are chosen, what callers may ask for, waiting, announcements, the partner network, ringing and
// wrap-up, the wait estimate's starting figures, and the prompts played. Everyone reads; editors
// change. A setting left alone follows Tollgate's default.
import { createResource, createSignal, For, Show } from 'solid-js'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView, Empty, Notice } from '../../components/states.tsx'
import { can } from '../../lib/session.ts'
import { createSubmission, FieldNote, FormProblem, SubmitActions, TextField } from '../../lib/submission.tsx'
import { listServiceLines, type ServiceLine } from '../service-lines/api.ts'
import '../wallboard/wallboard.css'
import {
  addNumber,
  type LineTelephony,
  listNumbers,
  type NewServiceNumber,
  readLineTelephony,
  removeNumber,
  type ServiceNumber,
  saveLineTelephony,
  type TelephonySettings,
} from './api.ts'

function NumberForm(props: {
  lines: ServiceLine[]
  onSaved: (n: ServiceNumber) => void
  onCancel: () => void
}) {
  const [number, setNumber] = createSignal('')
  const [purpose, setPurpose] = createSignal<NewServiceNumber['purpose']>('service_line')
  const [line, setLine] = createSignal(props.lines[0]?.id ?? '')
  const [source, setSource] = createSignal('')
  const { pending, error, run, fieldError } = createSubmission()
  const submit = (event: SubmitEvent) => {
    event.preventDefault()
    void run(async () =>
      props.onSaved(
        await addNumber({
          number: number().trim(),
          purpose: purpose(),
          service_line_id: purpose() === 'service_line' ? line() || null : null,
          advertising_source: source().trim() || null,
        }),
      ),
    )
  }
  return (
    <form class="panel form-panel" onSubmit={submit} aria-labelledby="number-form">
      <header class="panel-header">
        <h2 id="number-form">Add a number</h2>
      </header>
      <FormProblem error={error()} />
      <div class="form-grid">
        <TextField
          label="Number"
          name="number"
          required
          inputMode="tel"
          value={number()}
          onInput={(value) => setNumber(value)}
          error={fieldError('number')}
          hint="As FreeSWITCH receives it, such as 9004 or 18005550199."
        />
        <label class="field">
          <span class="field-label">Answers</span>
          <select
            name="purpose"
            value={purpose()}
            onChange={(e) => setPurpose(e.currentTarget.value as NewServiceNumber['purpose'])}
          >
            <option value="service_line">Callers, for a service line</option>
            <option value="representatives">Representatives logging in and out</option>
          </select>
        </label>
        <Show when={purpose() === 'service_line'}>
          <label class="field">
            <span class="field-label">Service line</span>
            <select name="service_line_id" value={line()} onChange={(e) => setLine(e.currentTarget.value)}>
              <For each={props.lines}>{(l) => <option value={l.id}>{l.name}</option>}</For>
            </select>
            <FieldNote message={fieldError('service_line_id')} />
          </label>
        </Show>
        <label class="field">
          <span class="field-label">Advertising source</span>
          <input
            name="advertising_source"
            value={source()}
            onInput={(e) => setSource(e.currentTarget.value)}
          />
          <FieldNote
            message={fieldError('advertising_source')}
            hint="Where callers saw it; kept with each call."
          />
        </label>
      </div>
      <SubmitActions
        pending={pending()}
        label="Add number"
        pendingLabel="Adding…"
        onCancel={() => props.onCancel()}
      />
    </form>
  )
}

type Editable = Exclude<keyof TelephonySettings, 'prompts'>
const numberFields: { key: Editable; label: string; hint: string }[] = [
  {
    key: 'max_wait_seconds',
    label: 'Longest wait (seconds)',
    hint: 'Then the caller goes to the partner network.',
  },
  {
    key: 'announce_every_seconds',
    label: 'Announce position every (seconds)',
    hint: 'Position and estimated wait.',
  },
  {
    key: 'ring_seconds',
    label: 'Ring for (seconds)',
    hint: 'A representative who does not answer by then missed it.',
  },
  { key: 'max_missed', label: 'Misses before a break', hint: 'In a row.' },
  { key: 'wrap_up_seconds', label: 'Wrap-up (seconds)', hint: 'After each call, before the next.' },
  {
    key: 'arrivals_per_hour',
    label: 'Calls an hour (estimate)',
    hint: 'Erlang C starts from this until the line has history.',
  },
  {
    key: 'handle_seconds',
    label: 'Call length (seconds, estimate)',
    hint: 'Erlang C’s handle time until the line has history.',
  },
]
const strategies = [
  ['longest_idle', 'Longest idle first'],
  ['fewest_calls', 'Fewest calls taken'],
  ['least_talk_time', 'Least talk time'],
  ['round_robin', 'Round robin'],
  ['random', 'At random'],
] as const
type Preference = 'gender' | 'zodiac_sign' | 'expertise' | 'extension'
const preferenceLabels = {
  gender: 'Gender',
  zodiac_sign: 'Zodiac sign',
  expertise: 'Expertise',
  extension: 'A representative’s extension',
} as const

function LineSettings(props: { line: ServiceLine }) {
  const [view, { mutate }] = createResource(() => props.line.id, readLineTelephony)
  const [open, setOpen] = createSignal(false)
  return (
    <section
      class="panel"
      aria-labelledby={`line-${props.line.id}`}
      data-testid={`line-telephony-${props.line.id}`}
    >
      <header class="panel-header">
        <h2 id={`line-${props.line.id}`}>{props.line.name}</h2>
        <Show when={!open()}>
          <button type="button" class="button button-small" onClick={() => setOpen(true)}>
            {can('editor') ? 'Change call handling' : 'Show call handling'}
          </button>
        </Show>
      </header>
      <AsyncView resource={view}>
        {(current) => (
          <>
            <p class="muted" data-testid={`line-summary-${props.line.id}`}>
              {current().representatives_per_call} representative
              {current().representatives_per_call > 1 ? 's' : ''} per call ·{' '}
              {strategies.find((s) => s[0] === current().telephony.strategy)?.[1]} · longest wait{' '}
              {current().telephony.max_wait_seconds} s · partner network{' '}
              {current().telephony.partner_network ?? 'none'}
            </p>
            <Show when={open()}>
              <LineForm
                view={current()}
                onCancel={() => setOpen(false)}
                onSaved={(saved) => {
                  mutate(saved)
                  setOpen(false)
                }}
              />
            </Show>
          </>
        )}
      </AsyncView>
    </section>
  )
}

function LineForm(props: {
  view: LineTelephony
  onSaved: (view: LineTelephony) => void
  onCancel: () => void
}) {
  const initial = props.view.telephony
  const [perCall, setPerCall] = createSignal(props.view.representatives_per_call)
  const [settings, setSettings] = createSignal<TelephonySettings>(structuredClone(initial))
  // what staff touched; with what they had set before, that is what is stored
  const [touched, setTouched] = createSignal(new Set<string>(props.view.customized))
  const [saved, setSaved] = createSignal(false)
  const { pending, error, run, fieldError } = createSubmission()
  const set = <K extends keyof TelephonySettings>(key: K, value: TelephonySettings[K]) => {
    setSettings((s) => ({ ...s, [key]: value }))
    setTouched((t) => new Set([...t, key]))
  }
  const setPrompt = (name: string, value: string) => {
    setSettings((s) => {
      const prompts = { ...s.prompts } as Record<string, string>
      if (value.trim()) prompts[name] = value.trim()
      else delete prompts[name]
      return { ...s, prompts: prompts as TelephonySettings['prompts'] }
    })
    setTouched((t) => new Set([...t, 'prompts']))
  }
  const problem = (key: string) => fieldError(`telephony.${key}`)
  const submit = (event: SubmitEvent) => {
    event.preventDefault()
    const current = settings() as Record<string, unknown>
    const telephony = Object.fromEntries([...touched()].map((key) => [key, current[key]]))
    setSaved(false)
    void run(async () => {
      props.onSaved(
        await saveLineTelephony(props.view.service_line_id, {
          representatives_per_call: perCall(),
          telephony: telephony as TelephonySettings,
        }),
      )
      setSaved(true)
    })
  }
  const editable = can('editor')
  return (
    <form onSubmit={submit} aria-label={`Call handling of ${props.view.name}`}>
      <FormProblem error={error()} />
      <fieldset class="form-grid" disabled={!editable}>
        <label class="field">
          <span class="field-label">Representatives per call</span>
          <select
            name="representatives_per_call"
            value={String(perCall())}
            onChange={(e) => setPerCall(Number(e.currentTarget.value) as 1 | 2 | 3)}
          >
            <option value="1">One (solo queue)</option>
            <option value="2">Two at once (dual queue)</option>
            <option value="3">Three at once (triple queue)</option>
          </select>
          <FieldNote message={fieldError('representatives_per_call')} />
        </label>
        <label class="field">
          <span class="field-label">Representatives chosen by</span>
          <select
            name="strategy"
            value={settings().strategy}
            onChange={(e) => set('strategy', e.currentTarget.value as TelephonySettings['strategy'])}
          >
            <For each={strategies}>{([id, label]) => <option value={id}>{label}</option>}</For>
          </select>
        </label>
        <label class="field">
          <span class="field-label">While waiting, callers hear</span>
          <select
            name="waiting_content"
            value={settings().waiting_content}
            onChange={(e) =>
              set('waiting_content', e.currentTarget.value as TelephonySettings['waiting_content'])
            }
          >
            <option value="music">Music</option>
            <option value="birth_date_message">A message from their birth date</option>
            <option value="offer">An offer</option>
          </select>
        </label>
        <fieldset class="field">
          <legend class="field-label">Callers may ask for</legend>
          <For each={Object.entries(preferenceLabels)}>
            {([key, label]) => (
              <label class="field-check">
                <input
                  type="checkbox"
                  name={`preference-${key}`}
                  checked={(settings().preferences ?? []).includes(key as Preference)}
                  onChange={(e) => {
                    const chosen = (settings().preferences ?? []).filter((p) => p !== key)
                    set('preferences', e.currentTarget.checked ? [...chosen, key as Preference] : chosen)
                  }}
                />
                <span>{label}</span>
              </label>
            )}
          </For>
        </fieldset>
        <TextField
          label="Partner network"
          name="partner_network"
          value={settings().partner_network ?? ''}
          onInput={(value) => set('partner_network', value.trim() || null)}
          error={problem('partner_network')}
          hint="Where callers go on the partner key or at the longest wait: an extension or dial string; empty for none."
        />
        <TextField
          label="Partner key"
          name="partner_key"
          maxLength={1}
          value={settings().partner_key ?? ''}
          onInput={(value) => set('partner_key', value)}
          error={problem('partner_key')}
          hint="0–9, * or #."
        />
        <For each={numberFields}>
          {(field) => (
            <label class="field">
              <span class="field-label">{field.label}</span>
              <input
                name={field.key}
                inputMode="numeric"
                value={String(settings()[field.key] ?? '')}
                onInput={(e) => {
                  const text = e.currentTarget.value.trim()
                  set(field.key, (text === '' || Number.isNaN(Number(text)) ? text : Number(text)) as never)
                }}
                aria-invalid={Boolean(problem(field.key))}
              />
              <FieldNote message={problem(field.key)} hint={field.hint} />
            </label>
          )}
        </For>
      </fieldset>
      <details class="field-wide">
        <summary>Prompts</summary>
        <p class="muted">
          A file FreeSWITCH can play (/usr/share/freeswitch/sounds/…wav, tone_stream://…, local_stream://moh).
          Empty plays the default shown.
        </p>
        <fieldset class="form-grid" disabled={!editable}>
          <For each={Object.entries(props.view.prompt_defaults)}>
            {([name, fallback]) => (
              <label class="field">
                <span class="field-label">{name.replaceAll('_', ' ')}</span>
                <input
                  name={`prompt-${name}`}
                  placeholder={fallback}
                  value={(settings().prompts as Record<string, string>)[name] ?? ''}
                  onInput={(e) => setPrompt(name, e.currentTarget.value)}
                />
                <FieldNote message={problem(`prompts.${name}`)} />
              </label>
            )}
          </For>
        </fieldset>
      </details>
      <Show when={saved()}>
        <p class="alert alert-ok" role="status">
          Saved.
        </p>
      </Show>
      <Show
        when={editable}
        fallback={
          <button type="button" class="button button-quiet" onClick={() => props.onCancel()}>
            Close
          </button>
        }
      >
        <SubmitActions
          pending={pending()}
          label="Save call handling"
          pendingLabel="Saving…"
          onCancel={() => props.onCancel()}
        />
      </Show>
    </form>
  )
}

export default function LinesTelephonyPage() {
  const [numbers, { refetch, mutate }] = createResource(listNumbers)
  const [lines] = createResource(() =>
    listServiceLines(false).then((list) => list.filter((line) => line.mode === 'conference')),
  )
  const [adding, setAdding] = createSignal(false)
  const [notice, setNotice] = createSignal<{ kind: 'ok' | 'error'; text: string } | null>(null)

  const remove = async (entry: ServiceNumber) => {
    try {
      await removeNumber(entry.number)
      mutate((list) => (list ?? []).filter((n) => n.number !== entry.number))
      setNotice({ kind: 'ok', text: `${entry.number} is no longer answered.` })
    } catch (failure) {
      setNotice({ kind: 'error', text: failure instanceof Error ? failure.message : String(failure) })
    }
  }

  return (
    <>
      <PageHeader
        title="Phone numbers and lines"
        subtitle="The numbers callers dial, and how each phone line handles its calls."
        actions={
          <Show when={can('editor') && !adding()}>
            <button type="button" class="button button-primary" onClick={() => setAdding(true)}>
              Add number
            </button>
          </Show>
        }
      />
      <Notice notice={notice()} testId="numbers-notice" />
      <Show when={adding() && lines.latest}>
        {(list) => (
          <NumberForm
            lines={list()}
            onCancel={() => setAdding(false)}
            onSaved={(saved) => {
              mutate((all) => [...(all ?? []), saved].sort((a, b) => a.number.localeCompare(b.number)))
              setAdding(false)
              setNotice({ kind: 'ok', text: `Added ${saved.number}.` })
            }}
          />
        )}
      </Show>
      <AsyncView resource={numbers} retry={refetch}>
        {(list) => (
          <Show
            when={list().length > 0}
            fallback={<Empty title="No numbers yet">Add one to take calls.</Empty>}
          >
            <div class="table-wrap">
              <table class="table" aria-label="Phone numbers">
                <thead>
                  <tr>
                    <th scope="col">Number</th>
                    <th scope="col">Answers</th>
                    <th scope="col">Advertising source</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={list()}>
                    {(entry) => (
                      <tr data-testid={`number-${entry.number}`}>
                        <td class="mono">{entry.number}</td>
                        <td>
                          {entry.purpose === 'representatives'
                            ? 'Representatives’ line'
                            : (entry.service_line_name ?? entry.service_line_id)}
                        </td>
                        <td>{entry.advertising_source ?? '—'}</td>
                        <td class="actions">
                          <Show when={can('editor')}>
                            <button
                              type="button"
                              class="button button-small button-danger"
                              onClick={() => void remove(entry)}
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
        )}
      </AsyncView>
      <h2 class="wallboard-section">Phone lines</h2>
      <AsyncView resource={lines}>
        {(list) => <For each={list()}>{(line) => <LineSettings line={line} />}</For>}
      </AsyncView>
    </>
  )
}

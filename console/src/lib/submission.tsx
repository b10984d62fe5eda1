// A form's submission: pending while it runs, and the server's problem kept so the form can show
// each field's message where it belongs and anything else above the fields.
import { createSignal, type JSX, Show, splitProps } from 'solid-js'
import { ApiError } from './api.ts'

export function createSubmission() {
  const [pending, setPending] = createSignal(false)
  const [error, setError] = createSignal<ApiError | null>(null)

  /** Runs the action; a refusal from the server is kept for the form, anything else is thrown on. */
  async function run(action: () => Promise<void>): Promise<boolean> {
    setPending(true)
    setError(null)
    try {
      await action()
      return true
    } catch (failure) {
      if (failure instanceof ApiError) {
        setError(failure)
        return false
      }
      throw failure
    } finally {
      setPending(false)
    }
  }

  return { pending, error, run, fieldError: (field: string) => error()?.fieldMessage(field) }
}

/** The part of a refusal that names no field: shown above the form. */
export function FormProblem(props: { error: ApiError | null }) {
  return (
    <Show when={props.error && !props.error.problem.errors?.length}>
      <p class="alert" role="alert">
        {props.error?.message}
      </p>
    </Show>
  )
}

/** Under a field: the server's message for it when there is one, else the hint (if any). */
export function FieldNote(props: { message: string | undefined; hint?: JSX.Element }) {
  return (
    <Show when={props.message} fallback={props.hint ? <span class="field-hint">{props.hint}</span> : null}>
      {(message) => <span class="field-error">{message()}</span>}
    </Show>
  )
}

/** A labelled text input with its note beneath: the server's message for the field, else the hint. */
export function TextField(
  props: {
    label: string
    name: string
    value: string
    onInput: (value: string) => void
    error: string | undefined
    hint?: JSX.Element
    /** spans the form's width */
    wide?: boolean
  } & Pick<
    JSX.InputHTMLAttributes<HTMLInputElement>,
    'type' | 'inputMode' | 'autocomplete' | 'maxLength' | 'placeholder' | 'required' | 'disabled' | 'list'
  >,
) {
  const [own, input] = splitProps(props, ['label', 'value', 'onInput', 'error', 'hint', 'wide'])
  return (
    <label class={own.wide ? 'field field-wide' : 'field'}>
      <span class="field-label">{own.label}</span>
      <input
        {...input}
        value={own.value}
        onInput={(e) => own.onInput(e.currentTarget.value)}
        aria-invalid={Boolean(own.error)}
      />
      <FieldNote message={own.error} hint={own.hint} />
    </label>
  )
}

/** A form's buttons: submit (saying what it is doing while pending) and, when given, cancel. */
export function SubmitActions(props: {
  pending: boolean
  label: string
  pendingLabel: string
  disabled?: boolean
  onCancel?: () => void
}) {
  return (
    <div class="form-actions">
      <button type="submit" class="button button-primary" disabled={props.pending || props.disabled}>
        {props.pending ? props.pendingLabel : props.label}
      </button>
      <Show when={props.onCancel}>
        {(cancel) => (
          <button type="button" class="button button-quiet" onClick={() => cancel()()}>
            Cancel
          </button>
        )}
      </Show>
    </div>
  )
}

/** A search form's buttons: Search, and Clear while a filter is applied. */
export function SearchActions(props: { filtered: boolean; onClear: () => void }) {
  return (
    <div class="filter-actions">
      <button type="submit" class="button button-primary">
        Search
      </button>
      <Show when={props.filtered}>
        <button type="button" class="button button-quiet" onClick={() => props.onClear()}>
          Clear
        </button>
      </Show>
    </div>
  )
}

// A form's submission: pending while it runs, and the server's problem kept so the form can show
// each field's message where it belongs and anything else above the fields.
import { createSignal, Show } from 'solid-js'
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

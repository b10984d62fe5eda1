// The confirmation before a version's life changes: what will change, from when, and the diff
// against the version it replaces, in words; then the action itself, with the server's refusal
// (an invalid draft, four eyes) shown in place.
import { createResource, createSignal, onMount, Show } from 'solid-js'
import { ApiError } from '../../lib/api.ts'
import { session } from '../../lib/session.ts'
import {
  activateVersion,
  archiveVersion,
  type Person,
  publishVersion,
  type RuleSet,
  readDiff,
  rollBack,
  setShadow,
} from './api.ts'
import {
  actionLabels,
  comparedWith,
  consequence,
  diffSummary,
  fourEyesRule,
  type VersionAction,
} from './lifecycle.ts'

async function perform(action: VersionAction, ruleSet: RuleSet, version: number): Promise<void> {
  switch (action) {
    case 'publish':
      await publishVersion(ruleSet.id, version)
      return
    case 'activate':
      await activateVersion(ruleSet.id, version)
      return
    case 'rollback':
      await rollBack(ruleSet.id, version)
      return
    case 'archive':
      await archiveVersion(ruleSet.id, version)
      return
    case 'shadow_on':
      await setShadow(ruleSet.id, version, true)
      return
    case 'shadow_off':
      await setShadow(ruleSet.id, version, false)
      return
  }
}

export function ActionDialog(props: {
  ruleSet: RuleSet
  version: number
  action: VersionAction
  /** who changed the draft last, when the caller knows better than the rule set it read earlier */
  lastEditedBy?: Person | null
  onClose: () => void
  onDone: (message: string) => void
}) {
  let dialog: HTMLDialogElement | undefined
  const other = () => comparedWith(props.action, props.ruleSet, props.version)
  const fourEyes = () => {
    if (props.action !== 'publish') return null
    const summary = props.ruleSet.versions.find((v) => v.version === props.version)
    const lastEditor =
      props.lastEditedBy !== undefined ? props.lastEditedBy : (summary?.last_edited_by ?? null)
    return fourEyesRule(props.ruleSet, lastEditor, session()?.user)
  }
  const [diff] = createResource(other, (from) => readDiff(props.ruleSet.id, from, props.version))
  const [pending, setPending] = createSignal(false)
  const [error, setError] = createSignal<string | null>(null)

  onMount(() => dialog?.showModal())

  const confirm = async () => {
    setPending(true)
    setError(null)
    try {
      await perform(props.action, props.ruleSet, props.version)
      dialog?.close()
      props.onDone(doneMessage(props.action, props.version))
    } catch (failure) {
      if (failure instanceof ApiError) {
        const details = failure.problem.errors?.map((e) => `${e.field}: ${e.message}`) ?? []
        setError([failure.message, ...details.slice(0, 5)].join('\n'))
      } else setError(failure instanceof Error ? failure.message : String(failure))
    } finally {
      setPending(false)
    }
  }

  return (
    <dialog
      ref={dialog}
      class="confirm-dialog"
      aria-labelledby="confirm-title"
      onClose={() => props.onClose()}
      onCancel={() => props.onClose()}
    >
      <h2 id="confirm-title">
        {actionLabels[props.action]}: version {props.version}?
      </h2>
      <p class="consequence" data-testid="consequence">
        {consequence(props.action, props.ruleSet, props.version)}
      </p>
      <Show when={fourEyes()}>
        {(rule) => (
          <p class="alert alert-warning" data-testid="four-eyes">
            {rule().text}
          </p>
        )}
      </Show>
      <Show when={other()}>
        <div class="diff-summary" data-testid="diff-summary">
          <Show when={diff()} fallback={<p class="muted">Comparing with version {other()}…</p>}>
            {(d) => <p>{diffSummary(d())}</p>}
          </Show>
        </div>
      </Show>
      <Show when={error()}>
        <p class="alert" role="alert">
          {error()}
        </p>
      </Show>
      <div class="form-actions">
        <button
          type="button"
          class="button button-primary"
          disabled={pending() || fourEyes()?.mayPublish === false}
          onClick={confirm}
        >
          {pending() ? 'Working…' : `${actionLabels[props.action]} version ${props.version}`}
        </button>
        <button type="button" class="button button-quiet" onClick={() => dialog?.close()}>
          Cancel
        </button>
      </div>
    </dialog>
  )
}

function doneMessage(action: VersionAction, version: number): string {
  switch (action) {
    case 'publish':
      return `Version ${version} is published.`
    case 'activate':
      return `Version ${version} is active: it decides from now on.`
    case 'rollback':
      return `Rolled back: version ${version} decides again.`
    case 'archive':
      return `Version ${version} is archived.`
    case 'shadow_on':
      return `Version ${version} runs in shadow.`
    case 'shadow_off':
      return `Version ${version} no longer runs in shadow.`
  }
}

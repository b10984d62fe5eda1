// The options of a version picker: "Version 3 · Published", in the order given.
import { For } from 'solid-js'
import type { VersionSummary } from './api.ts'
import { statusLabels } from './lifecycle.ts'

export function VersionOptions(props: { versions: Pick<VersionSummary, 'version' | 'status'>[] }) {
  return (
    <For each={props.versions}>
      {(v) => (
        <option value={v.version}>
          Version {v.version} · {statusLabels[v.status]}
        </option>
      )}
    </For>
  )
}

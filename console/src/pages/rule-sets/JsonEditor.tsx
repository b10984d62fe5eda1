// The JSON view of a draft: CodeMirror 6 with JSON highlighting, bracket matching, folding and a
// parse-error lint. The text is controlled: a new `value` from outside replaces the document only
// when it differs from what the editor holds, so typing never loses the cursor.
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands'
import { json, jsonParseLinter } from '@codemirror/lang-json'
import {
  bracketMatching,
  defaultHighlightStyle,
  foldGutter,
  foldKeymap,
  indentOnInput,
  syntaxHighlighting,
} from '@codemirror/language'
import { linter, lintGutter } from '@codemirror/lint'
import { Compartment, EditorState } from '@codemirror/state'
import {
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from '@codemirror/view'
import { createEffect, onCleanup, onMount } from 'solid-js'

export function JsonEditor(props: {
  value: string
  onChange: (text: string) => void
  readOnly?: boolean
  label: string
}) {
  let host: HTMLDivElement | undefined
  let view: EditorView | undefined
  const editable = new Compartment()
  const readOnlyState = (readOnly: boolean) => [
    EditorState.readOnly.of(readOnly),
    EditorView.editable.of(!readOnly),
  ]

  onMount(() => {
    view = new EditorView({
      parent: host,
      state: EditorState.create({
        doc: props.value,
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          foldGutter(),
          history(),
          drawSelection(),
          indentOnInput(),
          bracketMatching(),
          highlightActiveLine(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          json(),
          linter(jsonParseLinter(), { delay: 300 }),
          lintGutter(),
          keymap.of([indentWithTab, ...defaultKeymap, ...historyKeymap, ...foldKeymap]),
          editable.of(readOnlyState(props.readOnly ?? false)),
          EditorView.contentAttributes.of({ 'aria-label': props.label }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) props.onChange(update.state.doc.toString())
          }),
        ],
      }),
    })
  })

  createEffect(() => {
    const text = props.value
    if (view && view.state.doc.toString() !== text)
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } })
  })
  createEffect(() => {
    const readOnly = props.readOnly ?? false
    view?.dispatch({ effects: editable.reconfigure(readOnlyState(readOnly)) })
  })
  onCleanup(() => view?.destroy())

  return <div class="json-editor" ref={host} data-testid="json-editor" />
}

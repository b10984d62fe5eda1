// Per-run memos for fact modules outside the core catalog: a fact run is one evaluation, so a
// loader keyed by it runs once per decision however many rules ask, and is dropped with the run.
import type { FactRun } from '../types.ts'

const memos = new WeakMap<FactRun, Map<string, Promise<unknown>>>()

export function once<T>(run: FactRun, key: string, load: () => Promise<T>): Promise<T> {
  let memo = memos.get(run)
  if (!memo) {
    memo = new Map()
    memos.set(run, memo)
  }
  let value = memo.get(key) as Promise<T> | undefined
  if (!value) {
    value = load()
    memo.set(key, value)
  }
  return value
}

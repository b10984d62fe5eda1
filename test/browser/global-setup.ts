// Browser project setup: build the console once when dist/console is missing or older than its
// sources, so every suite serves what is in the tree. Skipped (loudly) without Chromium.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { CHROMIUM_PATH, chromiumAvailable, warnIfSkipped } from './support/chromium.ts'

const root = path.resolve(import.meta.dirname, '../..')

function newestMtime(entry: string): number {
  const stat = statSync(entry)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs
  for (const name of readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, name)))
  return newest
}

export function consoleIsStale(): boolean {
  const built = path.join(root, 'dist/console/index.html')
  if (!existsSync(built)) return true
  const sources = ['console', 'vite.config.ts', 'package-lock.json']
    .map((p) => path.join(root, p))
    .filter((p) => existsSync(p))
  return Math.max(...sources.map(newestMtime)) > statSync(built).mtimeMs
}

export function setup(): () => void {
  if (!chromiumAvailable) {
    // CI installs Chromium: there a missing browser is a broken machine, not a reason to skip
    if (process.env.CI)
      throw new Error(`CI has no Chromium at ${CHROMIUM_PATH}; .ci/run installs Debian's chromium`)
    warnIfSkipped()
    // said again at the end, where it is not scrolled away by the other suites' output
    return warnIfSkipped
  }
  if (!consoleIsStale()) return () => {}
  console.log('[tollgate] building the console for the browser suites (npm run build)')
  const vite = path.join(root, 'node_modules/vite/bin/vite.js')
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  })
  if (result.status !== 0) throw new Error(`the console build failed with exit code ${result.status}`)
  return () => {}
}

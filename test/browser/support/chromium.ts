// Where the browser suites find Chromium: Debian's package at /usr/bin/chromium (CI installs it).
// Without it the suites are skipped, and say so loudly rather than passing in silence.
import { existsSync } from 'node:fs'

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const chromiumAvailable = existsSync(CHROMIUM_PATH)

export function warnIfSkipped(): void {
  if (chromiumAvailable) return
  const line = '='.repeat(88)
  console.warn(
    [
      '',
      line,
      `  BROWSER TESTS SKIPPED: chromium not found at ${CHROMIUM_PATH} — install Debian's chromium`,
      '  (apt-get install chromium), or set CHROMIUM_PATH. CI installs it, so there they always run.',
      line,
      '',
    ].join('\n'),
  )
}

// Structured logs. Request bodies are never logged in the first place; as a second line of
// defence, everything a log line carries is scrubbed however deep it sits: values under secret
// keys, and any Luhn-valid run of 13–19 digits (a card number quoted in an error, say).
import pino, { type Logger } from 'pino'
import { luhnValid } from './payments/card.ts'

const secretKeys = new Set([
  'number',
  'cvc',
  'password',
  'password_hash',
  'authorization',
  'account_number',
  'body',
])
const digitRuns = /\d(?:[ -]?\d){12,18}/g
const censor = '[redacted]'

function scrubText(text: string): string {
  return text.replace(digitRuns, (run) => (luhnValid(run.replace(/[ -]/g, '')) ? censor : run))
}

/** A copy of the value with secrets replaced; the caller's object is left as it was. */
export function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value)
  if (value === null || typeof value !== 'object' || depth > 8) return value
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1))
  const source =
    value instanceof Error
      ? { ...value, type: value.name, message: value.message, stack: value.stack }
      : value
  const copy: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(source))
    copy[key] = secretKeys.has(key.toLowerCase()) && item !== undefined ? censor : scrub(item, depth + 1)
  return copy
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'tollgate' },
      formatters: { log: (object) => scrub(object) as Record<string, unknown> },
      hooks: {
        // messages are scrubbed too: `logger.error(\`failed for ${card}\`)` must not leak it
        logMethod(args, method) {
          method.apply(
            this,
            args.map((arg) => (typeof arg === 'string' ? scrubText(arg) : arg)) as Parameters<typeof method>,
          )
        },
      },
    },
    destination,
  )
}
export type { Logger }

// Structured logs. Card numbers and CVCs are redacted wherever they could appear, as a second line
// of defence: request bodies are never logged in the first place.
import pino, { type Logger } from 'pino'

export const redactPaths = [
  '*.number',
  '*.cvc',
  '*.card.number',
  '*.card.cvc',
  '*.*.card.number',
  '*.*.card.cvc',
  'body',
  'req.body',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
]

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, redact: { paths: redactPaths, censor: '[redacted]' }, base: { service: 'tollgate' } },
    destination,
  )
}
export type { Logger }

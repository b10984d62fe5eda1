// Two promises an operator relies on: /readyz tells when the database is gone (while /healthz still
// says the process lives), and the logs never hold a card number, a CVC or a password, whatever
// object a future change hands the logger.
import { describe, expect, it } from 'vitest'
import { createLogger } from '../../server/logging.ts'
import { startTestApp } from '../support/app.ts'

function captureLogs() {
  const lines: string[] = []
  const logger = createLogger('debug', { write: (line: string) => void lines.push(line) })
  return { logger, text: () => lines.join('\n') }
}

describe('the logs', () => {
  it('redact card numbers, CVCs and passwords wherever they sit in what is logged', () => {
    const { logger, text } = captureLogs()
    const card = { number: '4242424242424242', cvc: '123', exp_month: 12 }
    logger.info({ card }, 'a card at the top')
    logger.info({ request: { payment_method: { card } } }, 'a card two levels down')
    logger.info({ body: { payment_method: { card } } }, 'a request body')
    logger.info({ err: { request: { payment_method: { card } } } }, 'a card three levels down')
    logger.info({ user: { email: 'a@b.c', password: 'hunter2hunter2' } }, 'a password')
    logger.info({ authorization: 'Bearer tg_demo_secretsecretsecret' }, 'an auth header')
    const written = text()
    for (const secret of ['4242424242424242', 'hunter2hunter2', 'tg_demo_secretsecretsecret', '"cvc":"123"'])
      expect(written, secret).not.toContain(secret)
    // what is not secret still reads
    expect(written).toContain('a card three levels down')
    expect(written).toContain('a@b.c')
  })
})

describe('health', () => {
  it('says ready while the database answers, and 503 with a problem once it is gone', async () => {
    const t = await startTestApp()
    const ready = await t.app.request('/readyz')
    expect(ready.status).toBe(200)
    await t.database.close()
    const gone = await t.app.request('/readyz')
    expect(gone.status).toBe(503)
    expect(gone.headers.get('content-type')).toContain('application/problem+json')
    expect((await gone.json()).type).toBe('urn:tollgate:problem:unavailable')
    expect((await t.app.request('/healthz')).status).toBe(200)
  })
})

describe('the log scrubber', () => {
  it('hides a card number quoted in a message or an error, and keeps other numbers', () => {
    const { logger, text } = captureLogs()
    logger.error(
      { err: new Error('gateway refused 4242 4242 4242 4242') },
      'charge failed for 5555-5555-5555-4444',
    )
    logger.info({ order: '1234567890123', phone: '+15555550100' }, 'order kept')
    const written = text()
    expect(written).not.toContain('4242 4242 4242 4242')
    expect(written).not.toContain('5555-5555-5555-4444')
    expect(written).toContain('gateway refused [redacted]')
    // not Luhn-valid, or too short to be a card: left alone
    expect(written).toContain('1234567890123')
    expect(written).toContain('+15555550100')
  })
})

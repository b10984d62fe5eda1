// SMTP_URL, the deployer's SMTP server for e-mail campaigns: taken as given, refused in one line
// naming the form — never echoing the value, which may hold a password.
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../server/config.ts'

describe('SMTP_URL', () => {
  it('is unset by default, and takes an smtp:// or smtps:// URL', () => {
    expect(loadConfig({}).smtpUrl).toBeUndefined()
    expect(loadConfig({ SMTP_URL: '' }).smtpUrl).toBeUndefined()
    expect(loadConfig({ SMTP_URL: 'smtp://mailer:pw@mail.example.com:587' }).smtpUrl).toBe(
      'smtp://mailer:pw@mail.example.com:587',
    )
    expect(loadConfig({ SMTP_URL: 'smtps://mail.example.com' }).smtpUrl).toBe('smtps://mail.example.com')
  })

  it('refuses anything else in one line that does not echo the value', () => {
    for (const bad of [
      'mail.example.com:587',
      'http://user:hunter2@mail.example.com',
      'smtp://',
      'smtp:///x',
    ])
      expect(() => loadConfig({ SMTP_URL: bad }), bad).toThrow(
        /^SMTP_URL must be an SMTP URL of the form smtp:\/\/user:password@host:587 or smtps:\/\/user:password@host:465$/,
      )
  })
})

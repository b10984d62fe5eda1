// What an Event Socket event may show in a log.
import { describe, expect, it } from 'vitest'
import { eslEvent } from '../../../telephony/esl/event.ts'
import { redactEvent, redacted } from '../../../telephony/esl/redact.ts'

describe('redactEvent', () => {
  it('hides payment and address variables whatever the flow called them', () => {
    const event = eslEvent({
      'Event-Name': 'CHANNEL_EXECUTE_COMPLETE',
      variable_card_number: '4242424242424242',
      variable_card_expiry: '1230',
      variable_postal_code: '94107',
      variable_cvc: '123',
      variable_zip: '10001',
      variable_my_secret: 'x',
      variable_read_result: 'success',
      variable_sip_ping: 'ok',
      'Caller-Caller-ID-Number': '15550001111',
    })
    const out = redactEvent(event)
    for (const name of ['card_number', 'card_expiry', 'postal_code', 'cvc', 'zip', 'my_secret'])
      expect(out[`variable_${name}`]).toBe(redacted)
    expect(out.variable_read_result).toBe('success')
    expect(out.variable_sip_ping).toBe('ok')
    expect(out['Caller-Caller-ID-Number']).toBe('15550001111')
  })

  it('hides the variables a secret prompt wrote, and their _invalid twins', () => {
    const event = eslEvent({
      'Event-Name': 'CHANNEL_EXECUTE',
      variable_entry: '4111',
      variable_entry_invalid: '41',
    })
    const out = redactEvent(event, { secretVariables: new Set(['entry']) })
    expect(out.variable_entry).toBe(redacted)
    expect(out.variable_entry_invalid).toBe(redacted)
  })

  it('hides DTMF digits only while a secret prompt collects them', () => {
    const event = eslEvent({ 'Event-Name': 'DTMF', 'DTMF-Digit': '7', 'DTMF-Duration': '2000' })
    expect(redactEvent(event, { secretPromptActive: true })['DTMF-Digit']).toBe(redacted)
    expect(redactEvent(event)['DTMF-Digit']).toBe('7')
  })

  it('hides a secret value set by an app', () => {
    const event = eslEvent({
      'Event-Name': 'CHANNEL_EXECUTE',
      Application: 'set',
      'Application-Data': 'card_number=4242424242424242',
    })
    expect(redactEvent(event)['Application-Data']).toBe(redacted)
    const harmless = eslEvent({
      'Event-Name': 'CHANNEL_EXECUTE',
      Application: 'set',
      'Application-Data': 'lang=en',
    })
    expect(redactEvent(harmless)['Application-Data']).toBe('lang=en')
  })

  it('hides it in variable_current_application_data too', () => {
    const event = eslEvent({
      'Event-Name': 'CHANNEL_EXECUTE_COMPLETE',
      variable_current_application: 'set',
      variable_current_application_data: 'entry=1230',
    })
    expect(
      redactEvent(event, { secretVariables: new Set(['entry']) }).variable_current_application_data,
    ).toBe(redacted)
  })

  it('leaves the event itself as it was', () => {
    const event = eslEvent({ 'Event-Name': 'CHANNEL_EXECUTE', variable_card_number: '4242424242424242' })
    redactEvent(event)
    expect(event.variable('card_number')).toBe('4242424242424242')
  })
})

describe('the inbound control connection logs', () => {
  it('no variables and no DTMF digits of any channel', () => {
    const event = eslEvent({
      'Event-Name': 'DTMF',
      'Unique-ID': 'u-1',
      'DTMF-Digit': '4',
      variable_entry: '4242',
    })
    const out = redactEvent(event, { secretPromptActive: true, dropVariables: true })
    expect(out).toEqual({ 'Event-Name': 'DTMF', 'Unique-ID': 'u-1', 'DTMF-Digit': redacted })
  })
})

// The FreeSWITCH configuration a deployer installs (telephony/freeswitch/): every XML file parses as
// FreeSWITCH's preprocessor will see it where the README puts it, uses only elements, parameters and
// applications that exist in FreeSWITCH 1.10 (lists taken from 1.10.12's sources), and agrees with
// the bridge: the socket address, the event socket's port, the conference profile's name, the demo
// numbers and the demo representatives' lab dial strings.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { describe, expect, it } from 'vitest'
import { defaultPrompts } from '../../server/billing/line-telephony.ts'
import {
  demoNumbers,
  demoRepresentativeTelephony,
  LAB_CONTEXT,
  labDialString,
} from '../../server/service-numbers/demo.ts'

const root = path.resolve(import.meta.dirname, '../../telephony/freeswitch')

/** The bridge's outbound-socket listener by default (ESL_LISTEN) and FreeSWITCH's event socket (FREESWITCH_ESL). */
const ESL_LISTEN_DEFAULT = '127.0.0.1:8084'
const EVENT_SOCKET_PORT = '8021'
/** Conferences are call-<id>@tollgate (telephony/conference.ts). */
const CONFERENCE_PROFILE = 'tollgate'

// From FreeSWITCH v1.10.12: the settings mod_event_socket reads (mod_event_socket.c, config()),
// the profile parameters mod_conference reads (mod_conference.c), and the applications the
// shipped dialplan may use (mod_dptools.c SWITCH_ADD_APP, plus socket from mod_event_socket).
const eventSocketParams = new Set([
  'listen-ip',
  'debug',
  'nat-map',
  'listen-port',
  'password',
  'apply-inbound-acl',
  'stop-on-bind-error',
])
const conferenceParams = new Set(
  `alone-sound announce-count auto-energy-level auto-gain-level auto-record bad-pin-sound caller-controls
  caller-id-name caller-id-number cdr-event-mode cdr-log-dir channels comfort-noise conference-flags
  deaf-sound description domain endconf-grace-time energy-level enter-sound exit-sound interval
  is-locked-sound is-unlocked-sound ivr-dtmf-timeout ivr-input-timeout kicked-sound locked-sound
  max-members max-members-sound member-enter-sound member-flags moderator-controls moderator-pin
  moh-sound muted-sound perpetual-sound pin pin-retries pin-sound rate sound-prefix suppress-events
  terminate-on-silence timer-name tts-engine tts-voice undeaf-sound unmuted-sound verbose-events`.split(
    /\s+/,
  ),
)
const applications = new Set(
  `answer pre_answer ring_ready sleep playback endless_playback hangup park set export transfer
  socket conference gentones send_dtmf`.split(/\s+/),
)
// conference events the bridge needs (conference::maintenance Actions)
const neededConferenceEvents = ['add-member', 'del-member']

interface Element {
  name: string
  attrs: Record<string, string>
  children: Element[]
}

/**
 * What FreeSWITCH's preprocessor makes of a file (switch_xml.c preprocess()): lines holding
 * <include>, </include> or <? are dropped whole, and the rest is spliced where it is included.
 */
function preprocessed(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.includes('<include>') && !line.includes('</include>') && !line.includes('<?'))
    .join('\n')
}

type Ordered = Record<string, unknown> & { ':@'?: Record<string, string> }

function toElements(nodes: Ordered[]): Element[] {
  return nodes.flatMap((node) => {
    const name = Object.keys(node).find((key) => key !== ':@')
    if (!name || name === '#text' || name === '#comment') return []
    return [{ name, attrs: node[':@'] ?? {}, children: toElements(node[name] as Ordered[]) }]
  })
}

/** A file as the element FreeSWITCH includes it into (its "parent") sees its children. */
function load(relative: string, parent: string): Element {
  const text = readFileSync(path.join(root, relative), 'utf8')
  const valid = XMLValidator.validate(text)
  if (valid !== true) throw new Error(`${relative}: ${JSON.stringify(valid.err)}`)
  const wrapped = `<${parent}>${preprocessed(text)}</${parent}>`
  expect(XMLValidator.validate(wrapped), `${relative} after preprocessing`).toBe(true)
  const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '' })
  const [top] = toElements(parser.parse(wrapped) as Ordered[])
  if (!top) throw new Error(`${relative}: empty`)
  return top
}

const all = (element: Element, name: string): Element[] => [
  ...element.children.filter((c) => c.name === name),
  ...element.children.flatMap((c) => all(c, name)),
]
const params = (element: Element) =>
  Object.fromEntries(all(element, 'param').map((p) => [p.attrs.name ?? '', p.attrs.value ?? '']))

/** The first extension of a context whose destination_number condition matches, as FreeSWITCH picks it. */
function route(context: Element, number: string): Element | undefined {
  return context.children
    .filter((c) => c.name === 'extension')
    .find((extension) =>
      extension.children
        .filter((c) => c.name === 'condition')
        .every(
          (condition) =>
            condition.attrs.field !== 'destination_number' ||
            new RegExp(condition.attrs.expression ?? '').test(number),
        ),
    )
}
const actions = (extension: Element | undefined) =>
  (extension ? all(extension, 'action') : []).map((a) => [a.attrs.application, a.attrs.data ?? ''])

const files = {
  'autoload_configs/event_socket.conf.xml': 'configuration-file',
  'dialplan/tollgate.xml': 'section',
  'dialplan/default/50_tollgate.xml': 'context',
  'dialplan/public/50_tollgate.xml': 'context',
  'tollgate/conference_profile.xml': 'profiles',
} as const

function xmlFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(dir, entry.name)
    if (entry.isDirectory()) return xmlFiles(relative)
    return entry.name.endsWith('.xml') ? [relative] : []
  })
}

describe('the shipped FreeSWITCH configuration', () => {
  it('is checked file by file: every XML file here is one this suite knows where FreeSWITCH includes', () => {
    expect(xmlFiles('.').sort()).toEqual(Object.keys(files).sort())
    for (const [file, parent] of Object.entries(files))
      expect(load(file, parent).children.length).toBeGreaterThan(0)
  })

  it('runs no preprocessor command (FreeSWITCH runs them even inside comments)', () => {
    for (const file of Object.keys(files))
      expect(readFileSync(path.join(root, file), 'utf8'), file).not.toMatch(/X-PRE-PROCESS/)
  })

  it('opens the event socket on the loopback address for local clients, with settings 1.10 reads', () => {
    const top = load('autoload_configs/event_socket.conf.xml', 'configuration-file')
    const [configuration] = top.children
    expect(configuration?.name).toBe('configuration')
    expect(configuration?.attrs.name).toBe('event_socket.conf')
    expect(configuration?.children.map((c) => c.name)).toEqual(['settings'])
    const settings = params(configuration as Element)
    for (const name of Object.keys(settings)) expect(eventSocketParams, name).toContain(name)
    expect(settings).toMatchObject({
      'listen-ip': '127.0.0.1',
      'listen-port': EVENT_SOCKET_PORT,
      'apply-inbound-acl': 'loopback.auto',
    })
    expect(settings.password).toBeTruthy()
  })

  it('defines the conference profile the bridge names, with parameters 1.10 reads and the member events kept', () => {
    const profiles = load('tollgate/conference_profile.xml', 'profiles')
    expect(profiles.children.map((p) => [p.name, p.attrs.name])).toEqual([['profile', CONFERENCE_PROFILE]])
    const settings = params(profiles)
    for (const name of Object.keys(settings)) expect(conferenceParams, name).toContain(name)
    expect(settings['caller-controls']).toBe('none')
    const suppressed = (settings['suppress-events'] ?? '').split(',')
    for (const event of neededConferenceEvents) expect(suppressed).not.toContain(event)
    // only tone streams and variables FreeSWITCH's vars.xml defines: no sound files needed
    for (const [name, value] of Object.entries(settings))
      if (name.endsWith('-sound')) expect(value, name).toMatch(/^tone_stream:\/\//)
  })

  it('hands every number in the tollgate context to the bridge’s listener, and says "not in service" if it is away', () => {
    const section = load('dialplan/tollgate.xml', 'section')
    expect(section.children.map((c) => [c.name, c.attrs.name])).toEqual([
      ['context', 'tollgate'],
      ['context', LAB_CONTEXT],
    ])
    const tollgate = section.children[0] as Element
    for (const number of [...demoNumbers.map((n) => n.number), '9999', '+18005550199']) {
      const steps = actions(route(tollgate, number))
      expect(steps[0], number).toEqual(['socket', `${ESL_LISTEN_DEFAULT} async full`])
      expect(steps.at(-1)?.[0]).toBe('hangup')
      expect(steps.map((s) => s[1])).toContain(defaultPrompts.not_in_service)
    }
  })

  it('sends the demo numbers from registered phones and from carriers to the tollgate context, and nothing else', () => {
    for (const file of ['dialplan/default/50_tollgate.xml', 'dialplan/public/50_tollgate.xml']) {
      const context = load(file, 'context')
      for (const { number } of demoNumbers) {
        const extension = route(context, number)
        expect(extension, `${file} ${number}`).toBeDefined()
        const expression = new RegExp(
          extension?.children.find((c) => c.attrs.field === 'destination_number')?.attrs.expression ?? '',
        )
        const target = actions(extension)[0]?.[1]?.replace('$1', expression.exec(number)?.[1] ?? '?')
        expect(actions(extension)[0]?.[0]).toBe('transfer')
        expect(target).toBe(`${number} XML tollgate`)
      }
      // vanilla's own extensions and demo numbers stay theirs
      for (const number of ['1000', '1001', '9196', '5000', '3000', '90010'])
        expect(route(context, number), number).toBeUndefined()
    }
  })

  it('rings the demo representatives on lab extensions that answer, and offers extensions that fail', () => {
    const lab = load('dialplan/tollgate.xml', 'section').children[1] as Element
    for (const representative of demoRepresentativeTelephony) {
      const dial = labDialString(representative.extension)
      // loopback/<destination>/<context>: mod_loopback runs the destination in that context
      const [, destination, context] = /^loopback\/([^/]+)\/([^/]+)$/.exec(dial) ?? []
      expect(context).toBe(LAB_CONTEXT)
      const steps = actions(route(lab, destination ?? ''))
      expect(
        steps.map((s) => s[0]),
        dial,
      ).toContain('answer')
      expect(steps.at(-1)?.[0]).toBe('endless_playback')
    }
    expect(actions(route(lab, '1004')).map((s) => s[0])).toEqual(['ring_ready', 'park'])
    expect(actions(route(lab, '1005'))).toEqual([['hangup', 'USER_BUSY']])
    const leaves = actions(route(lab, '1006')).map((s) => s[0])
    expect(leaves).toContain('answer')
    expect(leaves.at(-1)).toBe('hangup')
  })

  it('answers call-outs to lab customers by the number’s last digit: a key pressed, busy, no answer, silence', () => {
    const lab = load('dialplan/tollgate.xml', 'section').children[1] as Element
    // CALLOUT_DIAL_STRING=loopback/{digits}/tollgate_lab: E.164 without its +
    for (const key of ['1', '2', '9']) {
      const extension = route(lab, `1555555010${key}`)
      const expression = new RegExp(
        extension?.children.find((c) => c.attrs.field === 'destination_number')?.attrs.expression ?? '',
      )
      const captured = expression.exec(`1555555010${key}`)?.[1]
      const steps = actions(extension).map(([app, data]) => [app, data?.replace('$1', captured ?? '?')])
      expect(steps.map((s) => s[0]).slice(0, 3)).toEqual(['ring_ready', 'sleep', 'answer'])
      // pressed twice: a key sent before the bridge's prompt listens would otherwise be its only one
      expect(steps.filter((s) => s[0] === 'send_dtmf')).toEqual([
        ['send_dtmf', key],
        ['send_dtmf', key],
      ])
    }
    expect(actions(route(lab, '15555550107'))).toEqual([['hangup', 'USER_BUSY']])
    expect(actions(route(lab, '15555550108')).map((s) => s[0])).toEqual(['ring_ready', 'park'])
    expect(actions(route(lab, '15555550100')).map((s) => s[0])).not.toContain('send_dtmf')
    // the representatives' extensions keep their own behaviour
    expect(actions(route(lab, '1005'))).toEqual([['hangup', 'USER_BUSY']])
  })

  it('uses only applications FreeSWITCH 1.10 has, and play-able streams', () => {
    for (const [file, parent] of Object.entries(files)) {
      for (const action of all(load(file, parent), 'action')) {
        expect(applications, `${file}: ${action.attrs.application}`).toContain(action.attrs.application)
        const data = action.attrs.data ?? ''
        if (/playback$/.test(action.attrs.application ?? ''))
          expect(data, file).toMatch(/^(tone_stream|silence_stream):\/\//)
      }
    }
  })

  it('ships a README that names every module the bridge needs and every file', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8')
    for (const module of [
      'mod_event_socket',
      'mod_conference',
      'mod_dptools',
      'mod_loopback',
      'mod_commands',
      'mod_dialplan_xml',
      'mod_sndfile',
      'mod_tone_stream',
    ])
      expect(readme).toContain(module)
    for (const file of Object.keys(files)) expect(readme).toContain(file)
    for (const { number } of demoNumbers) expect(readme).toContain(number)
    for (const variable of ['ESL_LISTEN', 'FREESWITCH_ESL', 'FREESWITCH_ESL_PASSWORD'])
      expect(readme).toContain(variable)
  })
})

// The environment a deployer sets: defaults, and a clear refusal naming the variable when a value is wrong.
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../server/config.ts'

describe('configuration from the environment', () => {
  it('defaults: port 8080, ten database connections, PGlite in ./.data', () => {
    const config = loadConfig({})
    expect(config.port).toBe(8080)
    expect(config.databasePoolSize).toBe(10)
    expect(config.databaseUrl).toBeUndefined()
    expect(config.dataDir.endsWith('.data')).toBe(true)
  })

  it('takes TOLLGATE_DB_POOL and refuses a value that is not a whole number from 1 to 1000', () => {
    expect(loadConfig({ TOLLGATE_DB_POOL: '24' }).databasePoolSize).toBe(24)
    for (const bad of ['0', '-3', '2.5', 'many', '5000'])
      expect(() => loadConfig({ TOLLGATE_DB_POOL: bad }), bad).toThrow(/TOLLGATE_DB_POOL/)
  })

  it('takes TOLLGATE_DECISION_BATCH (default 32, 1 turns sharing off) and refuses one out of 1 to 256', () => {
    expect(loadConfig({}).decisionBatchSize).toBe(32)
    expect(loadConfig({ TOLLGATE_DECISION_BATCH: '1' }).decisionBatchSize).toBe(1)
    for (const bad of ['0', '300', '1.5', 'all'])
      expect(() => loadConfig({ TOLLGATE_DECISION_BATCH: bad }), bad).toThrow(/TOLLGATE_DECISION_BATCH/)
  })

  it('takes TOLLGATE_WORKERS (default 1, `auto` is one per core) only with PostgreSQL', () => {
    const url = 'postgres://localhost/tollgate'
    expect(loadConfig({}).workers).toBe(1)
    expect(loadConfig({ DATABASE_URL: url, TOLLGATE_WORKERS: '2' }).workers).toBe(2)
    expect(loadConfig({ DATABASE_URL: url, TOLLGATE_WORKERS: 'auto' }).workers).toBeGreaterThanOrEqual(1)
    for (const bad of ['0', '1.5', 'many', '100'])
      expect(() => loadConfig({ DATABASE_URL: url, TOLLGATE_WORKERS: bad }), bad).toThrow(/TOLLGATE_WORKERS/)
    // PGlite is a database inside one process: a second process cannot open it
    expect(() => loadConfig({ TOLLGATE_WORKERS: '2' })).toThrow(/DATABASE_URL/)
    expect(loadConfig({ TOLLGATE_WORKERS: '1' }).workers).toBe(1)
  })

  it('takes ESL_LISTEN (default 127.0.0.1:8084) and FREESWITCH_ESL (off unless set; password ClueCon unless set)', () => {
    expect(loadConfig({}).eslListen).toEqual({ host: '127.0.0.1', port: 8084 })
    expect(loadConfig({}).freeswitchEsl).toBeNull()
    expect(loadConfig({ ESL_LISTEN: '0.0.0.0:9084' }).eslListen).toEqual({ host: '0.0.0.0', port: 9084 })
    expect(loadConfig({ ESL_LISTEN: '[::1]:8084' }).eslListen).toEqual({ host: '::1', port: 8084 })
    expect(loadConfig({ FREESWITCH_ESL: 'fs.lan:8021' }).freeswitchEsl).toEqual({
      host: 'fs.lan',
      port: 8021,
      password: 'ClueCon',
    })
    expect(
      loadConfig({ FREESWITCH_ESL: '10.0.0.5:8021', FREESWITCH_ESL_PASSWORD: 's3cret' }).freeswitchEsl
        ?.password,
    ).toBe('s3cret')
    for (const bad of ['8084', 'localhost', 'host:port', 'h:70000', 'a b:1'])
      expect(() => loadConfig({ ESL_LISTEN: bad }), bad).toThrow(/^ESL_LISTEN must be host:port/)
    expect(() => loadConfig({ FREESWITCH_ESL: 'fs:0' })).toThrow(/FREESWITCH_ESL/)
    // the password is never echoed
    expect(() => loadConfig({ FREESWITCH_ESL: 'fs:8021', FREESWITCH_ESL_PASSWORD: 'two\nlines' })).toThrow(
      /^FREESWITCH_ESL_PASSWORD must be one line of text$/,
    )
  })

  it('takes the call-out settings: off unless CALLOUT_DIAL_STRING is set, which needs FREESWITCH_ESL', () => {
    const fs = { FREESWITCH_ESL: '127.0.0.1:8021' }
    expect(loadConfig(fs).callOut).toBeNull()
    expect(loadConfig({ ...fs, CALLOUT_DIAL_STRING: 'sofia/gateway/out/{number}' }).callOut).toEqual({
      dialString: 'sofia/gateway/out/{number}',
      callerId: null,
      ringSeconds: 30,
      socket: null,
    })
    expect(
      loadConfig({
        ...fs,
        CALLOUT_DIAL_STRING: 'loopback/{digits}/tollgate_lab',
        CALLOUT_CALLER_ID: '+18005550199',
        CALLOUT_RING_SECONDS: '45',
        CALLOUT_SOCKET: '10.0.0.7:8084',
      }).callOut,
    ).toEqual({
      dialString: 'loopback/{digits}/tollgate_lab',
      callerId: '+18005550199',
      ringSeconds: 45,
      socket: { host: '10.0.0.7', port: 8084 },
    })
    // one line each, naming the variable and the form it takes
    for (const bad of [
      'sofia/gateway/out/',
      'sofia/gateway/out/{number} &park',
      'a,b/{number}',
      '{x}/{number}',
    ])
      expect(() => loadConfig({ ...fs, CALLOUT_DIAL_STRING: bad }), bad).toThrow(
        /^CALLOUT_DIAL_STRING must be a FreeSWITCH dial string with \{number\}/,
      )
    expect(() => loadConfig({ CALLOUT_DIAL_STRING: 'sofia/gateway/out/{number}' })).toThrow(
      /^CALLOUT_DIAL_STRING needs FREESWITCH_ESL/,
    )
    expect(() => loadConfig({ ...fs, CALLOUT_CALLER_ID: 'Tollgate' })).toThrow(/^CALLOUT_CALLER_ID must be/)
    expect(() => loadConfig({ ...fs, CALLOUT_RING_SECONDS: '2' })).toThrow(/^CALLOUT_RING_SECONDS must be/)
    expect(() => loadConfig({ ...fs, CALLOUT_SOCKET: 'nowhere' })).toThrow(
      /^CALLOUT_SOCKET must be host:port/,
    )
  })

  it('refuses a PORT that is not a port; an empty one counts as unset', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT/)
    expect(() => loadConfig({ PORT: '80abc' })).toThrow(ConfigError)
    expect(loadConfig({ PORT: '' }).port).toBe(8080)
  })

  it('refuses a bootstrap API key of the wrong form without echoing it', () => {
    const good = 'tg_demo_abcdefghijklmnop1234'
    expect(loadConfig({ TOLLGATE_BOOTSTRAP_API_KEY: good }).bootstrapApiKey).toBe(good)
    for (const bad of [
      'tg_demo_short',
      'tg_other_abcdefghijklmnop1234',
      'tg_demo_abcdefghijklmnop-1234',
      'demo',
    ])
      expect(() => loadConfig({ TOLLGATE_BOOTSTRAP_API_KEY: bad }), bad).toThrow(
        'TOLLGATE_BOOTSTRAP_API_KEY must be tg_demo_ followed by 16 to 128 letters or digits',
      )
  })

  it('refuses a DATABASE_URL that is not PostgreSQL, a bad admin e-mail or password, an unknown LOG_LEVEL', () => {
    expect(loadConfig({ DATABASE_URL: 'postgresql://u:p@db:5432/x' }).databaseUrl).toBe(
      'postgresql://u:p@db:5432/x',
    )
    for (const bad of ['mysql://u:secret@db/x', 'db:5432', 'postgres:///x'])
      expect(() => loadConfig({ DATABASE_URL: bad }), bad).toThrow(
        /^DATABASE_URL must be a PostgreSQL URL[^"]*$/,
      )
    expect(() => loadConfig({ TOLLGATE_BOOTSTRAP_ADMIN_EMAIL: 'admin' })).toThrow(
      /TOLLGATE_BOOTSTRAP_ADMIN_EMAIL/,
    )
    expect(() => loadConfig({ TOLLGATE_BOOTSTRAP_ADMIN_PASSWORD: 'short' })).toThrow(
      'TOLLGATE_BOOTSTRAP_ADMIN_PASSWORD must be from 12 to 200 characters long',
    )
    expect(() => loadConfig({ LOG_LEVEL: 'verbose' })).toThrow(/LOG_LEVEL must be one of/)
    expect(loadConfig({ LOG_LEVEL: 'debug' }).logLevel).toBe('debug')
  })
})

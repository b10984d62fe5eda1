// The fake FreeSWITCH 1.10 for tests: see api.ts for the scripting face.
export type * from './api.ts'
export { startFakeFreeSwitch } from './fake.ts'

import type { FakeFreeSwitch, FakeFreeSwitchOptions } from './api.ts'

export async function startFakeFreeSwitch(_options: FakeFreeSwitchOptions = {}): Promise<FakeFreeSwitch> {
  throw new Error('fake FreeSWITCH: not yet implemented')
}

// The bridge as `npm start` runs it (server/main.ts): the listener on ESL_LISTEN, the control
// connection to FREESWITCH_ESL when it is set, the flows of telephony/, and the call-out dialer over
// services.campaigns when CALLOUT_DIAL_STRING is set.
import type { Config } from '../server/config.ts'
import type { Logger } from '../server/logging.ts'
import type { Services } from '../server/services.ts'
import { type Bridge, createBridge } from './bridge.ts'
import { runCallerFlow } from './caller/flow.ts'

export function startBridge(
  services: Services,
  config: Pick<Config, 'eslListen' | 'freeswitchEsl' | 'callOut'>,
  logger: Logger,
): Promise<Bridge> {
  const callOut = config.callOut
  return createBridge({
    services,
    logger,
    listen: config.eslListen,
    freeswitch: config.freeswitchEsl,
    flows: { caller: runCallerFlow },
    ...(callOut
      ? {
          callOut: {
            queue: services.campaigns,
            dialString: callOut.dialString,
            callerId: callOut.callerId,
            ringSeconds: callOut.ringSeconds,
            ...(callOut.socket ? { socket: callOut.socket } : {}),
          },
        }
      : {}),
  })
}

// The bridge as `npm start` runs it (server/main.ts): the listener on ESL_LISTEN, the control
// connection to FREESWITCH_ESL when it is set, the flows of telephony/, and the call-out dialer when
// CALLOUT_DIAL_STRING is set.
import type { CallOutQueue } from '../server/campaigns/types.ts'
import type { Config } from '../server/config.ts'
import type { Logger } from '../server/logging.ts'
import type { OfferLedger } from '../server/offers/types.ts'
import type { Services } from '../server/services.ts'
import { type Bridge, createBridge } from './bridge.ts'
import { runCallerFlow } from './caller/flow.ts'

/** The services the call-out needs, when the service graph has them (services.campaigns, services.offers). */
type CallOutServices = { campaigns?: CallOutQueue; offers?: OfferLedger }

export function startBridge(
  services: Services,
  config: Pick<Config, 'eslListen' | 'freeswitchEsl' | 'callOut'>,
  logger: Logger,
): Promise<Bridge> {
  const { campaigns, offers } = services as Services & CallOutServices
  const callOut = config.callOut
  if (callOut && !(campaigns && offers))
    logger.warn('CALLOUT_DIAL_STRING is set but this build has no campaigns or offers: no call-outs')
  return createBridge({
    services,
    logger,
    listen: config.eslListen,
    freeswitch: config.freeswitchEsl,
    flows: { caller: runCallerFlow },
    ...(offers ? { offers } : {}),
    ...(callOut && campaigns && offers
      ? {
          callOut: {
            queue: campaigns,
            dialString: callOut.dialString,
            callerId: callOut.callerId,
            ringSeconds: callOut.ringSeconds,
            ...(callOut.socket ? { socket: callOut.socket } : {}),
          },
        }
      : {}),
  })
}

/** HTTP: the whole KMS Secrets Manager API (every action), for SDKs pointed at this function. */
import middy from '@middy/core';
import type { FcHttpResult, RotorContext } from '../../shared/runtime/fc-types.js';
import { kmsHttpHandler, rotorMiddlewares } from '../../shared/runtime/handler-kit.js';
import type { Trigger } from '../../shared/runtime/trigger.js';

export const handler = middy<Trigger, FcHttpResult, Error, RotorContext>()
  .use(rotorMiddlewares({ functionName: 'api', accepts: ['http'] }))
  .handler(kmsHttpHandler());

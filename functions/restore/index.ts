/** HTTP: RestoreSecret (cancels a planned deletion within its recovery window). */
import middy from '@middy/core';
import type { FcHttpResult, RotorContext } from '../../shared/runtime/fc-types.js';
import { kmsHttpHandler, rotorMiddlewares } from '../../shared/runtime/handler-kit.js';
import type { Trigger } from '../../shared/runtime/trigger.js';

const ACTIONS: ReadonlySet<string> = new Set(['RestoreSecret']);

export const handler = middy<Trigger, FcHttpResult, Error, RotorContext>()
  .use(rotorMiddlewares({ functionName: 'restore', accepts: ['http'] }))
  .handler(kmsHttpHandler(ACTIONS));

/** HTTP: DeleteSecret (plans the deletion with a recovery window, or deletes at once when forced). */
import middy from '@middy/core';
import type { FcHttpResult, RotorContext } from '../../shared/runtime/fc-types.js';
import { kmsHttpHandler, rotorMiddlewares } from '../../shared/runtime/handler-kit.js';
import type { Trigger } from '../../shared/runtime/trigger.js';

const ACTIONS: ReadonlySet<string> = new Set(['DeleteSecret']);

export const handler = middy<Trigger, FcHttpResult, Error, RotorContext>()
  .use(rotorMiddlewares({ functionName: 'schedule-delete', accepts: ['http'] }))
  .handler(kmsHttpHandler(ACTIONS));

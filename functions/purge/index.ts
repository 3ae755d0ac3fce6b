/** Timer: removes the secrets whose recovery window has passed. */
import middy from '@middy/core';
import type { TickResult } from '../../shared/app/commands.js';
import { getContainer } from '../../shared/runtime/container.js';
import type { RotorContext } from '../../shared/runtime/fc-types.js';
import { rotorMiddlewares } from '../../shared/runtime/handler-kit.js';
import type { Trigger } from '../../shared/runtime/trigger.js';

export const handler = middy<Trigger, TickResult, Error, RotorContext>()
  .use(rotorMiddlewares({ functionName: 'purge', accepts: ['timer'] }))
  .handler(async (): Promise<TickResult> => (await getContainer()).service.purgeExpired());

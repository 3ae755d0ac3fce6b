/**
 * Rotation, from three triggers: HTTP RotateSecret (on demand), the timer (rotations that are
 * due), and the step queue (one step per message; a failed step fails the invocation so the
 * trigger redelivers).
 */
import middy from '@middy/core';
import type { TickResult } from '../../shared/app/commands.js';
import { getContainer } from '../../shared/runtime/container.js';
import type { FcHttpResult, RotorContext } from '../../shared/runtime/fc-types.js';
import { rotorMiddlewares, runQueueTrigger, serveKms } from '../../shared/runtime/handler-kit.js';
import type { Trigger } from '../../shared/runtime/trigger.js';

const ACTIONS: ReadonlySet<string> = new Set(['RotateSecret']);

const rotate = async (trigger: Trigger, context: RotorContext): Promise<FcHttpResult | TickResult | void> => {
  switch (trigger.kind) {
    case 'http':
      return serveKms(trigger, context, ACTIONS);
    case 'timer':
      return (await getContainer()).service.scheduleDueRotations();
    case 'queue':
      return runQueueTrigger(trigger, context);
  }
};

export const handler = middy<Trigger, FcHttpResult | TickResult | void, Error, RotorContext>()
  .use(rotorMiddlewares({ functionName: 'rotate', accepts: ['http', 'timer', 'queue'] }))
  .handler(rotate);

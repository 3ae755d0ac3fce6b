/** HTTP: the web console (sign-in with an AccessKey; every action checked against its policies). */
import middy from '@middy/core';
import { handleConsoleRequest } from '../../shared/console/console-app.js';
import { consoleDepsFor, consoleSettingsFromEnv } from '../../shared/console/wiring.js';
import { CONSOLE_BUDGET } from '../../shared/http/request-limits.js';
import { getContainer } from '../../shared/runtime/container.js';
import { toFcHttpResult, type FcHttpResult, type RotorContext } from '../../shared/runtime/fc-types.js';
import { rotorMiddlewares } from '../../shared/runtime/handler-kit.js';
import { InvalidEventError, type Trigger } from '../../shared/runtime/trigger.js';

// Read once, at load: a bad setting stops the start instead of failing the first sign-in.
const settings = consoleSettingsFromEnv(process.env);

/** Its forms carry more than a KMS request (the wizard's sealed draft); the local server reads this export too. */
export const requestBudget = CONSOLE_BUDGET;

export const handler = middy<Trigger, FcHttpResult, Error, RotorContext>()
  .use(rotorMiddlewares({ functionName: 'console', accepts: ['http'], requestBudget }))
  .handler(async (trigger) => {
    if (trigger.kind !== 'http') throw new InvalidEventError(`Expected an HTTP trigger, not ${trigger.kind}.`);
    return toFcHttpResult(await handleConsoleRequest(trigger.request, consoleDepsFor(await getContainer(), settings)));
  });

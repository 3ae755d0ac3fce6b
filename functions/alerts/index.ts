/**
 * The monitoring topic's alerting consumer (mns_topic trigger): alerting events become alerts,
 * de-duplicated, sent to the configured webhooks. A failed send fails the invocation, so the
 * topic's retry policy delivers the notification again.
 */
import middy from '@middy/core';
import { runAlerts, type AlertsResult } from '../../shared/runtime/alerting.js';
import type { RotorContext } from '../../shared/runtime/fc-types.js';
import { rotorMiddlewares } from '../../shared/runtime/handler-kit.js';
import { InvalidEventError, type Trigger } from '../../shared/runtime/trigger.js';

export const handler = middy<Trigger, AlertsResult, Error, RotorContext>()
  .use(rotorMiddlewares({ functionName: 'alerts', accepts: ['topic'] }))
  .handler(async (trigger, context) => {
    if (trigger.kind !== 'topic') throw new InvalidEventError(`Expected a topic trigger, not ${trigger.kind}.`);
    return runAlerts(trigger, context);
  });

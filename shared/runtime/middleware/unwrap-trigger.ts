/** Replaces the decoded event with a Trigger (http, timer or queue), refusing kinds the function is not wired for. */
import { classifyTrigger, InvalidEventError, type TriggerKind } from '../trigger.js';
import type { Middleware } from './types.js';

export interface UnwrapTriggerOptions {
  /** The trigger kinds this function has; any other is an error. Default: all. */
  accepts?: readonly TriggerKind[];
}

export const unwrapTrigger = (options: UnwrapTriggerOptions = {}): Middleware => ({
  before: (request) => {
    const trigger = classifyTrigger(request.event);
    // Set before the check, so the error response and the log line know what arrived.
    request.event = trigger;
    if (options.accepts && !options.accepts.includes(trigger.kind)) {
      const fn = request.context?.function?.name;
      throw new InvalidEventError(
        `The function${fn ? ` ${fn}` : ''} takes ${options.accepts.join(' or ')} triggers, not ${trigger.kind}.`,
      );
    }
  },
});

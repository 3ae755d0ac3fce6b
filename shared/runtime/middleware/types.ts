/**
 * The middleware contract, typed structurally: these are middy 6 middlewares, but nothing here
 * imports middy, so the factories can be tested by calling their hooks directly.
 */
import type { RotorContext } from '../fc-types.js';

export interface InvocationRequest {
  event: unknown;
  context: RotorContext;
  response: unknown;
  error: unknown;
}

export type Hook = (request: InvocationRequest) => void | Promise<void>;

export interface Middleware {
  before?: Hook;
  after?: Hook;
  onError?: Hook;
}

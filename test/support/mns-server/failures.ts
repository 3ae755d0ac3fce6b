import { MnsError } from './errors.js';
import { MNS_OPERATIONS, isMnsOperation, type MnsOperation } from './routes.js';

export interface InjectedError {
  httpStatus: number;
  code: string;
}

/** Errors queued by `failNext`, consumed one per matching request, first in first out. */
export class FailureQueue {
  private readonly pending = new Map<MnsOperation, InjectedError[]>();

  add(route: string, error: InjectedError): void {
    if (!isMnsOperation(route)) {
      throw new Error(`Unknown MNS route "${route}"; use one of: ${MNS_OPERATIONS.join(', ')}`);
    }
    const queued = this.pending.get(route) ?? [];
    queued.push(error);
    this.pending.set(route, queued);
  }

  /** Throws the next injected error for this operation, if one is queued. */
  throwIfQueued(operation: MnsOperation): void {
    const next = this.pending.get(operation)?.shift();
    if (next) throw new MnsError(next.code, next.httpStatus, `Injected ${next.code} failure for ${operation}.`);
  }
}

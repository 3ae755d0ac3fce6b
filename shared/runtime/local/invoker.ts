/**
 * Loads each function's handler from its TypeScript source and invokes it the way FC does: a
 * Buffer event and an FC context. Tracks invocations in flight so shutdown can wait for them.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { RequestBudget } from '../../http/request-limits.js';
import type { FcContext } from '../fc-types.js';
import type { Logger } from '../logger.js';
import type { FunctionSpec, ServerlessSpec } from './s-yaml.js';

/**
 * FC hands a function its event as a Buffer of JSON. In process, the local HTTP server passes the
 * HTTP event it built as the object itself: the handlers' decoding step accepts either, and the
 * round trip through JSON text would only cost time.
 */
export type FcHandler = (event: Buffer | object, context: FcContext) => Promise<unknown>;

export interface LoadedFunction {
  spec: FunctionSpec;
  handler: FcHandler;
  /**
   * What one HTTP request to the function may cost, when its module exports a `requestBudget` (the
   * console does); the local server holds its HTTP trigger to it. Default: the KMS API's.
   */
  requestBudget?: RequestBudget;
}

const isRequestBudget = (v: unknown): v is RequestBudget =>
  typeof v === 'object' &&
  v !== null &&
  ['maxBodyBytes', 'maxParams', 'maxNameLength'].every((k) => Number.isSafeInteger((v as Record<string, unknown>)[k]));

export const loadFunctions = async (spec: ServerlessSpec): Promise<LoadedFunction[]> =>
  Promise.all(
    spec.functions.map(async (fn) => {
      let mod: Record<string, unknown>;
      try {
        mod = (await import(pathToFileURL(fn.source).href)) as Record<string, unknown>;
      } catch (e) {
        throw new Error(`Cannot load ${fn.functionName} from ${fn.source}: ${(e as Error).message}`, { cause: e });
      }
      const handler = mod[fn.exportName];
      if (typeof handler !== 'function') {
        throw new Error(`${fn.source} does not export a function "${fn.exportName}" (handler: ${fn.handler}).`);
      }
      const budget = mod.requestBudget;
      if (budget !== undefined && !isRequestBudget(budget)) throw new Error(`${fn.source} exports a requestBudget that is not one.`);
      return { spec: fn, handler: handler as FcHandler, ...(budget ? { requestBudget: budget } : {}) };
    }),
  );

export class InvokerClosedError extends Error {
  constructor() {
    super('The local runtime is shutting down.');
    this.name = 'InvokerClosedError';
  }
}

export interface InvokerOptions {
  region: string;
  accountId: string;
  logger: Logger;
}

/** The child logger is made on first use: most invocations never write to context.logger. */
const fcLogger = (parent: Logger, bindings: Record<string, string>): FcContext['logger'] => {
  let log: Logger | undefined;
  const child = (): Logger => (log ??= parent.child(bindings));
  return {
    debug: (m) => child().debug(m),
    info: (m) => child().info(m),
    warn: (m) => child().warn(m),
    error: (m) => child().error(m),
    log: (m) => child().info(m),
  };
};

export class Invoker {
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(
    readonly functions: readonly LoadedFunction[],
    private readonly options: InvokerOptions,
  ) {}

  /** By function name (secret-rotor-rotate) or by s.yaml resource key (rotate). */
  find(name: string): LoadedFunction | undefined {
    return this.functions.find((f) => f.spec.functionName === name) ?? this.functions.find((f) => f.spec.resource === name);
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  invoke(fn: LoadedFunction, event: Buffer | object, requestId: string = randomUUID()): Promise<unknown> {
    if (this.closed) return Promise.reject(new InvokerClosedError());
    const context = this.context(fn, requestId);
    const run = (async () => fn.handler(event, context))();
    this.inFlight.add(run);
    const forget = (): void => {
      this.inFlight.delete(run);
    };
    run.then(forget, forget);
    return run;
  }

  /** Refuses new invocations and waits (at most timeoutMs) for running ones; true if all ended. */
  async close(timeoutMs: number): Promise<boolean> {
    this.closed = true;
    if (this.inFlight.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const drained = Promise.allSettled([...this.inFlight]).then(() => true as const);
    try {
      return await Promise.race([drained, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  private context(fn: LoadedFunction, requestId: string): FcContext {
    return {
      requestId,
      // FC passes the function role's STS credentials; locally there is no role.
      credentials: { accessKeyId: '', accessKeySecret: '', securityToken: '' },
      function: { name: fn.spec.functionName, handler: fn.spec.handler, memory: fn.spec.memorySize, timeout: fn.spec.timeout },
      service: { logProject: '', logStore: '', qualifier: 'LATEST', versionId: '' },
      region: this.options.region,
      accountId: this.options.accountId,
      logger: fcLogger(this.options.logger, { fn: fn.spec.functionName, requestId }),
    };
  }
}

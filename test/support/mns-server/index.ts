import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../../../shared/ports/clock.js';
import { FailureQueue, type InjectedError } from './failures.js';
import { handleMnsRequest } from './http.js';
import { LongPolls } from './long-poll.js';
import { MnsState } from './state.js';

export { MnsState } from './state.js';
export type {
  NotifyContentFormat,
  PublishedMessage,
  QueueAttributes,
  QueueRecord,
  StoredMessage,
  SubscribeOptions,
  TopicRecord,
} from './state.js';
export { MNS_OPERATIONS, type MnsOperation } from './routes.js';
export { mnsSignature, mnsStringToSign } from './auth.js';

export interface StartMnsServerOptions {
  accessKeyId?: string;
  accessKeySecret?: string;
  /** 0 or absent: any free port. Pass the previous server's port to "restart" it. */
  port?: number;
  /** Drives visibility, delays and retention; time never moves by itself in tests. */
  clock?: Clock;
  /** Pass the previous server's state to keep queues, topics and messages across a restart. */
  state?: MnsState;
  /** Caps every long poll in real milliseconds (default 30 000, MNS's own maximum). */
  maxPollWaitMs?: number;
}

export interface MnsTestServer {
  /** Base URL for the SDK's `endpoint` option, e.g. http://127.0.0.1:40123 */
  endpoint: string;
  port: number;
  accountId: string;
  accessKeyId: string;
  accessKeySecret: string;
  state: MnsState;
  stop(): Promise<void>;
  /** The next request for `route` (an MNS API name such as "SendMessage") fails with this error. */
  failNext(route: string, error: InjectedError): void;
  /** How many receives are parked in a long poll right now (lets tests wait without sleeping). */
  pendingLongPolls(): number;
}

export const DEFAULT_MNS_ACCESS_KEY_ID = 'test-mns-access-key-id';
export const DEFAULT_MNS_ACCESS_KEY_SECRET = 'test-mns-access-key-secret';

export async function startMnsServer(options: StartMnsServerOptions = {}): Promise<MnsTestServer> {
  const state = options.state ?? new MnsState();
  const credentials = {
    accessKeyId: options.accessKeyId ?? DEFAULT_MNS_ACCESS_KEY_ID,
    accessKeySecret: options.accessKeySecret ?? DEFAULT_MNS_ACCESS_KEY_SECRET,
  };
  const longPolls = new LongPolls();
  const failures = new FailureQueue();
  const inFlight = new Set<Promise<void>>();
  let endpoint = '';

  const server = createServer((request, response) => {
    const handling = handleMnsRequest(request, response, {
      state,
      clock: options.clock ?? systemClock,
      credentials,
      longPolls,
      failures,
      maxPollWaitMs: options.maxPollWaitMs ?? 30_000,
      endpoint: () => endpoint,
    });
    inFlight.add(handling);
    void handling.finally(() => inFlight.delete(handling));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  endpoint = `http://127.0.0.1:${port}`;

  return {
    endpoint,
    port,
    accountId: state.accountId,
    ...credentials,
    state,
    failNext: (route, error) => failures.add(route, error),
    pendingLongPolls: () => longPolls.pending,
    stop: async () => {
      // Pending long polls answer "no message" first, so clients see a clean reply rather than a reset.
      longPolls.cancelAll();
      await Promise.allSettled([...inFlight]);
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

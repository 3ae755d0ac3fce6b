/**
 * Load generator, run as its own process so it does not share an event loop with the server
 * under test. Prints one JSON line: { requests, rps, p50, p99, errors, non2xx }.
 * Usage: tsx bench/load.ts '<json options>'
 */
import autocannon from 'autocannon';
import { signedGetSecretValuePath, type SignedReadTarget } from './signed-request.js';

interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  /** When set, every request is a freshly signed GetSecretValue (unique nonce). */
  signed?: SignedReadTarget;
}

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;

const result = await autocannon({
  url: options.url,
  connections: options.connections,
  duration: options.durationSeconds,
  requests: [
    {
      method: 'GET',
      setupRequest: (req) => (options.signed ? { ...req, path: signedGetSecretValuePath(options.signed) } : req),
    },
  ],
});

process.stdout.write(
  `${JSON.stringify({
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  })}\n`,
);

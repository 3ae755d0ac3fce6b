/**
 * `npm start`: runs every function of s.yaml locally. Logs are JSON lines on stdout; the
 * human-readable banner goes to stderr. SIGINT/SIGTERM stop gracefully (a second one forces).
 */
import { loadAlertingConfig } from '../alerting.js';
import { ConfigError, loadConfig, type RuntimeConfig } from '../config.js';
import { unexpectedErrorFields } from '../logger.js';
import type { RootCredentials } from '../root-credentials.js';
import { startLocalRuntime, type LocalRuntime } from './runtime.js';

const credentialsLine = (c: RootCredentials): string => {
  switch (c.source.kind) {
    case 'env':
      return `root AccessKey ${c.accessKeyId} from ROTOR_ACCESS_KEY_ID / ROTOR_ACCESS_KEY_SECRET`;
    case 'file':
      return `root AccessKey ${c.accessKeyId} ${c.source.created ? 'generated into' : 'read from'} ${c.source.file} (the secret is in that file)`;
  }
};

const banner = (runtime: LocalRuntime): string => {
  const fns = runtime.spec.functions.map((f) => {
    const kinds = f.triggers.map((t) => (t.type === 'timer' ? `timer ${t.cronExpression}` : t.type)).join(', ');
    return `    ${f.functionName.padEnd(32)} ${kinds}`;
  });
  return [
    `secret-rotor local runtime listening on ${runtime.url}`,
    `  KMS API:   ${runtime.url}/  (point the KMS SDK's endpoint here)`,
    `  console:   ${runtime.url}/console/  (sign in with an AccessKey)`,
    `  invoke:    POST ${runtime.url}/2023-03-30/functions/<functionName>/invocations  (signed with the root AccessKey: npm run invoke)`,
    `  data dir:  ${runtime.config.dataDir}`,
    `  ${credentialsLine(runtime.container.rootCredentials)}`,
    '  functions:',
    ...fns,
    '',
  ].join('\n');
};

const readConfig = (): RuntimeConfig => {
  try {
    const config = loadConfig();
    // The alerts function reads these per invocation; a bad one should stop the start, not every alert.
    loadAlertingConfig();
    return config;
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
};

const main = async (): Promise<void> => {
  const config = readConfig();
  const runtime = await startLocalRuntime({ config, queueIdleMs: config.queuePollMs });
  process.stderr.write(banner(runtime));
  runtime.container.logger.info(
    { url: runtime.url, dataDir: runtime.config.dataDir, accessKeyId: runtime.container.rootCredentials.accessKeyId },
    'local runtime started',
  );

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`${signal}: stopping (waiting for running invocations)\n`);
    runtime.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        runtime.container.logger.error(unexpectedErrorFields(err), 'stopping failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
};

main().catch((err: unknown) => {
  process.stderr.write(`secret-rotor failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

/**
 * `npm run invoke -- <functionName> <eventFile> [--async] [--endpoint <url>]`: invokes a deployed
 * function with a sample event and prints its result (see scripts/invoke/invoke-command.ts for the
 * environment it reads). Exit status: 0 done or accepted, 1 the function or the call failed,
 * 2 bad usage.
 *
 *   npm run invoke -- secret-rotor-rotate events/rotate-timer.json
 */
import { readFileSync } from 'node:fs';
import { invokeFunction, type InvokeOutcome } from './invoke/fc-invoke-client.js';
import { parseInvokeCommand, USAGE, UsageError } from './invoke/invoke-command.js';

const readEvent = (file: string): Buffer => {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read the event file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
};

const printBody = (body: unknown): void => {
  if (Buffer.isBuffer(body) || typeof body === 'string') {
    process.stdout.write(body);
    if (body.length > 0 && !body.toString().endsWith('\n')) process.stdout.write('\n');
  } else if (body !== undefined) {
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  }
};

const report = (functionName: string, outcome: InvokeOutcome): number => {
  const requestId = outcome.requestId ?? 'none';
  switch (outcome.kind) {
    case 'result':
      printBody(outcome.body);
      console.error(`${functionName}: done (request id ${requestId})`);
      return 0;
    case 'accepted':
      console.error(`${functionName}: accepted for asynchronous invocation (request id ${requestId})`);
      return 0;
    case 'function-error':
      printBody(outcome.body);
      console.error(`${functionName}: the function failed, ${outcome.errorType} (request id ${requestId})`);
      return 1;
  }
};

const main = async (): Promise<number> => {
  const command = parseInvokeCommand(process.argv.slice(2), process.env);
  const event = readEvent(command.eventFile);
  const outcome = await invokeFunction(command.target, { functionName: command.functionName, event, async: command.async });
  return report(command.functionName, outcome);
};

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    console.error(`invoke failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);

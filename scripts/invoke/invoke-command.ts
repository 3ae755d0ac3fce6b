/** The `npm run invoke` command line and environment, checked before anything is sent. */
import type { FcCredentials, FcTarget } from './fc-invoke-client.js';

export const USAGE = `usage: npm run invoke -- <functionName> <eventFile> [--async] [--endpoint <url>]

  Invokes a function deployed on Function Compute 3.0 with the event in <eventFile>
  (e.g. events/rotate-timer.json) and prints what the function returned.

  --async            queue the event (x-fc-invocation-type: Async); FC answers 202 at once
  --endpoint <url>   call this FC endpoint instead of https://<account>.<region>.fc.aliyuncs.com
                     (e.g. the -internal endpoint, or the local runtime: http://127.0.0.1:9000)

  environment:
    ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET  (required)
    ALIBABA_CLOUD_SECURITY_TOKEN                                  (with STS credentials)
    ROTOR_FC_ACCOUNT_ID, ROTOR_FC_REGION                          (required without --endpoint)`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface InvokeCommand {
  functionName: string;
  eventFile: string;
  async: boolean;
  target: FcTarget;
}

/** FC function names: letters, digits, "_" and "-", starting with a letter or "_", at most 64. */
const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/**
 * Sent as x-fc-account-id when --endpoint is given without ROTOR_FC_ACCOUNT_ID: the account is
 * then known to the endpoint (the local runtime ignores it).
 */
const UNNAMED_ACCOUNT = '0';
const UNNAMED_REGION = 'unset';

interface Flags {
  positional: string[];
  async: boolean;
  endpoint?: string;
}

const parseFlags = (argv: readonly string[]): Flags => {
  const flags: Flags = { positional: [], async: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--async') flags.async = true;
    else if (arg === '--endpoint') {
      const value = argv[++i];
      if (!value || value.startsWith('--')) throw new UsageError('--endpoint needs a URL');
      flags.endpoint = value;
    } else if (arg.startsWith('--endpoint=')) flags.endpoint = arg.slice('--endpoint='.length);
    else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else flags.positional.push(arg);
  }
  return flags;
};

const checkEndpoint = (endpoint: string): string => {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UsageError(`--endpoint: not a URL: ${endpoint}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('--endpoint: expected an http:// or https:// URL');
  // fc2 appends /<version>/functions/... to the endpoint as given.
  return `${url.protocol}//${url.host}`;
};

const credentialsFrom = (env: NodeJS.ProcessEnv): FcCredentials => {
  const accessKeyId = env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const accessKeySecret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  const securityToken = env.ALIBABA_CLOUD_SECURITY_TOKEN || undefined;
  if (!accessKeyId) throw new UsageError('ALIBABA_CLOUD_ACCESS_KEY_ID is not set');
  if (!accessKeySecret) throw new UsageError('ALIBABA_CLOUD_ACCESS_KEY_SECRET is not set');
  if (accessKeyId.startsWith('STS.') && !securityToken) {
    throw new UsageError('ALIBABA_CLOUD_SECURITY_TOKEN is not set, and the AccessKey is an STS one');
  }
  return { accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) };
};

const required = (env: NodeJS.ProcessEnv, name: string, fallback: string | undefined): string => {
  const value = env[name] || fallback;
  if (!value) throw new UsageError(`${name} is not set (or pass --endpoint)`);
  return value;
};

export const parseInvokeCommand = (argv: readonly string[], env: NodeJS.ProcessEnv): InvokeCommand => {
  const flags = parseFlags(argv);
  const [functionName, eventFile, ...extra] = flags.positional;
  if (!functionName || !eventFile) throw new UsageError('expected a function name and an event file');
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
  if (!FUNCTION_NAME.test(functionName)) throw new UsageError(`not a Function Compute function name: ${functionName}`);
  const endpoint = flags.endpoint === undefined ? undefined : checkEndpoint(flags.endpoint);
  const credentials = credentialsFrom(env);
  const accountId = required(env, 'ROTOR_FC_ACCOUNT_ID', endpoint && UNNAMED_ACCOUNT);
  const region = required(env, 'ROTOR_FC_REGION', endpoint && UNNAMED_REGION);
  return {
    functionName,
    eventFile,
    async: flags.async,
    target: { accountId, region, credentials, ...(endpoint ? { endpoint } : {}) },
  };
};

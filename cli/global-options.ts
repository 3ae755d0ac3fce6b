/** Options every command accepts, before or after its name. */
import type { OptionSpec, OptionValues } from './command.js';

export interface GlobalFlags {
  profile?: string;
  endpoint?: string;
  protocol?: string;
  region?: string;
  dataDir?: string;
  json: boolean;
}

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  profile: { type: 'string', valueName: 'NAME', description: 'profile from the config file (env ROTOR_PROFILE)' },
  endpoint: {
    type: 'string',
    valueName: 'HOST[:PORT]|URL',
    description: 'KMS API endpoint (env ROTOR_ENDPOINT); default 127.0.0.1:9000',
  },
  protocol: { type: 'string', valueName: 'http|https', description: 'default: from the URL, http for loopback, else https' },
  region: { type: 'string', valueName: 'ID', description: 'region id (env ROTOR_REGION); default cn-hangzhou' },
  'data-dir': {
    type: 'string',
    valueName: 'DIR',
    description: "a local runtime's data dir: use its root-credentials.json (and events.ndjson)",
  },
  json: { type: 'boolean', description: 'print JSON on stdout instead of tables' },
  help: { type: 'boolean', short: 'h', description: 'show help for the command' },
};

/** Global options that take a value: the dispatcher must skip that value when looking for a command name. */
export const valueTakingGlobals = (): Set<string> => {
  const names = new Set<string>();
  for (const [name, spec] of Object.entries(GLOBAL_OPTIONS)) {
    if (spec.type !== 'string') continue;
    names.add(`--${name}`);
    if (spec.short) names.add(`-${spec.short}`);
  }
  return names;
};

export const globalFlagsFrom = (values: OptionValues): GlobalFlags => {
  const str = (name: string): string | undefined => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  return {
    profile: str('profile'),
    endpoint: str('endpoint'),
    protocol: str('protocol'),
    region: str('region'),
    dataDir: str('data-dir'),
    json: values.json === true,
  };
};

/** `npm run smoke`: runs scripts/smoke-check.ts against ROTOR_SMOKE_ENDPOINT. */
import { runSmoke } from './smoke-check.js';

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`${name} is required (see README, "Smoke test").\n`);
    process.exit(2);
  }
  return value;
};

try {
  await runSmoke({
    endpoint: required('ROTOR_SMOKE_ENDPOINT'),
    protocol: process.env.ROTOR_SMOKE_PROTOCOL === 'http' ? 'http' : 'https',
    accessKeyId: required('ROTOR_ACCESS_KEY_ID'),
    accessKeySecret: required('ROTOR_ACCESS_KEY_SECRET'),
    ...(process.env.ROTOR_REGION ? { regionId: process.env.ROTOR_REGION } : {}),
  });
  process.stdout.write('smoke test passed\n');
} catch (error) {
  process.stderr.write(`smoke test failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

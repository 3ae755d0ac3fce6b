/** Generic generated-password rotations end to end: RotateSecret, four queued steps each, promote. */
import { performance } from 'node:perf_hooks';
import { createEmbeddedService } from './embedded-service.js';

const CONFIG = '{"SecretSubType":"GeneratedPassword"}';

export const benchRotations = async (secrets: number) => {
  const env = await createEmbeddedService();
  try {
    for (let i = 0; i < secrets; i++) {
      await env.service.createSecret({ secretName: `gen-${i}`, versionId: 'v1', secretData: 'initial', extendedConfig: CONFIG });
    }
    const started = performance.now();
    for (let i = 0; i < secrets; i++) await env.service.rotateSecret({ secretName: `gen-${i}`, versionId: 'r1' });
    const steps = await env.drain();
    const elapsedMs = performance.now() - started;
    const succeeded = env.events.events.filter((e) => e.type === 'com.secretrotor.rotation.succeeded').length;
    if (succeeded !== secrets) throw new Error(`only ${succeeded} of ${secrets} rotations succeeded`);
    return { secrets, steps, elapsedMs, perSecond: (secrets / elapsedMs) * 1000, msPerRotation: elapsedMs / secrets };
  } finally {
    await env.close();
  }
};

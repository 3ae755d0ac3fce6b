/** One rotate-timer tick and one purge tick over a large store with few due secrets. */
import { performance } from 'node:perf_hooks';
import type { SecretRecord } from '../shared/domain/secret.js';
import { createEmbeddedService } from './embedded-service.js';

const HOUR = 3_600_000;

const record = (name: string, now: number, due: boolean, pendingDeletion: boolean): SecretRecord => ({
  name,
  type: 'Generic',
  description: '',
  encryptionKeyId: '',
  extendedConfig: '{"SecretSubType":"GeneratedPassword"}',
  tags: [],
  dataType: 'text',
  createdAt: now - 24 * HOUR,
  updatedAt: now - 24 * HOUR,
  stages: { ACSCurrent: 'v1' },
  rotation: { enabled: true, intervalSeconds: 6 * 3600, lastRotatedAt: null, nextRotationAt: due ? now - 60_000 : now + 24 * HOUR },
  plannedDeleteAt: pendingDeletion ? (due ? now - 60_000 : now + 7 * 24 * HOUR) : null,
  job: null,
  lastRotation: null,
  rotationWindow: { startedAt: now - 24 * HOUR, count: 0 },
  revision: 0,
});

/**
 * `total` secrets with rotation enabled, `due` of them due now; the same shape again for purge
 * (secrets pending deletion, `due` of them past their window).
 */
export const benchScheduler = async (total: number, due: number) => {
  const env = await createEmbeddedService();
  try {
    const now = Date.now();
    const dueEvery = Math.floor(total / due);
    for (let i = 0; i < total; i++) {
      await env.store.createSecret(record(`s-${String(i).padStart(7, '0')}`, now, i % dueEvery === 0, false));
    }
    for (let i = 0; i < total; i++) {
      await env.store.createSecret(record(`p-${String(i).padStart(7, '0')}`, now, i % dueEvery === 0, true));
    }
    let t = performance.now();
    const rotate = await env.service.scheduleDueRotations(1000);
    const rotateMs = performance.now() - t;
    t = performance.now();
    const purge = await env.service.purgeExpired(1000);
    const purgeMs = performance.now() - t;
    return { total, due, rotate, rotateMs, purge, purgeMs };
  } finally {
    await env.close();
  }
};

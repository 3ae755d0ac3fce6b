import { describe, expect, it } from 'vitest';
import { benchReadCost, SHARED_LOCKING_LAYER } from '../../bench/read-cost.js';

describe('the read-cost benchmark', () => {
  it('serves every request of every layer with a 200 and reports a CPU figure per layer (no timing is asserted)', async () => {
    const result = await benchReadCost(200, 10);
    expect(result.concurrency).toBe(10);
    expect(result.layers.map((l) => l.layer)).toEqual([
      'KMS core (handleKmsRequest)',
      'KMS core without the audit record',
      'api function handler (FC HTTP event, middleware, core)',
      SHARED_LOCKING_LAYER,
    ]);
    for (const layer of result.layers) {
      expect(layer.requests).toBe(200);
      expect(Number.isFinite(layer.cpuUsPerRequest) && layer.cpuUsPerRequest > 0).toBe(true);
    }
  }, 120_000);
});

/** GetSecretValue on a secret pending deletion: refused as before, and now telling (an event). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventTypes } from '../../shared/domain/events.js';
import { createHarness, type Harness } from '../support/service-harness.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

const VALUE = 'pending-deletion-value-7c1e';

describe('reading a secret pending deletion', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await createHarness();
    await h.service.createSecret({ secretName: 'old/token', versionId: 'v1', secretData: VALUE });
    await h.service.deleteSecret({ secretName: secretIdOf('old/token'), recoveryWindowInDays: 7 });
  });

  afterEach(async () => {
    await h.close();
  });

  it('is refused with Rejected.ResourceInDeleteWindow and publishes who asked, when, and no value', async () => {
    const deleteAt = h.clock.now() + 7 * 86_400_000;
    await expect(h.service.getSecretValue({ secretName: secretIdOf('old/token'), requestedBy: 'LTAIreader01' })).rejects.toMatchObject({
      code: 'Rejected.ResourceInDeleteWindow',
    });
    const reads = h.events.events.filter((e) => e.type === EventTypes.readWhilePendingDeletion);
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({
      subject: 'old/token',
      data: { secretName: 'old/token', secretType: 'Generic', requestedBy: 'LTAIreader01', plannedDeleteTime: new Date(deleteAt).toISOString() },
    });
    expect(JSON.stringify(reads[0])).not.toContain(VALUE);
  });

  it('says nothing of the reader when it is not known', async () => {
    await expect(h.service.getSecretValue({ secretName: secretIdOf('old/token') })).rejects.toMatchObject({ code: 'Rejected.ResourceInDeleteWindow' });
    const read = h.events.events.find((e) => e.type === EventTypes.readWhilePendingDeletion);
    expect(read?.data).not.toHaveProperty('requestedBy');
  });

  it('is still the refusal when the event cannot be published', async () => {
    h.events.publish = async () => {
      throw new Error('topic unavailable');
    };
    await expect(h.service.getSecretValue({ secretName: secretIdOf('old/token') })).rejects.toMatchObject({ code: 'Rejected.ResourceInDeleteWindow' });
  });

  it('a live secret reads without the event', async () => {
    await h.service.createSecret({ secretName: 'live', versionId: 'v1', secretData: 'x' });
    expect((await h.service.getSecretValue({ secretName: secretIdOf('live') })).secretData).toBe('x');
    expect(h.events.events.some((e) => e.type === EventTypes.readWhilePendingDeletion)).toBe(false);
  });
});

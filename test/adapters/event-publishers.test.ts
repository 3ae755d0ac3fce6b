import { mkdirSync, mkdtempSync, readFileSync, rmSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NdjsonEventPublisher } from '../../shared/adapters/local-events/ndjson-event-publisher.js';
import { MemoryEventPublisher } from '../../shared/adapters/memory-events/memory-event-publisher.js';
import type { RotorEvent } from '../../shared/ports/event-publisher.js';

const makeEvent = (id: string, data: Record<string, unknown> = {}): RotorEvent => ({
  specversion: '1.0',
  id,
  source: 'secret-rotor/test',
  type: 'com.secretrotor.secret.rotation.succeeded',
  subject: 'app/db',
  time: '2026-01-01T00:00:00.000Z',
  datacontenttype: 'application/json',
  data,
});

const readLines = (file: string): RotorEvent[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as RotorEvent);

describe('NdjsonEventPublisher', () => {
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rotor-events-'));
    file = join(dir, 'logs', 'events', 'events.ndjson');
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the directory and an owner-only file, and writes one JSON line per event', async () => {
    const publisher = new NdjsonEventPublisher(file);
    await publisher.publish(makeEvent('1', { versionId: 'v2' }));
    await publisher.publish(makeEvent('2'));

    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
    expect(readLines(file)).toEqual([makeEvent('1', { versionId: 'v2' }), makeEvent('2')]);
  });

  it('appends to an existing file, from a new publisher as after a restart', async () => {
    await new NdjsonEventPublisher(file).publish(makeEvent('1'));
    await new NdjsonEventPublisher(file).publish(makeEvent('2'));
    expect(readLines(file).map((e) => e.id)).toEqual(['1', '2']);
  });

  it('never interleaves lines of concurrent publishes, and keeps their order', async () => {
    const publisher = new NdjsonEventPublisher(file);
    // Large events: written in several chunks, so unserialized appends would interleave.
    const padding = 'x'.repeat(1_500_000);
    const ids = Array.from({ length: 12 }, (_, i) => String(i));
    await Promise.all(ids.map((id) => publisher.publish(makeEvent(id, { padding }))));

    const events = readLines(file);
    expect(events.map((e) => e.id)).toEqual(ids);
    expect(events.every((e) => e.data.padding === padding)).toBe(true);
  });

  it('calls onEvent with each event once it is written', async () => {
    const seen: { id: string; onDisk: boolean }[] = [];
    const publisher = new NdjsonEventPublisher(file, (event) => {
      seen.push({ id: event.id, onDisk: readLines(file).some((e) => e.id === event.id) });
    });
    await Promise.all([publisher.publish(makeEvent('a')), publisher.publish(makeEvent('b'))]);
    await publisher.publish(makeEvent('c'));
    expect(seen).toEqual([
      { id: 'a', onDisk: true },
      { id: 'b', onDisk: true },
      { id: 'c', onDisk: true },
    ]);
  });

  it('rejects a publish that cannot be written, and keeps publishing afterwards', async () => {
    const publisher = new NdjsonEventPublisher(file);
    await publisher.publish(makeEvent('1'));
    unlinkSync(file);
    mkdirSync(file); // appending to a directory fails
    const failing = publisher.publish(makeEvent('lost'));
    const queuedBehind = publisher.publish(makeEvent('2'));
    await expect(failing).rejects.toThrow(/EISDIR/);
    await expect(queuedBehind).rejects.toThrow(/EISDIR/);
    rmdirSync(file);
    await publisher.publish(makeEvent('3'));
    expect(readLines(file).map((e) => e.id)).toEqual(['3']);
  });

  it('rejects an event that is not serializable without writing anything', async () => {
    const publisher = new NdjsonEventPublisher(file);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await expect(publisher.publish(makeEvent('bad', circular))).rejects.toThrow(/circular/);
    await publisher.publish(makeEvent('1'));
    expect(readLines(file).map((e) => e.id)).toEqual(['1']);
  });

  it('recreates a removed file owner-only', async () => {
    const publisher = new NdjsonEventPublisher(file);
    await publisher.publish(makeEvent('1'));
    unlinkSync(file);
    await publisher.publish(makeEvent('2'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readLines(file).map((e) => e.id)).toEqual(['2']);
  });
});

describe('MemoryEventPublisher', () => {
  it('keeps published events in order', async () => {
    const publisher = new MemoryEventPublisher();
    await publisher.publish(makeEvent('1'));
    await publisher.publish(makeEvent('2'));
    expect(publisher.events).toEqual([makeEvent('1'), makeEvent('2')]);
  });

  it('keeps a copy, unaffected by later changes to the published object', async () => {
    const publisher = new MemoryEventPublisher();
    const event = makeEvent('1', { step: 'verify' });
    await publisher.publish(event);
    event.data.step = 'promote';
    expect(publisher.events[0]?.data.step).toBe('verify');
  });
});

/**
 * What a request costs the process that serves it, measured from inside that process: how late its
 * event loop ran (perf_hooks.monitorEventLoopDelay at a 1 ms resolution, so any synchronous stretch
 * of more than about a millisecond shows) and how far its memory rose above where it stood before:
 * RSS sampled every 2 ms by a worker thread (its own event loop, so a peak during a long synchronous
 * stretch of the main one is seen too), and V8 heap + external + array buffers sampled every 5 ms
 * on the main thread and once more at the end.
 */
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

export interface Cost {
  /** The longest the event loop was late, ms. */
  maxLoopDelayMs: number;
  /** The 99th percentile of the delays, ms. */
  p99LoopDelayMs: number;
  /** Highest RSS seen minus the RSS before, MB. */
  rssGrowthMb: number;
  /** Highest heap + external + array buffers seen minus that before, MB. */
  heapGrowthMb: number;
  /** The longest garbage collection pause in the window, ms (part of the loop delay, not the request's doing alone). */
  maxGcPauseMs: number;
  durationMs: number;
}

const MB = 1024 * 1024;
const SAMPLE_EVERY_MS = 5;

const heapOf = (m: NodeJS.MemoryUsage): number => m.heapUsed + m.external + m.arrayBuffers;

/** The RSS sampler: 'reset' starts a new peak from now, 'read' answers with the peak since. */
const RSS_SAMPLER = `
const { parentPort } = require('node:worker_threads');
let peak = process.memoryUsage.rss();
const sample = () => { peak = Math.max(peak, process.memoryUsage.rss()); };
setInterval(sample, 2);
parentPort.on('message', (m) => {
  if (m === 'reset') { peak = process.memoryUsage.rss(); parentPort.postMessage(peak); }
  else { sample(); parentPort.postMessage(peak); }
});
`;

let sampler: Worker | undefined;

const askSampler = (message: 'reset' | 'read'): Promise<number> => {
  sampler ??= new Worker(RSS_SAMPLER, { eval: true });
  // The worker never keeps the process alive.
  sampler.unref();
  const worker = sampler;
  return new Promise((resolve) => {
    worker.once('message', (rss: number) => resolve(rss));
    worker.postMessage(message);
  });
};

/** Ends the RSS sampler (afterAll). */
export const stopCostProbe = async (): Promise<void> => {
  await sampler?.terminate();
  sampler = undefined;
};

/** Runs `work` (and keeps measuring for at least `minMs`), returning its value and what it cost. */
export const measureCost = async <T>(work: () => Promise<T>, minMs = 0): Promise<{ value: T; cost: Cost }> => {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const rssBefore = await askSampler('reset');
  const before = process.memoryUsage();
  let peakHeap = heapOf(before);
  const sample = (): void => {
    peakHeap = Math.max(peakHeap, heapOf(process.memoryUsage()));
  };
  const heapSampler = setInterval(sample, SAMPLE_EVERY_MS);
  let maxGcPauseMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) maxGcPauseMs = Math.max(maxGcPauseMs, entry.duration);
  });
  gc.observe({ entryTypes: ['gc'] });
  histogram.enable();
  const started = performance.now();
  try {
    const value = await work();
    const left = minMs - (performance.now() - started);
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
    sample();
    const peakRss = await askSampler('read');
    return {
      value,
      cost: {
        maxLoopDelayMs: histogram.max / 1e6,
        p99LoopDelayMs: histogram.percentile(99) / 1e6,
        rssGrowthMb: (peakRss - rssBefore) / MB,
        heapGrowthMb: (peakHeap - heapOf(before)) / MB,
        maxGcPauseMs,
        durationMs: performance.now() - started,
      },
    };
  } finally {
    histogram.disable();
    clearInterval(heapSampler);
    gc.disconnect();
  }
};

export interface TrafficStats {
  sent: number;
  /** Answered with the expected status. */
  answered: number;
  /** Statuses other than the expected one, and errors, by kind. */
  failures: Record<string, number>;
  maxLatencyMs: number;
}

/**
 * Cheap requests, one after another until stopped, a new one every `everyMs` (or as soon as the
 * last is answered, if that takes longer): `call` sends one and resolves with its status. Started
 * before the hostile request and stopped after it, so the two overlap.
 */
export const startTraffic = (call: () => Promise<number>, everyMs: number, expectedStatus = 200): { stop(): Promise<TrafficStats> } => {
  const stats: TrafficStats = { sent: 0, answered: 0, failures: {}, maxLatencyMs: 0 };
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      stats.sent++;
      let outcome: string;
      try {
        const status = await call();
        outcome = status === expectedStatus ? 'ok' : `status ${status}`;
      } catch (e) {
        outcome = `error ${(e as Error).message.slice(0, 80)}`;
      }
      const took = performance.now() - started;
      stats.maxLatencyMs = Math.max(stats.maxLatencyMs, took);
      if (outcome === 'ok') stats.answered++;
      else stats.failures[outcome] = (stats.failures[outcome] ?? 0) + 1;
      if (running && took < everyMs) await new Promise((resolve) => setTimeout(resolve, everyMs - took));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return stats;
    },
  };
};

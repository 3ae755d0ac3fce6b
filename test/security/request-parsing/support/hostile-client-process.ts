/**
 * The hostile client's process, driven from the test: prepare a request (its bytes are built in
 * the child), then send it and get the result. See hostile-client.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { HostileResult, HostileSpec } from './hostile-client.js';

const MAIN = fileURLToPath(new URL('./hostile-client-main.ts', import.meta.url));
const PROJECT_ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', '..');

interface Reply {
  id: number;
  ready?: boolean;
  result?: HostileResult;
  error?: string;
}

export class HostileClient {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  private nextId = 1;
  private readonly stderr: Buffer[] = [];

  constructor(port: number) {
    this.child = spawn(process.execPath, ['--import', 'tsx', MAIN, String(port)], { cwd: PROJECT_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr?.on('data', (c: Buffer) => this.stderr.push(c));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const reply = JSON.parse(line) as Reply;
      this.waiting.get(reply.id)?.(reply);
      this.waiting.delete(reply.id);
    });
    this.child.once('exit', (code) => {
      for (const resolve of this.waiting.values()) resolve({ id: 0, error: `the hostile client exited (${code}): ${Buffer.concat(this.stderr).toString('utf8').slice(0, 500)}` });
      this.waiting.clear();
    });
  }

  private ask(cmd: Record<string, unknown>): Promise<Reply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.child.stdin!.write(`${JSON.stringify({ ...cmd, id })}\n`);
    });
  }

  /** Builds the request in the child; resolves with a function that sends it. */
  async prepare(spec: HostileSpec): Promise<() => Promise<HostileResult>> {
    const ready = await this.ask({ op: 'prepare', spec });
    if (!ready.ready) throw new Error(ready.error ?? 'prepare failed');
    return async () => {
      const reply = await this.ask({ op: 'send', preparedId: ready.id });
      if (!reply.result) throw new Error(reply.error ?? 'send failed');
      return reply.result;
    };
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

/** The RAM users and their AccessKeys, in memory. A user holds at most two keys, as in RAM. */
import { randomInt } from 'node:crypto';
import { accessKeyLimit, accessKeyNotOfUser, userNotFound } from './errors.js';

export const MAX_KEYS_PER_USER = 2;

export type KeyStatus = 'Active' | 'Inactive';

export interface IssuedKey {
  accessKeyId: string;
  accessKeySecret: string;
  userName: string;
  status: KeyStatus;
  createDate: string;
}

export interface RamUser {
  userName: string;
  userId: string;
  createDate: string;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const randomAlnum = (length: number): string => Array.from({ length }, () => ALNUM[randomInt(ALNUM.length)]).join('');

/** RAM dates have second precision: 2023-03-25T10:42:40Z. */
const ramDate = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class RamState {
  private readonly users = new Map<string, RamUser>();
  private readonly keys = new Map<string, IssuedKey>();
  /** Keys are created in a strict order even within one second, so "newest" is always defined. */
  private tick = 0;
  /** Signed requests each new key is still refused as unknown for (RAM's eventual consistency). */
  propagationDelayRequests = 0;
  private readonly unseen = new Map<string, number>();
  /** Who every key ever issued belonged to, deleted ones included. */
  private readonly owners = new Map<string, string>();

  constructor(private readonly now: () => number = Date.now) {}

  addUser(userName: string): RamUser {
    const existing = this.users.get(userName);
    if (existing) return existing;
    const user = { userName, userId: `${randomInt(100_000, 999_999)}${randomInt(1_000_000_000, 9_999_999_999)}`, createDate: ramDate(this.now()) };
    this.users.set(userName, user);
    return user;
  }

  getUser(userName: string): RamUser {
    const user = this.users.get(userName);
    if (!user) throw userNotFound();
    return user;
  }

  /** A new Active key; `secret` lets tests issue a key with a secret full of quoting traps. */
  createKey(userName: string, secret?: string): IssuedKey {
    this.getUser(userName);
    if (this.keysOf(userName).length >= MAX_KEYS_PER_USER) throw accessKeyLimit();
    const key: IssuedKey = {
      accessKeyId: `LTAI${randomAlnum(20)}`,
      accessKeySecret: secret ?? randomAlnum(30),
      userName,
      status: 'Active',
      createDate: ramDate(this.now() + this.tick++ * 1000),
    };
    this.keys.set(key.accessKeyId, key);
    this.owners.set(key.accessKeyId, userName);
    if (this.propagationDelayRequests > 0) this.unseen.set(key.accessKeyId, this.propagationDelayRequests);
    return key;
  }

  keysOf(userName: string): IssuedKey[] {
    return [...this.keys.values()].filter((key) => key.userName === userName);
  }

  findKey(accessKeyId: string): IssuedKey | undefined {
    return this.keys.get(accessKeyId);
  }

  ownerOf(accessKeyId: string): string | null {
    return this.owners.get(accessKeyId) ?? null;
  }

  /** The key as the authentication layer sees it: undefined while it has not propagated yet. */
  keyForSigning(accessKeyId: string): IssuedKey | undefined {
    const left = this.unseen.get(accessKeyId) ?? 0;
    if (left > 0) {
      this.unseen.set(accessKeyId, left - 1);
      return undefined;
    }
    return this.keys.get(accessKeyId);
  }

  setStatus(userName: string, accessKeyId: string, status: KeyStatus): void {
    this.keyOfUser(userName, accessKeyId).status = status;
  }

  deleteKey(userName: string, accessKeyId: string): void {
    this.keyOfUser(userName, accessKeyId);
    this.keys.delete(accessKeyId);
  }

  private keyOfUser(userName: string, accessKeyId: string): IssuedKey {
    this.getUser(userName);
    const key = this.keys.get(accessKeyId);
    if (!key || key.userName !== userName) throw accessKeyNotOfUser();
    return key;
  }
}

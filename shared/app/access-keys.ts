/**
 * AccessKeys and their policies: the admin use cases, and the lookup that authentication makes on
 * every request. The secret half of a key is sealed with the key provider before it is stored and
 * opened only to verify a signature; it is returned to a caller once, when the key is created.
 */
import {
  accessKeyNotExist,
  generateAccessKey,
  MAX_ACCESS_KEY_DESCRIPTION_LENGTH,
  MAX_POLICIES_PER_KEY,
  policyNotExist,
  POLICY_NAME_FORM,
  tooManyPolicies,
  type AccessKeyPolicy,
  type AccessKeyRecord,
  type AccessKeyStatus,
} from '../domain/access-key.js';
import { ConflictError, invalidParameter, KmsError } from '../domain/errors.js';
import { parsePolicyDocument, type PolicyDocument } from '../domain/policy/index.js';
import type { AccessKeyStore } from '../ports/access-key-store.js';
import type { Clock } from '../ports/clock.js';
import type { KeyProvider } from '../ports/key-provider.js';
import { openEnvelope, sealEnvelope, type EnvelopeBinding } from './envelope.js';

export interface AccessKeyServiceDeps {
  store: AccessKeyStore;
  keys: KeyProvider;
  clock: Clock;
  /** Test seam; default generateAccessKey. */
  generate?: () => { accessKeyId: string; accessKeySecret: string };
}

/** A key as the admin API shows it: never its secret. */
export interface AccessKeyView {
  accessKeyId: string;
  status: AccessKeyStatus;
  description: string;
  createdAt: number;
  policyNames: string[];
}

/** What authentication needs to know about a stored key. */
export interface StoredCredential {
  accessKeySecret: string;
  status: AccessKeyStatus;
  policies: PolicyDocument[];
  /** Moves on with every change to the key: console sessions are bound to it. */
  revision: number;
}

export interface AccessKeyService {
  createAccessKey(input: { description?: string }): Promise<{ key: AccessKeyView; accessKeySecret: string }>;
  listAccessKeys(): Promise<AccessKeyView[]>;
  setStatus(accessKeyId: string, status: AccessKeyStatus): Promise<void>;
  deleteAccessKey(accessKeyId: string): Promise<void>;
  /** Creates or replaces; InvalidParameter naming `PolicyDocument.<path>` when the document is bad. */
  putPolicy(accessKeyId: string, policyName: string, document: string): Promise<void>;
  getPolicy(accessKeyId: string, policyName: string): Promise<AccessKeyPolicy>;
  deletePolicy(accessKeyId: string, policyName: string): Promise<void>;
  /** The key's secret, status and parsed policies; null when there is no such key. */
  resolve(accessKeyId: string): Promise<StoredCredential | null>;
}

/** Names this use of the key provider; change it only together with a way to read old envelopes. */
const SECRET_LABEL = 'secret-rotor/access-key-secret/v1';

const secretBinding = (accessKeyId: string): EnvelopeBinding => ({
  label: SECRET_LABEL,
  fields: [accessKeyId],
  context: { purpose: 'access-key-secret', accessKeyId },
});

const secretUnreadable = (): KmsError =>
  new KmsError('InternalFailure', 500, 'The AccessKey secret could not be decrypted.');

/** Read-modify-write attempts before a concurrent change is reported to the caller. */
const UPDATE_ATTEMPTS = 3;
/** Opened secrets and parsed policies kept per container, so a request costs one store read. */
const CACHE_LIMIT = 1000;

const viewOf = (key: AccessKeyRecord): AccessKeyView => ({
  accessKeyId: key.accessKeyId,
  status: key.status,
  description: key.description,
  createdAt: key.createdAt,
  policyNames: key.policies.map((p) => p.name),
});

const checkDescription = (description: string): string => {
  if (description.length > MAX_ACCESS_KEY_DESCRIPTION_LENGTH) {
    throw invalidParameter('Description', `longer than ${MAX_ACCESS_KEY_DESCRIPTION_LENGTH} characters.`);
  }
  return description;
};

const checkPolicyName = (name: string): string => {
  if (!POLICY_NAME_FORM.test(name)) throw invalidParameter('PolicyName', 'use 1-128 letters, digits and "-".');
  return name;
};

/** The document, validated; problems name their path inside it (`PolicyDocument.Statement[0].Effect`). */
const checkPolicyDocument = (text: string): PolicyDocument => {
  const parsed = parsePolicyDocument(text);
  if (parsed.ok) return parsed.document;
  const { path, message } = parsed.problem;
  throw invalidParameter(path ? `PolicyDocument.${path}` : 'PolicyDocument', `${message}.`);
};

/** A Map that forgets its oldest entry past `limit`. */
class BoundedCache<K, V> {
  private readonly entries = new Map<K, V>();
  constructor(private readonly limit: number) {}
  get(key: K): V | undefined {
    return this.entries.get(key);
  }
  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as K);
  }
  delete(key: K): void {
    this.entries.delete(key);
  }
}

export const createAccessKeyService = (deps: AccessKeyServiceDeps): AccessKeyService => {
  const { store, keys, clock } = deps;
  const generate = deps.generate ?? generateAccessKey;
  // Keyed by id; an entry is used only while the stored ciphertext is the one it was opened from.
  const openedSecrets = new BoundedCache<string, { ciphertext: string; secret: string }>(CACHE_LIMIT);
  const parsedPolicies = new BoundedCache<string, PolicyDocument>(CACHE_LIMIT);

  const load = async (accessKeyId: string): Promise<AccessKeyRecord> => {
    const key = await store.getAccessKey(accessKeyId);
    if (!key) throw accessKeyNotExist(accessKeyId);
    return key;
  };

  /** Applies `change` to the current key, retrying a lost race a few times. */
  const modify = async (accessKeyId: string, change: (key: AccessKeyRecord) => AccessKeyRecord): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const current = await load(accessKeyId);
      try {
        await store.updateAccessKey({ ...change(current), updatedAt: clock.now() }, current.revision);
        return;
      } catch (e) {
        if (!(e instanceof ConflictError) || attempt >= UPDATE_ATTEMPTS) throw e;
      }
    }
  };

  const openSecret = async (key: AccessKeyRecord): Promise<string> => {
    const cached = openedSecrets.get(key.accessKeyId);
    if (cached && cached.ciphertext === key.sealedSecret.ciphertext) return cached.secret;
    const secret = await openEnvelope(keys, secretBinding(key.accessKeyId), key.sealedSecret, secretUnreadable);
    openedSecrets.set(key.accessKeyId, { ciphertext: key.sealedSecret.ciphertext, secret });
    return secret;
  };

  /**
   * Stored documents were validated when written. Should one stop parsing (a stricter grammar in a
   * later version), the key is allowed nothing: dropping just that policy could drop a Deny.
   */
  const parsedPolicy = (text: string): PolicyDocument | null => {
    const cached = parsedPolicies.get(text);
    if (cached) return cached;
    const parsed = parsePolicyDocument(text);
    if (!parsed.ok) return null;
    parsedPolicies.set(text, parsed.document);
    return parsed.document;
  };

  return {
    async createAccessKey(input) {
      const description = checkDescription(input.description ?? '');
      const { accessKeyId, accessKeySecret } = generate();
      const now = clock.now();
      const created = await store.createAccessKey({
        accessKeyId,
        sealedSecret: await sealEnvelope(keys, secretBinding(accessKeyId), accessKeySecret),
        status: 'Active',
        description,
        createdAt: now,
        updatedAt: now,
        policies: [],
        revision: 1,
      });
      return { key: viewOf(created), accessKeySecret };
    },

    async listAccessKeys() {
      return (await store.listAccessKeys()).map(viewOf);
    },

    async setStatus(accessKeyId, status) {
      await modify(accessKeyId, (key) => ({ ...key, status }));
    },

    async deleteAccessKey(accessKeyId) {
      if (!(await store.deleteAccessKey(accessKeyId))) throw accessKeyNotExist(accessKeyId);
      openedSecrets.delete(accessKeyId);
    },

    async putPolicy(accessKeyId, policyName, document) {
      const name = checkPolicyName(policyName);
      checkPolicyDocument(document);
      await modify(accessKeyId, (key) => {
        const others = key.policies.filter((p) => p.name !== name);
        if (others.length >= MAX_POLICIES_PER_KEY) throw tooManyPolicies();
        const policies = [...others, { name, document }].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        return { ...key, policies };
      });
    },

    async getPolicy(accessKeyId, policyName) {
      const policy = (await load(accessKeyId)).policies.find((p) => p.name === policyName);
      if (!policy) throw policyNotExist(policyName);
      return policy;
    },

    async deletePolicy(accessKeyId, policyName) {
      await modify(accessKeyId, (key) => {
        if (!key.policies.some((p) => p.name === policyName)) throw policyNotExist(policyName);
        return { ...key, policies: key.policies.filter((p) => p.name !== policyName) };
      });
    },

    async resolve(accessKeyId) {
      const key = await store.getAccessKey(accessKeyId);
      if (!key) return null;
      const policies = key.policies.map((p) => parsedPolicy(p.document));
      return {
        accessKeySecret: await openSecret(key),
        status: key.status,
        policies: policies.every((d) => d !== null) ? (policies as PolicyDocument[]) : [],
        revision: key.revision,
      };
    },
  };
};

/**
 * Boundary: the keys in a managed user's authorized_keys that a LinuxSSHKey secret may take over.
 *
 * Attacker's goal: cut someone else's SSH access to a host (and so break their secret's rotation)
 * by making a rotation of the attacker's own secret retire their key: create or write a value
 * holding their public key (copied from authorized_keys, with no or another private key), so that
 * apply moves it into the attacker's managed block and finalize deletes it; or hold a key pair
 * that another secret manages, so that apply moves it out of that secret's block. Real sshd, real
 * HTTP API, a key allowed only on its own `secret/att/*` secrets (and to create secrets).
 *
 * Guarded by: a written key pair must prove possession (its public key derives from its private
 * key), apply takes over ACSCurrent's key only with that proof, and the block script never takes a
 * key out of another secret's block. The victims' lines stay byte for byte and keep logging in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLinuxHostDriver } from '../../../shared/adapters/drivers/ssh/drivers.js';
import type { DriverSecret } from '../../../shared/ports/target-driver.js';
import { eventually } from '../../support/e2e.js';
import { keyPairValue, readAuthorizedKeys, writeAuthorizedKeys } from '../../support/ssh-driver-fixtures.js';
import {
  createLinuxUser,
  ed25519Pair,
  randomUserName,
  sshdUnavailableReason,
  sshLogsIn,
  startSshd,
  type KeyPairText,
  type LinuxUser,
  type SshdServer,
} from '../../support/sshd.js';
import { BoundaryTally } from '../support/boundary-tally.js';
import { startBoundaryRuntime, type BoundaryRuntime, type KmsAnswer } from '../support/boundary-runtime.js';
import type { Key, Pairs } from '../support/signed-requests.js';

const skipReason = sshdUnavailableReason();
const tally = new BoundaryTally('confused-deputy', import.meta.url);
const MANAGER = 'ops/ssh-manager';
const OPS_SECRET = 'ops/deploy-key';

/**
 * Creating secrets, and everything on its own `att/*` secrets. (Using the managing secret is the
 * deputy-authorization boundary's concern; here the attacker is assumed allowed to use it.)
 */
const ATTACKER_POLICY = {
  Version: '1',
  Statement: [
    { Effect: 'Allow', Action: 'kms:CreateSecret', Resource: 'acs:kms:*:*:secret' },
    { Effect: 'Allow', Action: 'kms:*', Resource: 'acs:kms:*:*:secret/att/*' },
    // The managing credential and the host user are the attacker's to use (the manager's scope admits
    // that user): what is under test is whose keys a value may claim, not who may use the manager.
    { Effect: 'Allow', Action: ['kms:UseManagingSecret', 'kms:RotateTarget'], Resource: '*' },
  ],
};

describe.skipIf(skipReason !== null)(`SSH key adoption${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let rt: BoundaryRuntime;
  let attacker: Key;
  let server: SshdServer;
  let user: LinuxUser;
  /** Someone's laptop key, outside any block. */
  let laptop: KeyPairText;
  /** The key another secret (ops/deploy-key) manages in its own block. */
  let ops: KeyPairText;
  /** The attacker's own key for its legitimately created secret. */
  let own: KeyPairText;
  let victimLines: string[];

  const config = () =>
    JSON.stringify({ SecretSubType: 'LinuxSSHKey', Host: server.host, Port: server.port, UserName: user.name, ManagerSecretName: MANAGER, HostKeyFingerprint: server.hostKeyFingerprint });
  const createAs = (key: Key, name: string, value: string) =>
    rt.call('CreateSecret', [['SecretName', name], ['VersionId', 'v1'], ['SecretData', value], ['ExtendedConfig', config()]], key);
  const refusedAsInvalid = (answer: KmsAnswer) => answer.status === 400 && answer.body.Code === 'InvalidParameter';
  const victimsIntact = async (): Promise<boolean> => {
    const text = readAuthorizedKeys(user);
    const lines = text.split('\n');
    const linesKept = victimLines.every((line) => lines.includes(line));
    const opsBlock = text.includes(`# BEGIN secret-rotor ${OPS_SECRET}\n${ops.publicKey}\n# END secret-rotor ${OPS_SECRET}\n`);
    const logins = (await sshLogsIn(server, { UserName: user.name, PrivateKey: laptop.privateKey })) && (await sshLogsIn(server, { UserName: user.name, PrivateKey: ops.privateKey }));
    return linesKept && opsBlock && logins;
  };
  const rotateAndWait = async (name: string, versionId: string, params: Pairs = []) => {
    const answer = await rt.call('RotateSecret', [['SecretName', name], ['VersionId', versionId], ...params], attacker);
    tally.tried();
    expect(answer.status, String(answer.body.Code)).toBe(200);
    // Bounded wait for the runtime's own queue (500 ms polls), generous for a busy 2-core machine.
    await eventually(
      async () => ((await rt.setup('GetSecretValue', [['SecretName', name]])).VersionId === versionId ? true : undefined),
      `rotation ${versionId} of ${name}`,
      60_000,
    );
  };

  beforeAll(async () => {
    server = await startSshd();
    user = await createLinuxUser(randomUserName(false));
    laptop = ed25519Pair('ops@laptop');
    ops = ed25519Pair('ops-deploy');
    own = ed25519Pair('attacker');
    victimLines = [laptop.publicKey, `# BEGIN secret-rotor ${OPS_SECRET}`, ops.publicKey, `# END secret-rotor ${OPS_SECRET}`];
    writeAuthorizedKeys(user, `${victimLines.join('\n')}\n${own.publicKey}\n`);
    rt = await startBoundaryRuntime('rotor-adoption-');
    await rt.setup('CreateSecret', [
      ['SecretName', MANAGER],
      ['VersionId', 'm1'],
      ['SecretData', server.managerValue],
      ['ExtendedConfig', JSON.stringify({ ManagedScope: { Hosts: [`${server.host}:${server.port}`], Accounts: [user.name] } })],
    ]);
    attacker = await rt.createKey('creates secrets; kms:* on att/*');
    expect((await rt.putPolicy(attacker, ATTACKER_POLICY)).status).toBe(200);
    expect((await createAs(rt.root, 'att/own-key', keyPairValue(user.name, own))).status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    tally.write();
    await rt?.stop();
    await user?.remove();
    await server?.stop();
  });

  it('refuses a value claiming someone else\'s public key without its private key, on every write path', async () => {
    const claims = [
      keyPairValue(user.name, own, laptop.publicKey), // the attacker's private key, the laptop's public key
      JSON.stringify({ UserName: user.name, PublicKey: laptop.publicKey, PrivateKey: 'not a key' }),
      JSON.stringify({ UserName: user.name, PublicKey: laptop.publicKey }),
      keyPairValue(user.name, own, ops.publicKey),
    ];
    const before = rt.secretState();
    for (const [i, claim] of claims.entries()) {
      const writes: [string, KmsAnswer][] = [
        ['CreateSecret', await createAs(attacker, `att/claim-${i}`, claim)],
        ['PutSecretValue', await rt.call('PutSecretValue', [['SecretName', 'att/own-key'], ['VersionId', `claim-${i}`], ['SecretData', claim]], attacker)],
        ['RotateSecret', await rt.call('RotateSecret', [['SecretName', 'att/own-key'], ['VersionId', `claim-r${i}`], ['SecretData', claim]], attacker)],
      ];
      for (const [action, answer] of writes) {
        tally.tried();
        if (answer.status === 200) tally.crossed(`${action} accepted claim ${i}`);
        expect(refusedAsInvalid(answer), `${action} claim ${i}: ${answer.status} ${String(answer.body.Code)}`).toBe(true);
        expect(JSON.stringify(answer.body)).not.toContain('PRIVATE KEY');
      }
    }
    expect(rt.secretState()).toEqual(before);
    // Rotations of the attacker's own secret go on working, and touch only its own key.
    await rotateAndWait('att/own-key', 'own-1');
    await rotateAndWait('att/own-key', 'own-2');
    const intact = await victimsIntact();
    if (!intact) tally.crossed('a rotation of att/own-key changed a victim key');
    expect(intact).toBe(true);
    expect(await sshLogsIn(server, { UserName: user.name, PrivateKey: own.privateKey })).toBe(false); // its own old key was retired
  }, 180_000);

  it('never takes a key out of another secret\'s block, even with its private key', async () => {
    // The attacker holds the ops key pair (read once from the ops secret, say): possession is proven.
    const created = await createAs(attacker, 'att/ops-copy', keyPairValue(user.name, ops));
    tally.tried();
    expect(created.status, String(created.body.Code)).toBe(200);
    await rotateAndWait('att/ops-copy', 'copy-1');
    const intact = await victimsIntact();
    if (!intact) tally.crossed('a rotation of att/ops-copy took the ops key out of its block');
    expect(intact).toBe(true);
  }, 120_000);

  it('takes over a stored ACSCurrent key only with proof of possession (values written before the check)', async () => {
    const driver = createLinuxHostDriver({ resolveSecret: async () => server.managerValue });
    const secret: DriverSecret = { name: 'att/legacy', type: 'Generic', extendedConfig: JSON.parse(config()) as Record<string, unknown> };
    const forgedCurrent = keyPairValue(user.name, own, laptop.publicKey);
    const { value: pending } = await driver.generate({ secret, currentValue: forgedCurrent });
    await driver.apply({ secret, pendingValue: pending, currentValue: forgedCurrent, previousValue: null });
    await driver.finalize({ secret, newCurrentValue: pending, newPreviousValue: forgedCurrent });
    tally.tried();
    const intact = await victimsIntact();
    if (!intact) tally.crossed('apply adopted a key ACSCurrent could not prove');
    expect(intact).toBe(true);
    expect(await sshLogsIn(server, { UserName: user.name, PrivateKey: (JSON.parse(pending) as { PrivateKey: string }).PrivateKey })).toBe(true);
  }, 60_000);
});

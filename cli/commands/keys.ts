/**
 * `rotor keys`: the AccessKeys that may call the API and their RAM-style policies, through
 * secret-rotor's admin actions (CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey,
 * Put/Get/DeleteAccessKeyPolicy). KMS itself has no such actions: use RAM there.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { command, group, stringOption, type ArgumentSpec, type Invocation } from '../command.js';
import { usageError } from '../exit-codes.js';
import { readAll } from '../io.js';
import { printFields, printJson, printTable, record, text, wrappedList } from '../output.js';
import { apiFor } from '../api.js';
import { arg, show } from './shared.js';

const KEY_ARG: ArgumentSpec = { name: 'access-key-id', description: 'the AccessKey ID' };
const POLICY_ARG: ArgumentSpec = { name: 'policy-name', description: 'the policy name' };

const setStatus = (name: 'enable' | 'disable', status: 'Active' | 'Inactive') =>
  command({
    name,
    summary: name === 'enable' ? 'Let a disabled AccessKey call the API again' : 'Refuse every request signed with an AccessKey',
    description: `Set an AccessKey's status to ${status} (UpdateAccessKey).`,
    args: [KEY_ARG],
    examples: [`rotor keys ${name} LTAI4Gexample`],
    run: async (invocation) => {
      const id = arg(invocation, 0);
      const response = await apiFor(invocation).call('UpdateAccessKey', { UserAccessKeyId: id, Status: status });
      show(invocation, response, () => printFields(invocation.io, [['AccessKey', id], ['Status', status]]));
    },
  });

const createKey = command({
  name: 'create',
  summary: 'Create an AccessKey (its secret is shown once)',
  description:
    'Create an AccessKey (CreateAccessKey). Its secret is printed once, on stdout, and cannot be read\n' +
    "again. A new key may do nothing until a policy allows it: see 'rotor keys policy put'.",
  options: { description: { type: 'string', valueName: 'TEXT', description: 'what the key is for' } },
  examples: ['rotor keys create --description "orders service"', 'rotor keys create --json > orders-key.json'],
  run: async (invocation) => {
    const response = await apiFor(invocation).call('CreateAccessKey', { Description: stringOption(invocation.options, 'description') });
    const key = record(response.AccessKey);
    show(invocation, response, () => {
      printFields(invocation.io, [
        ['AccessKeyId', text(key.AccessKeyId)],
        ['AccessKeySecret', text(key.AccessKeySecret)],
        ['Status', text(key.Status)],
        ['Created', text(key.CreateDate)],
        ['Description', text(key.Description)],
      ]);
      invocation.io.stderr.write('Save the AccessKeySecret now: it cannot be shown again.\n');
    });
  },
});

const policyNames = (key: Record<string, unknown>): string =>
  wrappedList(key.Policies, 'Policy')
    .map((p) => text(record(p).PolicyName) ?? '')
    .join(',');

const listKeys = command({
  name: 'list',
  summary: 'List AccessKeys and their policies (never their secrets)',
  description: 'List the AccessKeys (ListAccessKeys) with their status and policy names.',
  examples: ['rotor keys list', 'rotor keys list --json'],
  run: async (invocation) => {
    const response = await apiFor(invocation).call('ListAccessKeys', {});
    if (invocation.globals.json) {
      printJson(invocation.io, response);
      return;
    }
    const rows = wrappedList(response.AccessKeys, 'AccessKey').map((k) => {
      const key = record(k);
      return [
        text(key.AccessKeyId) ?? '',
        text(key.Status) ?? '',
        text(key.CreateDate) ?? '',
        policyNames(key) || '-',
        text(key.Description) ?? '',
      ];
    });
    printTable(invocation.io, ['ACCESS KEY ID', 'STATUS', 'CREATED', 'POLICIES', 'DESCRIPTION'], rows, 'No AccessKeys.');
  },
});

const deleteKey = command({
  name: 'delete',
  summary: 'Delete an AccessKey and its policies',
  description: 'Delete an AccessKey (DeleteAccessKey); requests signed with it are refused from then on.',
  args: [KEY_ARG],
  examples: ['rotor keys delete LTAI4Gexample'],
  run: async (invocation) => {
    const id = arg(invocation, 0);
    const response = await apiFor(invocation).call('DeleteAccessKey', { UserAccessKeyId: id });
    show(invocation, response, () => printFields(invocation.io, [['Deleted', id]]));
  },
});

/** The document from --file (or stdin) or --document, checked to be JSON and sent compact. */
const policyDocument = async (invocation: Invocation): Promise<string> => {
  const file = stringOption(invocation.options, 'file');
  const inline = stringOption(invocation.options, 'document');
  if ((file === undefined) === (inline === undefined)) throw usageError('give the policy with either --file PATH (- for stdin) or --document JSON');
  let textValue = inline as string;
  if (file !== undefined) {
    try {
      textValue = file === '-' ? (await readAll(invocation.io.stdin)).toString('utf8') : await readFile(resolve(invocation.io.cwd, file), 'utf8');
    } catch (e) {
      throw usageError(`cannot read --file ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  try {
    return JSON.stringify(JSON.parse(textValue));
  } catch {
    throw usageError('the policy document is not valid JSON');
  }
};

const putPolicy = command({
  name: 'put',
  summary: "Create or replace one of an AccessKey's policies",
  description:
    'Attach a policy to an AccessKey, or replace the one with that name (PutAccessKeyPolicy). The document\n' +
    'uses RAM\'s grammar: {"Version":"1","Statement":[{"Effect":"Allow","Action":["kms:GetSecretValue"],\n' +
    '"Resource":["acs:kms:*:*:secret/app-*"]}]}. The service checks it and names the bad field if any.',
  args: [KEY_ARG, POLICY_ARG],
  options: {
    file: { type: 'string', valueName: 'PATH|-', description: 'read the policy document from a file, or stdin with "-"' },
    document: { type: 'string', valueName: 'JSON', description: 'the policy document itself' },
  },
  examples: ['rotor keys policy put LTAI4Gexample read-app --file read-app.json'],
  run: async (invocation) => {
    const id = arg(invocation, 0);
    const name = arg(invocation, 1);
    const document = await policyDocument(invocation);
    const response = await apiFor(invocation).call('PutAccessKeyPolicy', { UserAccessKeyId: id, PolicyName: name, PolicyDocument: document });
    show(invocation, response, () => printFields(invocation.io, [['AccessKey', id], ['Policy', name]]));
  },
});

const prettyDocument = (value: unknown): string => {
  if (typeof value !== 'string') return JSON.stringify(value, null, 2);
  try {
    return JSON.stringify(JSON.parse(value), null, 2);
  } catch {
    return value;
  }
};

const getPolicy = command({
  name: 'get',
  summary: 'Print one of an AccessKey\'s policy documents',
  description: 'Print a policy document (GetAccessKeyPolicy), pretty-printed JSON.',
  args: [KEY_ARG, POLICY_ARG],
  examples: ['rotor keys policy get LTAI4Gexample read-app > read-app.json'],
  run: async (invocation) => {
    const response = await apiFor(invocation).call('GetAccessKeyPolicy', { UserAccessKeyId: arg(invocation, 0), PolicyName: arg(invocation, 1) });
    show(invocation, response, () => invocation.io.stdout.write(`${prettyDocument(response.PolicyDocument)}\n`));
  },
});

const deletePolicy = command({
  name: 'delete',
  summary: 'Detach a policy from an AccessKey',
  description: 'Delete one of an AccessKey\'s policies (DeleteAccessKeyPolicy).',
  args: [KEY_ARG, POLICY_ARG],
  examples: ['rotor keys policy delete LTAI4Gexample read-app'],
  run: async (invocation) => {
    const id = arg(invocation, 0);
    const name = arg(invocation, 1);
    const response = await apiFor(invocation).call('DeleteAccessKeyPolicy', { UserAccessKeyId: id, PolicyName: name });
    show(invocation, response, () => printFields(invocation.io, [['AccessKey', id], ['Deleted policy', name]]));
  },
});

export const keysGroup = group({
  name: 'keys',
  summary: 'Manage AccessKeys and their policies (secret-rotor only)',
  description:
    'AccessKeys that may call the API, and their RAM-style policies. Needs a key allowed the rotor:<Action>\n' +
    'admin actions (the root key always is). Against Alibaba Cloud KMS use RAM instead.',
  commands: [
    createKey,
    listKeys,
    setStatus('disable', 'Inactive'),
    setStatus('enable', 'Active'),
    deleteKey,
    group({
      name: 'policy',
      summary: "Manage an AccessKey's policies",
      description: "Create, read and delete an AccessKey's named policies (RAM policy grammar).",
      commands: [putPolicy, getPolicy, deletePolicy],
      examples: [
        'rotor keys policy put LTAI4Gexample read-app --file read-app.json',
        'rotor keys policy get LTAI4Gexample read-app',
        'rotor keys policy delete LTAI4Gexample read-app',
      ],
    }),
  ],
  examples: ['rotor keys create --description "orders service"', 'rotor keys list', 'rotor keys disable LTAI4Gexample'],
});

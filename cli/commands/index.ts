/** The command tree of `rotor`. */
import { group } from '../command.js';
import { EXIT_CODE_HELP } from '../exit-codes.js';
import { createCommand } from './create.js';
import { deleteCommand } from './delete.js';
import { describeCommand } from './describe.js';
import { eventsCommand } from './events.js';
import { getCommand } from './get.js';
import { keysGroup } from './keys.js';
import { listCommand } from './list.js';
import { policyCommand } from './policy.js';
import { putCommand } from './put.js';
import { restoreCommand } from './restore.js';
import { rotateCommand } from './rotate.js';
import { versionsCommand } from './versions.js';

const CONNECTION_HELP = `Connection (first found wins):
  endpoint     --endpoint, ROTOR_ENDPOINT, profile "endpoint", 127.0.0.1:9000
  protocol     --protocol, the endpoint URL's scheme, ROTOR_PROTOCOL, profile "protocol",
               http for a loopback host, else https
  region       --region, ROTOR_REGION, profile "region", cn-hangzhou
  credentials  --data-dir DIR (its root-credentials.json), ROTOR_ACCESS_KEY_ID + ROTOR_ACCESS_KEY_SECRET,
               profile "accessKeyId" + "accessKeySecret", profile "dataDir",
               \${ROTOR_DATA_DIR:-./.rotor}/root-credentials.json if it exists
  profile      --profile, ROTOR_PROFILE, the file's "defaultProfile", a profile named "default"
Profiles file: ROTOR_CONFIG, else ~/.config/rotor/config.json (XDG_CONFIG_HOME is honoured):
  {"profiles": {"prod": {"endpoint": "kms.cn-hangzhou.aliyuncs.com", "region": "cn-hangzhou",
                         "accessKeyId": "...", "accessKeySecret": "..."}}}`;

const exitCodesHelp = (): string =>
  `Exit codes:\n${EXIT_CODE_HELP.map(([code, meaning]) => `  ${String(code).padEnd(3)}${meaning}`).join('\n')}`;

export const rootCommand = group({
  name: 'rotor',
  summary: 'secret-rotor command line',
  description:
    'Manage secrets on secret-rotor, or on Alibaba Cloud KMS Secrets Manager, through the official KMS SDK.\n' +
    'Tables for people by default; --json for scripts. Progress and notices go to stderr.',
  commands: [
    createCommand,
    getCommand,
    putCommand,
    rotateCommand,
    deleteCommand,
    restoreCommand,
    listCommand,
    describeCommand,
    versionsCommand,
    policyCommand,
    keysGroup,
    eventsCommand,
  ],
  examples: [
    'rotor --data-dir .rotor list',
    'rotor create app-token --generate --rotation-interval 7d',
    'rotor rotate app-token --wait',
    'rotor --profile prod get app-db --json',
  ],
  footer: `${CONNECTION_HELP}\n\n${exitCodesHelp()}`,
});

/** Entry point of the hostile client's process: `node --import tsx hostile-client-main.ts <port>`. */
import { runHostileClient } from './hostile-client.js';

runHostileClient(Number(process.argv[2]));

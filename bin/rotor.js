#!/usr/bin/env node
// The `rotor` command: registers tsx's loader in this process, then runs the TypeScript entry.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
await main();

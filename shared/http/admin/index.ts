/** secret-rotor's own admin actions (AccessKeys, policies, audit), by RPC name. */
import type { KmsAction } from '../actions/action.js';
import {
  createAccessKey,
  deleteAccessKey,
  deleteAccessKeyPolicy,
  getAccessKeyPolicy,
  listAccessKeys,
  putAccessKeyPolicy,
  updateAccessKey,
} from './access-keys.js';
import { listAuditRecords } from './list-audit-records.js';

export const ADMIN_ACTIONS: ReadonlyMap<string, KmsAction> = new Map(
  [
    createAccessKey,
    listAccessKeys,
    updateAccessKey,
    deleteAccessKey,
    putAccessKeyPolicy,
    getAccessKeyPolicy,
    deleteAccessKeyPolicy,
    listAuditRecords,
  ].map((action) => [action.name, action]),
);

export const ADMIN_ACTION_NAMES: readonly string[] = [...ADMIN_ACTIONS.keys()];

/**
 * Policy conditions: the keys a request carries (source IP, secure transport, current time) and
 * the operators that test them. Only the pairs that make sense are accepted (IpAddress on
 * acs:SourceIp, Bool on acs:SecureTransport, Date* on acs:CurrentTime): an unknown key or operator
 * is refused when the policy is written, because a condition that can never hold would silently
 * turn a Deny statement off.
 *
 * RAM semantics: several values of one key are ORed; several keys of one operator, and several
 * operators, are ANDed. A negated operator (NotIpAddress, DateNotEquals) holds when no value matches.
 */
import { BlockList, isIP } from 'node:net';

export interface RequestContext {
  /** As the transport saw it; '' or anything unparsable counts as unknown. */
  sourceIp: string;
  secureTransport: boolean;
  /** Milliseconds since the epoch. */
  currentTime: number;
}

type ValueType = 'ip' | 'bool' | 'date';

/** Canonical spelling, by lower-cased name: RAM condition keys are case-insensitive. */
const KEYS = {
  'acs:sourceip': { name: 'acs:SourceIp', type: 'ip' },
  'acs:securetransport': { name: 'acs:SecureTransport', type: 'bool' },
  'acs:currenttime': { name: 'acs:CurrentTime', type: 'date' },
} as const satisfies Record<string, { name: string; type: ValueType }>;

export type ConditionKey = (typeof KEYS)[keyof typeof KEYS]['name'];

const OPERATORS = {
  ipaddress: { name: 'IpAddress', type: 'ip' },
  notipaddress: { name: 'NotIpAddress', type: 'ip' },
  bool: { name: 'Bool', type: 'bool' },
  dateequals: { name: 'DateEquals', type: 'date' },
  datenotequals: { name: 'DateNotEquals', type: 'date' },
  datelessthan: { name: 'DateLessThan', type: 'date' },
  datelessthanequals: { name: 'DateLessThanEquals', type: 'date' },
  dategreaterthan: { name: 'DateGreaterThan', type: 'date' },
  dategreaterthanequals: { name: 'DateGreaterThanEquals', type: 'date' },
} as const satisfies Record<string, { name: string; type: ValueType }>;

export type ConditionOperator = (typeof OPERATORS)[keyof typeof OPERATORS]['name'];

export const CONDITION_KEY_NAMES: readonly string[] = Object.values(KEYS).map((k) => k.name);
export const CONDITION_OPERATOR_NAMES: readonly string[] = Object.values(OPERATORS).map((o) => o.name);

export interface ConditionClause {
  operator: ConditionOperator;
  key: ConditionKey;
  /** Normalized: booleans lower-cased, addresses and times as written. */
  values: string[];
}

const lookup = <T>(table: Record<string, T>, name: string): T | undefined => {
  const lower = name.toLowerCase();
  return Object.hasOwn(table, lower) ? table[lower] : undefined;
};

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

export const checkOperator = (name: string): Checked<ConditionOperator> => {
  const op = lookup<{ name: ConditionOperator; type: ValueType }>(OPERATORS, name);
  return op
    ? { ok: true, value: op.name }
    : { ok: false, message: `is not a supported condition operator (${CONDITION_OPERATOR_NAMES.join(', ')})` };
};

export const checkKey = (operator: ConditionOperator, name: string): Checked<ConditionKey> => {
  const key = lookup<{ name: ConditionKey; type: ValueType }>(KEYS, name);
  if (!key) return { ok: false, message: `is not a supported condition key (${CONDITION_KEY_NAMES.join(', ')})` };
  if (typeOfOperator(operator) !== key.type) return { ok: false, message: `cannot be tested with ${operator}` };
  return { ok: true, value: key.name };
};

const typeOfOperator = (operator: ConditionOperator): ValueType =>
  (lookup<{ name: ConditionOperator; type: ValueType }>(OPERATORS, operator) as { type: ValueType }).type;

/** ISO 8601 with an explicit zone, as RAM writes times: `2026-01-01T00:00:00Z`, `...+08:00`. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

const parseTime = (text: string): number => (ISO_TIME.test(text) ? Date.parse(text) : NaN);

interface ParsedAddress {
  address: string;
  family: 'ipv4' | 'ipv6';
}

/** `::ffff:192.0.2.1` is the IPv4 address it maps, so IPv4 ranges match dual-stack sockets. */
const parseAddress = (text: string): ParsedAddress | null => {
  const address = text.trim().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  const version = isIP(address);
  if (version === 4) return { address, family: 'ipv4' };
  if (version === 6) return { address, family: 'ipv6' };
  return null;
};

/** An address (`192.0.2.7`) or a CIDR block (`192.0.2.0/24`, `2001:db8::/32`). */
const parseRange = (text: string): { base: ParsedAddress; prefix: number } | null => {
  const [addressPart = '', prefixPart, extra] = text.split('/');
  if (extra !== undefined) return null;
  const base = parseAddress(addressPart);
  if (!base || base.address !== addressPart.trim()) return null;
  const max = base.family === 'ipv4' ? 32 : 128;
  if (prefixPart === undefined) return { base, prefix: max };
  if (!/^\d{1,3}$/.test(prefixPart)) return null;
  const prefix = Number(prefixPart);
  return prefix <= max ? { base, prefix } : null;
};

/** Checks and normalizes one value for the operator's type; the message never quotes the value. */
export const checkValue = (operator: ConditionOperator, value: string | boolean): Checked<string> => {
  switch (typeOfOperator(operator)) {
    case 'bool': {
      const text = String(value).toLowerCase();
      return text === 'true' || text === 'false' ? { ok: true, value: text } : { ok: false, message: 'must be "true" or "false"' };
    }
    case 'ip':
      return typeof value === 'string' && parseRange(value)
        ? { ok: true, value }
        : { ok: false, message: 'must be an IP address or a CIDR block such as 192.0.2.0/24' };
    case 'date':
      return typeof value === 'string' && !Number.isNaN(parseTime(value))
        ? { ok: true, value }
        : { ok: false, message: 'must be an ISO 8601 time with a zone, such as 2026-01-01T00:00:00Z' };
  }
};

const inRange = (rangeText: string, ip: ParsedAddress): boolean => {
  const range = parseRange(rangeText);
  if (!range || range.base.family !== ip.family) return false;
  const list = new BlockList();
  list.addSubnet(range.base.address, range.prefix, range.base.family);
  return list.check(ip.address, ip.family);
};

const DATE_TESTS: Record<string, (now: number, at: number) => boolean> = {
  DateEquals: (now, at) => now === at,
  DateLessThan: (now, at) => now < at,
  DateLessThanEquals: (now, at) => now <= at,
  DateGreaterThan: (now, at) => now > at,
  DateGreaterThanEquals: (now, at) => now >= at,
};

/** Whether one clause holds for the request. Unknown source IPs are in no range. */
export const clauseHolds = (clause: ConditionClause, context: RequestContext): boolean => {
  const { operator, values } = clause;
  switch (operator) {
    case 'IpAddress':
    case 'NotIpAddress': {
      const ip = parseAddress(context.sourceIp);
      const inAny = ip !== null && values.some((v) => inRange(v, ip));
      return operator === 'IpAddress' ? inAny : !inAny;
    }
    case 'Bool':
      return values.some((v) => (v === 'true') === context.secureTransport);
    case 'DateNotEquals':
      return !values.some((v) => context.currentTime === parseTime(v));
    default: {
      const test = DATE_TESTS[operator] as (now: number, at: number) => boolean;
      return values.some((v) => test(context.currentTime, parseTime(v)));
    }
  }
};

/**
 * Typed handles on the parts of the `tablestore` SDK the server reuses: its compiled protobuf module
 * (requests and responses) and its PlainBuffer builder (response rows, which the client checks with
 * CRC8). The SDK is CommonJS without type declarations, so it is loaded with createRequire and only
 * the members used here are typed.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface ProtoWriter {
  finish(): Uint8Array;
}

export interface MessageCodec<T> {
  decode(bytes: Uint8Array): T;
  encode(message: object): ProtoWriter;
}

/** protobufjs gives int64 fields as numbers or as Long objects, depending on their size. */
export type ProtoInt64 = number | { toString(): string };

interface CompiledProto {
  main: { proto: Record<string, MessageCodec<unknown>> };
  filter: { proto: Record<string, MessageCodec<unknown>> };
}

/** An int64-buffer Int64LE, the SDK's integer type. */
export interface SdkLong {
  toString(radix?: number): string;
  toNumber(): number;
}

export type SdkPrimaryKey = Array<Record<string, SdkLong | string | Buffer>>;
/** One attribute version: `{ [column]: value, timestamp }`; the column key must come first. */
export type SdkAttribute = Record<string, SdkLong | string | Buffer | number | boolean>;

interface TableStoreModule {
  Long: { fromString(text: string): SdkLong };
  PlainBufferBuilder: {
    serializeForPutRow(primaryKey: SdkPrimaryKey, attributes: SdkAttribute[]): Buffer;
    serializePrimaryKey(primaryKey: SdkPrimaryKey): Buffer;
  };
  plainBufferCrc8: {
    crcInt8(crc: number, byte: number): number;
  };
}

const compiled = require('tablestore/lib/protocol/tablestore_compiled_proto.js') as CompiledProto;

export const tablestoreSdk = require('tablestore') as TableStoreModule;

/** A message codec from `package main.proto`, typed by the caller. */
export const mainCodec = <T>(name: string): MessageCodec<T> => {
  const codec = compiled.main.proto[name];
  if (!codec) throw new Error(`no protobuf message main.proto.${name}`);
  return codec as MessageCodec<T>;
};

/** A message codec from `package filter.proto`, typed by the caller. */
export const filterCodec = <T>(name: string): MessageCodec<T> => {
  const codec = compiled.filter.proto[name];
  if (!codec) throw new Error(`no protobuf message filter.proto.${name}`);
  return codec as MessageCodec<T>;
};

export const int64ToNumber = (value: ProtoInt64): number => (typeof value === 'number' ? value : Number(value.toString()));

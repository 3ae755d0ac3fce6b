/**
 * Servers an attacker runs on loopback to collect the managing password the service brings along:
 * each speaks just enough of its protocol to ask for the password in the form it can read, and
 * records what arrives. None of them ever lets a login succeed.
 */
import { generateKeyPairSync, privateDecrypt, constants, randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import { ed25519Pair } from '../../support/sshd.js';
import { sha256Fingerprint } from '../../../shared/adapters/drivers/ssh/ssh-keys.js';

export interface FakeTarget {
  port: number;
  /** TCP connections accepted. */
  readonly connections: number;
  /** Every password (or password-equivalent text) the fake could read. */
  readonly captured: string[];
  stop(): Promise<void>;
}

const listen = (server: Server, port = 0): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });

const closeServer = (server: Server, sockets: Set<Socket>): Promise<void> =>
  new Promise((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  });

const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

const SSL_REQUEST = 80_877_103;

/** PostgreSQL that answers every startup with AuthenticationCleartextPassword and keeps the PasswordMessage. */
export const startCleartextPostgres = async (): Promise<FakeTarget> => {
  const captured: string[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = Buffer.alloc(0);
    let started = false;
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (!started) {
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          if (buffer.length < length) return;
          const code = buffer.readInt32BE(4);
          buffer = buffer.subarray(length);
          if (code === SSL_REQUEST) {
            socket.write('N'); // no TLS here: the client must decide whether to go on without it
            continue;
          }
          started = true;
          socket.write(Buffer.concat([Buffer.from('R'), int32(8), int32(3)])); // AuthenticationCleartextPassword
          continue;
        }
        if (buffer.length < 5) return;
        const length = buffer.readInt32BE(1);
        if (buffer.length < length + 1) return;
        const type = String.fromCharCode(buffer[0] as number);
        const body = buffer.subarray(5, length + 1);
        buffer = buffer.subarray(length + 1);
        if (type === 'p') {
          captured.push(body.toString('utf8').replace(/\0$/, ''));
          const fields = Buffer.from('SFATAL\0C28P01\0Mpassword authentication failed\0\0');
          socket.end(Buffer.concat([Buffer.from('E'), int32(fields.length + 4), fields]));
        }
      }
    });
  });
  const port = await listen(server);
  return { port, get connections() { return connections; }, captured, stop: () => closeServer(server, sockets) };
};

// ------------------------------------------------------------------ MySQL

const packet = (seq: number, payload: Buffer): Buffer => {
  const header = Buffer.alloc(4);
  header.writeUIntLE(payload.length, 0, 3);
  header[3] = seq;
  return Buffer.concat([header, payload]);
};

/** Capabilities: long password, connect with db, protocol 41, secure connection, plugin auth, lenenc auth data. No SSL. */
const CAPABILITIES = 0x0001 | 0x0008 | 0x0200 | 0x8000 | 0x0008_0000 | 0x0020_0000;

const handshakeV10 = (nonce: Buffer): Buffer => {
  const caps = Buffer.alloc(4);
  caps.writeUInt32LE(CAPABILITIES);
  return Buffer.concat([
    Buffer.from([10]),
    Buffer.from('8.0.36-fake\0'),
    Buffer.from([1, 0, 0, 0]),
    nonce.subarray(0, 8),
    Buffer.from([0]),
    caps.subarray(0, 2),
    Buffer.from([0x21, 0x02, 0x00]),
    caps.subarray(2, 4),
    Buffer.from([21]),
    Buffer.alloc(10),
    nonce.subarray(8, 20),
    Buffer.from([0]),
    Buffer.from('mysql_native_password\0'),
  ]);
};

const xorRotating = (data: Buffer, key: Buffer): Buffer => Buffer.from(data.map((byte, i) => byte ^ (key[i % key.length] as number)));

/**
 * MySQL that switches every login to caching_sha2_password, demands full authentication and hands
 * out its own RSA public key: a client that encrypts the password to that key gives it away.
 */
export const startRsaSwitchMysql = async (): Promise<FakeTarget & { fullAuthAsked: number }> => {
  const captured: string[] = [];
  const sockets = new Set<Socket>();
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  let connections = 0;
  let fullAuthAsked = 0;
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const nonce = Buffer.from(randomBytes(20).map((b) => (b % 94) + 33)); // printable, no NUL, as servers send
    let state = 0;
    let buffer = Buffer.alloc(0);
    socket.write(packet(0, handshakeV10(nonce)));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 4) {
        const length = buffer.readUIntLE(0, 3);
        if (buffer.length < length + 4) return;
        const seq = buffer[3] as number;
        const payload = buffer.subarray(4, 4 + length);
        buffer = buffer.subarray(4 + length);
        if (state === 0) {
          // HandshakeResponse: switch to caching_sha2_password with a fresh scramble.
          socket.write(packet(seq + 1, Buffer.concat([Buffer.from([0xfe]), Buffer.from('caching_sha2_password\0'), nonce, Buffer.from([0])])));
          state = 1;
        } else if (state === 1) {
          // The fast-auth token: a hash, useless to us. Ask for full authentication.
          fullAuthAsked++;
          socket.write(packet(seq + 1, Buffer.from([0x01, 0x04])));
          state = 2;
        } else if (state === 2 && payload.length === 1 && payload[0] === 0x02) {
          socket.write(packet(seq + 1, Buffer.concat([Buffer.from([0x01]), Buffer.from(pem)])));
          state = 3;
        } else {
          // The password: RSA-encrypted to our key (state 3), or in cleartext over "TLS" (state 2).
          const plain =
            state === 3
              ? xorRotating(privateDecrypt({ key: privateKey, oaepHash: 'sha1', padding: constants.RSA_PKCS1_OAEP_PADDING }, payload), nonce)
              : payload;
          captured.push(plain.toString('utf8').replace(/\0$/, ''));
          const error = Buffer.concat([Buffer.from([0xff, 0x15, 0x04]), Buffer.from('#28000Access denied')]);
          socket.end(packet(seq + 1, error));
          state = 4;
        }
      }
    });
  });
  const port = await listen(server);
  return {
    port,
    get connections() {
      return connections;
    },
    get fullAuthAsked() {
      return fullAuthAsked;
    },
    captured,
    stop: () => closeServer(server, sockets),
  };
};

// ------------------------------------------------------------------ SSH

export interface SshImpostor extends FakeTarget {
  /** SHA256 fingerprint of the impostor's own host key. */
  hostKeyFingerprint: string;
  /** Every authentication attempt, by method ("none", "password", "publickey" ...). */
  readonly attempts: string[];
}

/** An SSH server with its own host key that records every authentication attempt and accepts none. */
export const startSshImpostor = async (port = 0): Promise<SshImpostor> => {
  const hostKey = ed25519Pair('impostor');
  const parsed = ssh2.utils.parseKey(hostKey.publicKey);
  if (parsed instanceof Error || Array.isArray(parsed)) throw new Error('cannot read the impostor host key');
  const captured: string[] = [];
  const attempts: string[] = [];
  const clients = new Set<ssh2.Connection>();
  let connections = 0;
  const server = new ssh2.Server({ hostKeys: [hostKey.privateKey] }, (client) => {
    connections++;
    clients.add(client);
    client.on('error', () => undefined);
    client.on('close', () => clients.delete(client));
    client.on('authentication', (ctx) => {
      attempts.push(ctx.method);
      if (ctx.method === 'password') captured.push(ctx.password);
      ctx.reject();
    });
  });
  const bound = await listen(server as unknown as Server, port);
  return {
    port: bound,
    hostKeyFingerprint: sha256Fingerprint(parsed.getPublicSSH()),
    get connections() {
      return connections;
    },
    captured,
    attempts,
    stop: () =>
      new Promise((resolve) => {
        for (const client of clients) client.end();
        server.close(() => resolve());
      }),
  };
};

/**
 * A throwaway certificate authority and the server certificates it signs, made with the openssl
 * CLI in a directory the test owns. EC keys keep a CA certificate small enough for ExtendedConfig's
 * 1024 characters.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCa {
  /** PEM of the CA certificate (what a secret's SslCa names). */
  cert: string;
  certFile: string;
  keyFile: string;
}

export interface ServerCert {
  certFile: string;
  keyFile: string;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

const openssl = (args: string[]): void => {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
};

export const createTestCa = (dir: string, name: string): TestCa => {
  const certFile = join(dir, `${name}-ca.crt`);
  const keyFile = join(dir, `${name}-ca.key`);
  openssl(['req', '-x509', ...EC_KEY, '-days', '1', '-subj', `/CN=${name} test CA`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign', '-keyout', keyFile, '-out', certFile]);
  return { cert: readFileSync(certFile, 'utf8'), certFile, keyFile };
};

/** `subjectAltName` as openssl writes it, e.g. "DNS:localhost,IP:127.0.0.2". */
export const issueServerCert = (ca: TestCa, dir: string, name: string, subjectAltName: string): ServerCert => {
  const keyFile = join(dir, `${name}.key`);
  const requestFile = join(dir, `${name}.csr`);
  const certFile = join(dir, `${name}.crt`);
  const extensionsFile = join(dir, `${name}.ext`);
  writeFileSync(extensionsFile, `subjectAltName=${subjectAltName}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`);
  openssl(['req', ...EC_KEY, '-subj', `/CN=${name}`, '-keyout', keyFile, '-out', requestFile]);
  openssl(['x509', '-req', '-in', requestFile, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-set_serial', `0x${Date.now().toString(16)}`, '-days', '1', '-extfile', extensionsFile, '-out', certFile]);
  return { certFile, keyFile };
};

/**
 * The TLS decision of the SQL drivers: which hosts get plain TCP by default (loopback only), and
 * which SslMode/SslCa combinations CreateSecret accepts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLoopbackHost, parseSqlTls, tlsOptions } from '../../shared/adapters/drivers/sql/tls-config.js';
import { KmsError } from '../../shared/domain/errors.js';

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((parts) => parts.join('.'));
const hostLabel = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);

describe('default SslMode', () => {
  it('is verify-full for every address outside 127.0.0.0/8 and every name but localhost', () => {
    fc.assert(
      fc.property(fc.oneof(ipv4.filter((ip) => !ip.startsWith('127.')), hostLabel.filter((h) => h !== 'localhost'), fc.ipV6().filter((ip) => new URL(`http://[${ip}]`).hostname !== '[::1]')), (host) => {
        expect(parseSqlTls({}, host).sslMode).toBe('verify-full');
      }),
      { numRuns: 500 },
    );
  });

  it('is disable on loopback, where an explicit mode still wins', () => {
    fc.assert(
      fc.property(fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)), ([a, b, c]) => {
        expect(parseSqlTls({}, `127.${a}.${b}.${c}`).sslMode).toBe('disable');
      }),
    );
    for (const host of ['localhost', 'LOCALHOST', '::1', '[::1]']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['localhost.evil.example', '127.0.0.1.nip.io', '::2', '10.0.0.1', '0.0.0.0']) expect(isLoopbackHost(host), host).toBe(false);
    expect(parseSqlTls({ SslMode: 'disable' }, 'db.internal').sslMode).toBe('disable');
  });
});

describe('TLS options', () => {
  it('always check the certificate chain; only require skips the host name', () => {
    expect(tlsOptions({ sslMode: 'disable', sslCa: undefined })).toBeUndefined();
    expect(tlsOptions({ sslMode: 'verify-full', sslCa: undefined })).toEqual({ rejectUnauthorized: true });
    const require = tlsOptions({ sslMode: 'require', sslCa: 'PEM' });
    expect(require).toMatchObject({ rejectUnauthorized: true, ca: 'PEM' });
    expect(require?.checkServerIdentity?.('other.host', {} as never)).toBeUndefined();
  });

  it('refuses combinations that would not verify, naming the field', () => {
    const field = (config: Record<string, unknown>): string => {
      try {
        parseSqlTls(config, 'db.internal');
        return 'accepted';
      } catch (error) {
        return error instanceof KmsError ? `${error.code} ${error.message}` : 'not a KmsError';
      }
    };
    expect(field({ SslMode: 'require' })).toMatch(/InvalidParameter.*SslCa/);
    expect(field({ SslMode: 'prefer' })).toMatch(/InvalidParameter.*SslMode/);
    expect(field({ SslMode: 'verify-full', SslCa: 42 })).toMatch(/InvalidParameter.*SslCa/);
  });
});

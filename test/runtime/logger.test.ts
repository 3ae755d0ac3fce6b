import { describe, expect, it } from 'vitest';
import { functionLogger, REDACTED, unexpectedErrorFields } from '../../shared/runtime/logger.js';
import { captureLogs } from '../support/runtime.js';

describe('logger', () => {
  it('writes JSON lines with level names and the function and request id of a child', () => {
    const logs = captureLogs();
    functionLogger(logs.logger, 'rotate', 'req-1').info({ acted: 2 }, 'tick');
    expect(logs.lines).toEqual([
      expect.objectContaining({ level: 'info', service: 'secret-rotor', fn: 'rotate', requestId: 'req-1', acted: 2, msg: 'tick' }),
    ]);
  });

  it('censors secret-bearing fields at any of the first three levels', () => {
    const logs = captureLogs();
    logs.logger.info({
      SecretData: 'v-top',
      input: { secretData: 'v-nested', AccessKeySecret: 'v-ak' },
      step: { driver: { pendingValue: 'v-deep', Password: 'v-pw' } },
      PrivateKey: 'v-key',
      Signature: 'v-sig',
    });
    const line = logs.lines[0] ?? {};
    expect(line.SecretData).toBe(REDACTED);
    expect(line.input).toEqual({ secretData: REDACTED, AccessKeySecret: REDACTED });
    expect(line.step).toEqual({ driver: { pendingValue: REDACTED, Password: REDACTED } });
    expect(logs.text()).not.toMatch(/v-(top|nested|ak|deep|pw|key|sig)/);
  });

  it('censors authorization headers', () => {
    const logs = captureLogs();
    logs.logger.info({ call: { headers: { authorization: 'ACS3-HMAC-SHA256 Credential=x,Signature=abc', 'content-type': 'a/b' } } });
    expect(logs.lines[0]?.call).toEqual({ headers: { authorization: REDACTED, 'content-type': 'a/b' } });
  });

  it('describes an unexpected error by type, system code and frames, never by message', () => {
    const e = Object.assign(new Error('auth failed for password hunter2'), { code: 'SQLITE_BUSY' });
    const fields = unexpectedErrorFields(e);
    expect(fields).toMatchObject({ errorType: 'Error', errorSystemCode: 'SQLITE_BUSY' });
    expect(String(fields.stack)).toMatch(/^at .*logger\.test\.ts/);
    expect(JSON.stringify(fields)).not.toContain('hunter2');
    expect(unexpectedErrorFields('thrown string hunter2')).toEqual({ errorType: 'string' });
  });

  it('drops request bodies, headers and raw events', () => {
    const logs = captureLogs();
    logs.logger.info({
      request: { method: 'POST', path: '/', sourceIp: '10.0.0.1', headers: { x: 'y' }, body: Buffer.from('SecretData=hunter2') },
      body: 'SecretData=hunter2',
      event: Buffer.from('{"SecretData":"hunter2"}'),
    });
    expect(logs.lines[0]).toMatchObject({
      request: { method: 'POST', path: '/', sourceIp: '10.0.0.1', bodyBytes: 18 },
      body: '[omitted 18 bytes]',
      event: '[omitted 24 bytes]',
    });
    expect(logs.text()).not.toContain('hunter2');
  });
});

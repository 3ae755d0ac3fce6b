import { describe, expect, it } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import { errorResponse, responseFormat, successResponse } from '../../shared/http/format.js';
import { KmsError } from '../../shared/domain/errors.js';

const parseXml = (text: string) =>
  new XMLParser({ parseTagValue: false, isArray: (name) => ['VersionStage', 'Tag', 'Secret'].includes(name) }).parse(text);

const REQUEST_ID = '0d8f9a40-0000-4000-8000-000000000001';

describe('responseFormat', () => {
  it('is XML for Format=XML in any case and JSON otherwise', () => {
    expect(responseFormat({ Format: 'XML' })).toBe('XML');
    expect(responseFormat({ Format: 'xml' })).toBe('XML');
    expect(responseFormat({ Format: 'json' })).toBe('JSON');
    expect(responseFormat({})).toBe('JSON');
  });
});

describe('JSON bodies', () => {
  it('puts RequestId in the body and the x-acs-request-id header of a success', () => {
    const res = successResponse('GetSecretValue', REQUEST_ID, { SecretName: 'a', VersionStages: { VersionStage: ['ACSCurrent'] } }, 'JSON');
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-acs-request-id']).toBe(REQUEST_ID);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(res.body)).toEqual({
      RequestId: REQUEST_ID,
      SecretName: 'a',
      VersionStages: { VersionStage: ['ACSCurrent'] },
    });
  });

  it('renders an error as {RequestId, HttpStatus, Code, Message} with the error status', () => {
    const res = errorResponse(new KmsError('Forbidden.ResourceNotFound', 404, 'The secret "a" does not exist.'), REQUEST_ID, 'JSON');
    expect(res.statusCode).toBe(404);
    expect(res.headers['x-acs-request-id']).toBe(REQUEST_ID);
    expect(JSON.parse(res.body)).toEqual({
      RequestId: REQUEST_ID,
      HttpStatus: 404,
      Code: 'Forbidden.ResourceNotFound',
      Message: 'The secret "a" does not exist.',
    });
  });
});

describe('XML bodies', () => {
  it('roots a success at <{Action}Response> and wraps arrays the KMS way', () => {
    const res = successResponse(
      'ListSecrets',
      REQUEST_ID,
      {
        PageNumber: 1,
        TotalCount: 2,
        SecretList: {
          Secret: [
            { SecretName: 'a', Tags: { Tag: [{ TagKey: 'k', TagValue: 'v' }] } },
            { SecretName: 'b', PlannedDeleteTime: undefined },
          ],
        },
      },
      'XML',
    );
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    expect(res.body.startsWith('<?xml version="1.0" encoding="UTF-8"?><ListSecretsResponse>')).toBe(true);
    const doc = parseXml(res.body).ListSecretsResponse;
    expect(doc.RequestId).toBe(REQUEST_ID);
    expect(doc.PageNumber).toBe('1');
    expect(doc.SecretList.Secret).toEqual([
      { SecretName: 'a', Tags: { Tag: [{ TagKey: 'k', TagValue: 'v' }] } },
      { SecretName: 'b' },
    ]);
  });

  it('writes VersionStages as <VersionStages><VersionStage>…</VersionStage></VersionStages>', () => {
    const res = successResponse('GetSecretValue', REQUEST_ID, { VersionStages: { VersionStage: ['ACSCurrent', 'ACSPrevious'] } }, 'XML');
    expect(res.body).toContain(
      '<VersionStages><VersionStage>ACSCurrent</VersionStage><VersionStage>ACSPrevious</VersionStage></VersionStages>',
    );
  });

  it('escapes markup in values so they parse back unchanged', () => {
    const data = `{"p":"<a href='x'>&amp;</a>\\"]]>"}`;
    const res = successResponse('GetSecretValue', REQUEST_ID, { SecretData: data, Empty: '' }, 'XML');
    expect(res.body).not.toContain('<a href');
    const doc = parseXml(res.body).GetSecretValueResponse;
    expect(doc.SecretData).toBe(data);
    expect(doc.Empty).toBe('');
  });

  it('roots an error at <Error> with RequestId, HttpStatus, Code and Message', () => {
    const res = errorResponse(new KmsError('InvalidParameter', 400, 'The parameter "Tags" is invalid: <bad> & worse.'), REQUEST_ID, 'XML');
    expect(res.statusCode).toBe(400);
    expect(parseXml(res.body).Error).toEqual({
      RequestId: REQUEST_ID,
      HttpStatus: '400',
      Code: 'InvalidParameter',
      Message: 'The parameter "Tags" is invalid: <bad> & worse.',
    });
  });

  it('refuses values XML 1.0 cannot carry instead of altering them', () => {
    let error: unknown;
    try {
      successResponse('GetSecretValue', REQUEST_ID, { SecretData: 'a\u0001b' }, 'XML');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KmsError);
    expect((error as KmsError).code).toBe('InvalidParameter');
    expect((error as KmsError).message).toContain('Format');
    expect((error as KmsError).message).not.toContain('a\u0001b');
  });
});

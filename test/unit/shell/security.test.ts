import { describe, expect, it } from 'vitest';
import {
  allowedHosts,
  checkRequest,
  contentSecurityPolicy,
  newToken,
  tokenCookie,
} from '../../../src/main/webShell/security';

const token = newToken();
const hosts = allowedHosts('127.0.0.1', 8765);
const base = { host: '127.0.0.1:8765', origin: undefined, cookie: undefined, url: '/' };

describe('web shell access rules', () => {
  it('makes a new unguessable token per launch', () => {
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(newToken()).not.toBe(token);
  });

  it('refuses a request without the token', () => {
    expect(checkRequest(base, token, hosts)).toMatchObject({ allowed: false, status: 401 });
    expect(checkRequest({ ...base, url: '/?token=wrong' }, token, hosts)).toMatchObject({ allowed: false });
  });

  it('accepts the token in the URL once and then from the cookie it sets', () => {
    expect(checkRequest({ ...base, url: `/?token=${token}` }, token, hosts)).toEqual({
      allowed: true,
      setCookie: true,
    });
    expect(
      checkRequest({ ...base, url: '/assets/a.js', cookie: `x=1; ${tokenCookie}=${token}` }, token, hosts),
    ).toEqual({
      allowed: true,
      setCookie: false,
    });
  });

  it('refuses other origins and unexpected Host names even with the token', () => {
    const ok = { ...base, url: `/?token=${token}` };
    expect(checkRequest({ ...ok, origin: 'http://evil.example' }, token, hosts)).toMatchObject({
      allowed: false,
      status: 403,
    });
    expect(checkRequest({ ...ok, origin: 'http://127.0.0.1:9999' }, token, hosts)).toMatchObject({
      allowed: false,
    });
    expect(checkRequest({ ...ok, host: 'evil.example:8765' }, token, hosts)).toMatchObject({
      allowed: false,
      status: 421,
    });
    expect(
      checkRequest({ ...ok, origin: 'http://localhost:8765', host: 'localhost:8765' }, token, hosts),
    ).toMatchObject({ allowed: true });
  });

  it('serves a CSP that allows only its own scripts and connections', () => {
    const csp = contentSecurityPolicy();
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/unsafe-eval/);
  });
});

import { clearSecretsForTests, redact } from '@infra/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type LoginFn, ticketAuthenticator, tokenAuthenticator } from './auth';
import { PveAuthError } from './errors';

afterEach(() => clearSecretsForTests());

describe('token auth', () => {
  it('sends PVEAPIToken and registers the secret for redaction', async () => {
    const auth = tokenAuthenticator('infra@pve!build', 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');
    const headers = await auth.headersFor('POST');
    expect(headers).toEqual({
      authorization: 'PVEAPIToken=infra@pve!build=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    });
    expect(redact('secret aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee')).toBe('secret ***');
    expect(await auth.recoverFromUnauthorized()).toBe(false);
  });

  it('rejects malformed token ids', () => {
    expect(() => tokenAuthenticator('root@pam', 'x')).toThrow(/is not a Proxmox API token id/);
  });
});

describe('ticket auth', () => {
  function fakeLogin() {
    const calls: Array<{ username: string; password: string }> = [];
    let n = 0;
    const login: LoginFn = async (params) => {
      calls.push(params);
      if (params.password === 'wrong')
        throw new PveAuthError({ method: 'POST', path: '/access/ticket' }, 'authentication failure');
      n += 1;
      return {
        username: params.username,
        ticket: `PVE:root@pam:0000000${n}::sig${n}`,
        CSRFPreventionToken: `0000000${n}:csrf${n}`,
      };
    };
    return { login, calls };
  }

  it('logs in once for concurrent requests, adds CSRF only on writes', async () => {
    const { login, calls } = fakeLogin();
    const auth = ticketAuthenticator({ username: 'root@pam', password: 'hunter22' }, login);
    const [get, post] = await Promise.all([auth.headersFor('GET'), auth.headersFor('POST')]);
    expect(calls).toHaveLength(1);
    expect(get).toEqual({ cookie: 'PVEAuthCookie=PVE:root@pam:00000001::sig1' });
    expect(post).toEqual({
      cookie: 'PVEAuthCookie=PVE:root@pam:00000001::sig1',
      csrfpreventiontoken: '00000001:csrf1',
    });
    expect(redact('pw hunter22 t PVE:root@pam:00000001::sig1')).toBe('pw *** t ***');
  });

  it('renews with the current ticket before the 2 h expiry, and falls back to the password', async () => {
    const { login, calls } = fakeLogin();
    let clock = 0;
    const auth = ticketAuthenticator(
      { username: 'root@pam', password: 'hunter22', renewAfterMs: 3600_000 },
      login,
      () => clock,
    );
    await auth.headersFor('GET');
    clock = 3600_001;
    const renewed = await auth.headersFor('GET');
    expect(calls.map((c) => c.password)).toEqual(['hunter22', 'PVE:root@pam:00000001::sig1']);
    expect(renewed.cookie).toContain('sig2');
    clock += 3 * 3600_000; // the ticket has expired: renewing with it is pointless
    await auth.headersFor('GET');
    expect(calls.at(-1)?.password).toBe('hunter22');
  });

  it('re-logs in after a 401 so the rejected request can be resent', async () => {
    const { login, calls } = fakeLogin();
    const auth = ticketAuthenticator({ username: 'root@pam', password: 'hunter22' }, login);
    await auth.headersFor('GET');
    expect(await auth.recoverFromUnauthorized()).toBe(true);
    expect(calls).toHaveLength(2);
  });
});

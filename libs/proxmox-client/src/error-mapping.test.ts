import { clearSecretsForTests, registerSecret } from '@infra/core';
import { afterEach, describe, expect, it } from 'vitest';
import { errorFromResponse, errorFromTransport } from './error-mapping';
import {
  PveAuthError,
  PveNodeError,
  PveNotImplementedError,
  PveParameterError,
  PvePermissionError,
  type PveServerError,
  PveTransportError,
} from './errors';
import { TlsFingerprintMismatchError } from './tls';

const req = { method: 'POST', path: '/nodes/pve/qemu' };
const body = (data: object) => JSON.stringify({ data: null, ...data });

afterEach(() => clearSecretsForTests());

describe('errorFromResponse', () => {
  it('keeps the per-parameter errors map of a 400', () => {
    const error = errorFromResponse(req, {
      status: 400,
      statusText: 'Parameter verification failed.',
      bodyText: body({
        message: 'Parameter verification failed.\n',
        errors: { vmid: 'VM 9000 already exists\n' },
      }),
    });
    expect(error).toBeInstanceOf(PveParameterError);
    expect((error as PveParameterError).errors).toEqual({ vmid: 'VM 9000 already exists' });
    expect(error.code).toBe('PVE_PARAMETER_INVALID');
    expect(error.message).toBe(
      'POST /nodes/pve/qemu: Parameter verification failed. vmid: VM 9000 already exists',
    );
  });

  it('maps 401 (empty body, reason in the status line) to an auth error', () => {
    const error = errorFromResponse(req, { status: 401, statusText: 'invalid token value!', bodyText: '' });
    expect(error).toBeInstanceOf(PveAuthError);
    expect(error.message).toContain('invalid token value!');
  });

  it('names the ACL path and privileges of a 403', () => {
    const error = errorFromResponse(req, {
      status: 403,
      statusText: 'Permission check failed (/vms/9000, VM.Allocate)',
      bodyText: body({ message: 'Permission check failed (/vms/9000, VM.Allocate)\n' }),
    }) as PvePermissionError;
    expect(error).toBeInstanceOf(PvePermissionError);
    expect([error.aclPath, error.privileges]).toEqual(['/vms/9000', ['VM.Allocate']]);
    expect(error.message).toBe('POST /nodes/pve/qemu: permission denied: needs VM.Allocate on /vms/9000');
    const either = errorFromResponse(req, {
      status: 403,
      statusText: '',
      bodyText: body({ message: 'Permission check failed (/, Sys.Audit|Sys.Modify)\n' }),
    });
    expect((either as PvePermissionError).privileges).toEqual(['Sys.Audit', 'Sys.Modify']);
  });

  it('maps 501, 595/596 and classifies 500 messages', () => {
    expect(
      errorFromResponse(req, {
        status: 501,
        statusText: "Method 'GET /nodes/pve/foo' not implemented",
        bodyText: '',
      }),
    ).toBeInstanceOf(PveNotImplementedError);
    const node = errorFromResponse(req, {
      status: 596,
      statusText: 'tls_process_server_certificate: certificate verify failed',
      bodyText: '',
    });
    expect(node).toBeInstanceOf(PveNodeError);
    expect(node.hint).toMatch(/node name/);
    const kinds = [
      "unable to create VM 9000 - VM 9000 already exists on node 'pve'",
      "can't lock file '/var/lock/qemu-server/lock-9000.conf' - got timeout",
      "storage 'local' is not configured for content-type 'import'",
      "Configuration file 'nodes/pve/qemu-server/9000.conf' does not exist",
      "hostname lookup 'pve.lan' failed - failed to get address info for: pve.lan: Name or service not known",
      "can't upload to storage type 'lvmthin', not a file based storage!",
      'something else broke',
    ].map(
      (message) =>
        (
          errorFromResponse(req, {
            status: 500,
            statusText: '',
            bodyText: body({ message: `${message}\n` }),
          }) as PveServerError
        ).kind,
    );
    expect(kinds).toEqual([
      'already-exists',
      'lock-timeout',
      'storage-content',
      'not-found',
      'unknown-node',
      'storage-not-file-based',
      'other',
    ]);
  });

  it('never shows a registered secret, even when the server echoes it', () => {
    registerSecret('0b1c2d3e-1111-2222-3333-444455556666');
    const error = errorFromResponse(
      { method: 'GET', path: '/version' },
      {
        status: 500,
        statusText: '',
        bodyText: body({ message: 'bad token 0b1c2d3e-1111-2222-3333-444455556666' }),
      },
    );
    expect(error.message).not.toContain('0b1c2d3e');
    expect(error.message).toContain('GET /version');
  });
});

describe('errorFromTransport', () => {
  const wrap = (cause: unknown) => Object.assign(new TypeError('fetch failed'), { cause });

  it('tells requests that never left from requests that may have run', () => {
    const refused = errorFromTransport(
      req,
      wrap(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
      'https://x:8006',
    );
    const reset = errorFromTransport(
      req,
      wrap(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })),
      'https://x:8006',
    );
    expect(refused).toBeInstanceOf(PveTransportError);
    expect([(refused as PveTransportError).sent, (reset as PveTransportError).sent]).toEqual([false, true]);
  });

  it('passes a fingerprint mismatch through and explains an untrusted certificate', () => {
    const mismatch = new TlsFingerprintMismatchError('https://x:8006', 'AA', 'BB');
    const mapped = errorFromTransport(req, wrap(mismatch), 'https://x:8006');
    expect(mapped).toBeInstanceOf(TlsFingerprintMismatchError);
    expect(mapped.message).toBe(
      'POST /nodes/pve/qemu: the certificate of https://x:8006 does not match the pinned fingerprint: expected AA, got BB',
    );
    const selfSigned = errorFromTransport(
      req,
      wrap(Object.assign(new Error('self-signed'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })),
      'https://x:8006',
    );
    expect(selfSigned.code).toBe('TLS_VERIFY_FAILED');
    expect(selfSigned.hint).toMatch(/fingerprint/);
  });
});

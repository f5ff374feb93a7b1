import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAnonymiser, encodedForms } from './anonymise';

describe('createAnonymiser', () => {
  it('gives the same value the same pseudonym across texts, and different values different ones', () => {
    const a = createAnonymiser();
    const one = a.anonymise('node at 192.168.10.5 and 192.168.10.6').text;
    const two = a.anonymise('{"ip":"192.168.10.6"} then 192.168.10.5').text;
    expect(one).toBe('node at ip-1 and ip-2');
    expect(two).toBe('{"ip":"ip-2"} then ip-1');
    expect(a.distinct()).toEqual({ ip: 2 });
  });

  it('removes secrets in every form they are collected in, before anything else', () => {
    const secret = '5f0c7d2e-8a41-4b7e-9c55-2d6f1e3a9b80';
    const a = createAnonymiser({ secrets: [secret] });
    const text = [
      `token=${secret}`,
      `b64=${Buffer.from(secret).toString('base64')}`,
      `json=${JSON.stringify({ s: `"${secret}"` })}`,
    ].join('\n');
    const { text: out, counts } = a.anonymise(text);
    for (const form of encodedForms(secret)) expect(out).not.toContain(form);
    expect(out).toContain('token=[secret]');
    expect(counts.secret).toBe(3);
    expect(counts.uuid).toBeUndefined();
  });

  it('removes PEM blocks and age keys, also JSON-escaped', () => {
    // A throw-away key made for this run: no key text lives in the repository.
    const pem = generateKeyPairSync('ed25519')
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString()
      .trimEnd();
    const body = pem.split('\n')[1] ?? '';
    const a = createAnonymiser();
    const { text, counts } = a.anonymise(`raw:\n${pem}\njson:${JSON.stringify(pem)}`);
    expect(body.length).toBeGreaterThan(40);
    expect(text).not.toContain(body);
    expect(counts.pem).toBe(2);
  });

  it('anonymises MACs, IPv6 and IPv4 but keeps loopback, versions and PCI addresses', () => {
    const a = createAnonymiser();
    const { text } = a.anonymise(
      'net0: virtio=BC:24:11:0A:0B:0C,bridge=vmbr0 fe80::be24:11ff:fe0a:b0c 2001:db8:10::5 ' +
        '127.0.0.1 ::1 pve-manager/9.0.3 0000:01:00.0 10de:27b2 at 12:25:00 BC-24-11-0A-0B-0C',
    );
    expect(text).toBe(
      'net0: virtio=mac-1,bridge=vmbr0 ip-1 ip-2 127.0.0.1 ::1 pve-manager/9.0.3 0000:01:00.0 10de:27b2 at 12:25:00 mac-1',
    );
  });

  it('does not take a TLS fingerprint for MACs', () => {
    const fp = Array(32).fill('AB').join(':');
    expect(createAnonymiser().anonymise(fp).text).toBe(fp);
  });

  it('splits host names from their domains, keeps public domains and file names', () => {
    const a = createAnonymiser();
    const { text } = a.anonymise(
      'https://pve.lan:8006 ssh root@nas.home.example.de factory.talos.dev infra.config.yaml corp-secret.com pve.lan.',
    );
    expect(text).toBe(
      // Numbered in the order the passes meet them (e-mail-shaped names before bare domain names).
      'https://host-2.domain-2:8006 ssh root@host-1.domain-1 factory.talos.dev infra.config.yaml domain-3 host-2.domain-2.',
    );
  });

  it('pseudonymises token ids and user names consistently, keeping the realm and root', () => {
    const a = createAnonymiser({
      known: [
        { kind: 'token-id', value: 'alice@pve!diag' },
        { kind: 'user', value: 'alice' },
      ],
    });
    const { text } = a.anonymise(
      'PVEAPIToken=alice@pve!diag=*** user alice@pve, bob@pam!ci, root@pam, /home/alice/infra, mail alice@corp-example.com',
    );
    expect(text).toBe(
      'PVEAPIToken=user-1@pve!token-1=*** user user-1@pve, user-2@pam!token-2, root@pam, /home/user-1/infra, mail user-1@domain-1',
    );
  });

  it('replaces known host names as whole words only, and their base64 form', () => {
    const a = createAnonymiser({ known: [{ kind: 'hostname', value: 'pve' }] });
    const b64 = Buffer.from('pve').toString('base64');
    const { text } = a.anonymise(`/nodes/pve/qemu "node":"pve" pvesm pve-manager PVE 9 node pve. ${b64}`);
    expect(text).toBe('/nodes/host-1/qemu "node":"host-1" pvesm pve-manager PVE 9 node host-1. host-1');
  });

  it('replaces serials from known values and from serial fields', () => {
    const a = createAnonymiser({ known: [{ kind: 'serial', value: 'MSA2-7731-ZX' }] });
    const { text, counts } = a.anonymise(
      'smbios1: serial=MSA2-7731-ZX\nSerial Number: S4EVNX0R123456\n{"serial":"S4EVNX0R123456"}',
    );
    expect(text).toBe('smbios1: serial=serial-1\nSerial Number: serial-2\n{"serial":"serial-2"}');
    expect(counts.serial).toBe(3);
  });

  it('replaces path prefixes with their label before user names are looked for', () => {
    const a = createAnonymiser({ paths: [{ prefix: '/home/alice/src/infra', label: '<repo>' }] });
    expect(a.anonymise('/home/alice/src/infra/infra.config.yaml and /home/alice/.cache').text).toBe(
      '<repo>/infra.config.yaml and /home/user-1/.cache',
    );
  });

  it('anonymises UUIDs (VM smbios uuids) and counts each replacement', () => {
    const a = createAnonymiser();
    const { text, counts } = a.anonymise(
      'uuid=2f1e0c4a-9b7d-4c3e-8f21-0a1b2c3d4e5f twice 2F1E0C4A-9B7D-4C3E-8F21-0A1B2C3D4E5F',
    );
    expect(text).toBe('uuid=uuid-1 twice uuid-1');
    expect(counts).toEqual({ uuid: 2 });
  });
});

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';

export interface TestSshd {
  port: number;
  /** `user@127.0.0.1:port` */
  target: string;
  /** Accepted user key. */
  identityFile: string;
  /** A key the server does not know. */
  wrongIdentityFile: string;
  /** known_hosts that trusts the throw-away host key. */
  knownHostsFile: string;
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/**
 * An OpenSSH server on 127.0.0.1 for tests: throw-away host and user keys, its own config in `dir`, run in the
 * foreground (`-D -e -f`). Sessions get PATH=<pathPrefix>:/usr/bin:/bin and HOME=dir, so stand-in tools win and
 * the login user's shell rc files are not read.
 */
export async function startSshd(dir: string, pathPrefix: string): Promise<TestSshd> {
  if (!existsSync(SSHD))
    throw new Error(`${SSHD} is missing: install openssh-server (the setup command does)`);
  // sshd refuses to start as root without its privilege-separation directory (systemd normally creates it).
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
  const keygen = (file: string) =>
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'infra-test', '-f', file]);
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  const identityFile = join(dir, 'id_user');
  const wrongIdentityFile = join(dir, 'id_wrong');
  for (const key of [hostKey, identityFile, wrongIdentityFile]) keygen(key);
  await writeFile(join(dir, 'authorized_keys'), await readFile(`${identityFile}.pub`), { mode: 0o600 });
  const port = await freePort();
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'UsePAM no',
    'StrictModes no',
    `SetEnv PATH=${pathPrefix}:/usr/bin:/bin HOME=${dir}`,
    '',
  ].join('\n');
  const configFile = join(dir, 'sshd_config');
  await writeFile(configFile, config);
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', configFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`sshd did not start: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const knownHostsFile = join(dir, 'known_hosts');
  await writeFile(
    knownHostsFile,
    `[127.0.0.1]:${port} ${(await readFile(`${hostKey}.pub`, 'utf8')).trim()}\n`,
  );
  return {
    port,
    target: `${userInfo().username}@127.0.0.1:${port}`,
    identityFile,
    wrongIdentityFile,
    knownHostsFile,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

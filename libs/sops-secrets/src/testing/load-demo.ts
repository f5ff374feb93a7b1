/**
 * Test helper run as a separate process: loads the `local` environment of the infra.config.yaml given as the
 * first argument (generating its demo on first use) and prints the SHA-256 of its token secret.
 */
import { createHash } from 'node:crypto';
import { loadEnvironment } from '@infra/config';
import { loadSecrets } from '../load-secrets';

const environment = await loadEnvironment('local', { file: process.argv[2] });
const secrets = await loadSecrets(environment);
process.stdout.write(`${createHash('sha256').update(secrets.proxmox.tokenSecret).digest('hex')}\n`);

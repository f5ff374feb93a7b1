/**
 * The throw-away age key committed for the `local` environment, so a fresh clone can decrypt the simulator's
 * credentials with no setup. The marker line lets `check` tell it from a real key committed by mistake.
 */
export const DEMO_KEY_MARKER = '# infra: THROW-AWAY DEMO KEY';

export function renderDemoKeyFile(options: {
  identity: string;
  publicKey: string;
  protects: string;
}): string {
  return [
    `${DEMO_KEY_MARKER} (committed on purpose, readable by anyone with the repository).`,
    `# It only protects ${options.protects}: credentials for the embedded simulators, which guard nothing.`,
    '# NEVER encrypt real credentials for this key. Real environments use your own key:',
    '# `./infra secrets init` creates it, .sops.yaml encrypts every other secrets file for it.',
    `# public key: ${options.publicKey}`,
    options.identity,
    '',
  ].join('\n');
}

export function isMarkedDemoKey(text: string): boolean {
  return text.startsWith(DEMO_KEY_MARKER);
}

/**
 * The environment a child process gets: a minimal base, never the whole parent environment (which holds
 * tokens, cloud credentials, agent sockets the child has no business seeing). A call adds what its tool
 * needs: `pass` copies named variables from our environment when set, `env` sets values outright.
 */
const BASE_NAMES = ['PATH', 'HOME', 'LANG', 'TMPDIR', 'TERM', 'TZ', 'NO_COLOR', 'INFRA_DEBUG'] as const;

export type ChildEnv = Record<string, string>;

export interface ChildEnvOptions {
  /** Names copied from `from` when set there (an allowlist, e.g. ['SSH_AUTH_SOCK', 'SOPS_AGE_KEY_FILE']). */
  pass?: readonly string[];
  /** Values set outright; they win over the base and `pass`. `undefined` removes a base variable. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Defaults to process.env. */
  from?: NodeJS.ProcessEnv;
}

export function childEnv(options: ChildEnvOptions = {}): ChildEnv {
  const from = options.from ?? process.env;
  const out: ChildEnv = {};
  const copy = (name: string) => {
    const value = from[name];
    if (value !== undefined) out[name] = value;
  };
  for (const name of BASE_NAMES) copy(name);
  for (const name of Object.keys(from)) if (name.startsWith('LC_')) copy(name);
  for (const name of options.pass ?? []) copy(name);
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete out[name];
    else out[name] = value;
  }
  return out;
}

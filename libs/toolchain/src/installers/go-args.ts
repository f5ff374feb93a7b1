/** The command lines and environment of a Go build, from its recipe. Pure: go.ts runs them. */
import type { GoBuild, GoModEdits } from '../catalog';

/**
 * The environment of every Go build: static binaries, the user's GOPROXY/GOMODCACHE/GOCACHE (shared, so one
 * download and one compile cache serve every tool), GOFLAGS replaced so a user's -mod=vendor or similar
 * cannot change what is built, and GOWORK=off so no go.work (a user's, or one shipped in a module zip that
 * names folders the zip lacks, like talos') takes part.
 */
export function goBuildEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, CGO_ENABLED: '0', GOFLAGS: '-mod=mod -buildvcs=false', GOWORK: 'off' };
}

/** `-trimpath [-tags a,b] [-ldflags '...']` for go build and go install. */
export function goBuildFlags(go: GoBuild, version: string): string[] {
  const ldflags = go.ldflags?.(version) ?? [];
  return [
    '-trimpath',
    ...(go.tags && go.tags.length > 0 ? ['-tags', go.tags.join(',')] : []),
    ...(ldflags.length > 0 ? ['-ldflags', ldflags.join(' ')] : []),
  ];
}

/** The `go mod edit` arguments for a recipe's edits, or undefined when there are none. */
export function goModEditArgs(edits: GoModEdits | undefined): string[] | undefined {
  const args = [
    ...(edits?.dropReplace ?? []).map((path) => `-dropreplace=${path}`),
    ...(edits?.replace ?? []).map((r) => `-replace=${r.from}=${r.to}@${r.version}`),
  ];
  return args.length > 0 ? ['mod', 'edit', ...args] : undefined;
}

/** `module@vX` as go commands spell it. */
export function moduleAt(module: string, version: string): string {
  return `${module}@v${version.replace(/^v/, '')}`;
}

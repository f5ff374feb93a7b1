#!/usr/bin/env bash
# Provisions the JavaScript runtime for this repo using only the npm registry:
#   - Node at the version pinned in mise.toml (from the `node-<os>-<arch>` package) when the system Node is
#     older than that major;
#   - pnpm at the version pinned in package.json "packageManager" (from the `pnpm` package).
# Both land in a per-user cache ($INFRA_CACHE_DIR, default ~/.cache/infra), keyed by version, so a fresh clone
# on the same machine reuses them. Source this file; it exports PATH and INFRA_* variables. It does not change
# the caller's shell options (./infra sets its own).

INFRA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INFRA_CACHE_DIR="${INFRA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/infra}"
export INFRA_ROOT INFRA_CACHE_DIR

_bootstrap_log() { printf '\033[2m[bootstrap]\033[0m %s\n' "$*" >&2; }
_bootstrap_die() { printf '\033[31m[bootstrap] error:\033[0m %s\n' "$*" >&2; exit 1; }

_pinned_node() { sed -n 's/^node *= *"\([^"]*\)".*/\1/p' "$INFRA_ROOT/mise.toml" | head -n1; }
_pinned_pnpm() { sed -n 's/.*"packageManager": *"pnpm@\([^"+]*\).*/\1/p' "$INFRA_ROOT/package.json" | head -n1; }

# Unpacks one npm package tarball into $2 (atomically: a half-extracted dir is never left behind).
_npm_unpack() {
  local spec=$1 dest=$2 tmp
  command -v npm >/dev/null || _bootstrap_die "npm is needed to fetch $spec from the npm registry; install Node.js (any version) first"
  tmp=$(mktemp -d "${dest}.tmp.XXXXXX") || _bootstrap_die "cannot create a temp dir next to $dest"
  # npm pack verifies the tarball against the registry's integrity hash.
  if ! (cd "$tmp" && npm pack --silent "$spec" >/dev/null 2>"$tmp/npm.err"); then
    cat "$tmp/npm.err" >&2; rm -rf "$tmp"; _bootstrap_die "could not download $spec from the npm registry"
  fi
  tar -xzf "$tmp"/*.tgz -C "$tmp" && rm -f "$tmp"/*.tgz "$tmp/npm.err" || { rm -rf "$tmp"; _bootstrap_die "could not unpack $spec"; }
  rm -rf "$dest" && mv "$tmp/package" "$dest" && rm -rf "$tmp"
}

_ensure_node() {
  local want major have_major os arch dir
  want=$(_pinned_node); [ -n "$want" ] || _bootstrap_die "mise.toml has no node = \"...\" pin"
  major=${want%%.*}
  if command -v node >/dev/null; then
    have_major=$(node -p 'process.versions.node.split(".")[0]')
    if [ "$have_major" -ge "$major" ]; then return 0; fi
  fi
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) _bootstrap_die "unsupported OS $(uname -s)";; esac
  case "$(uname -m)" in x86_64|amd64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) _bootstrap_die "unsupported CPU $(uname -m)";; esac
  dir="$INFRA_CACHE_DIR/node/$want-$os-$arch"
  if [ ! -x "$dir/bin/node" ]; then
    _bootstrap_log "system Node is $(node --version 2>/dev/null || echo missing); fetching Node $want from the npm registry (node-$os-$arch)"
    mkdir -p "$INFRA_CACHE_DIR/node"
    _npm_unpack "node-$os-$arch@$want" "$dir"
  fi
  export PATH="$dir/bin:$PATH"
}

_ensure_pnpm() {
  local want dir
  want=$(_pinned_pnpm); [ -n "$want" ] || _bootstrap_die "package.json has no packageManager pnpm pin"
  dir="$INFRA_CACHE_DIR/pnpm/$want"
  if [ ! -f "$dir/bin/pnpm.mjs" ] && [ ! -f "$dir/bin/pnpm.cjs" ]; then
    _bootstrap_log "fetching pnpm $want from the npm registry"
    mkdir -p "$INFRA_CACHE_DIR/pnpm"
    _npm_unpack "pnpm@$want" "$dir"
  fi
  mkdir -p "$INFRA_CACHE_DIR/bin"
  local entry="$dir/bin/pnpm.mjs" shim="$INFRA_CACHE_DIR/bin/pnpm" body
  [ -f "$entry" ] || entry="$dir/bin/pnpm.cjs"
  body=$(printf '#!/bin/sh\nexec node "%s" "$@"' "$entry")
  # Rewritten only when the pinned pnpm changed, so sourcing this file stays cheap.
  if [ ! -x "$shim" ] || [ "$(cat "$shim")" != "$body" ]; then
    printf '%s\n' "$body" > "$shim.tmp" && chmod 0755 "$shim.tmp" && mv "$shim.tmp" "$shim"
  fi
  export PATH="$INFRA_CACHE_DIR/bin:$PATH"
}

_ensure_node
_ensure_pnpm
# Workspace binaries (nx, tsx, vitest, biome) and the IaC toolchain shims from scripts/toolchain.ts.
export PATH="$INFRA_ROOT/node_modules/.bin:$INFRA_CACHE_DIR/tools/bin:$PATH"

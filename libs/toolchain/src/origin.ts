import type { ToolSpec } from './manifest';
import type { Marker } from './store';

/**
 * Where a tool in use came from, for `install` and `doctor`: the Go module proxy (module@version), a source
 * archive (path and verified sha256), PyPI, Debian, PATH, or the public registry. New markers record it;
 * for markers written before they did, it follows from the method. Pure.
 */
export function originOf(spec: ToolSpec, obtained: string, marker?: Marker): string {
  if (marker?.origin) return marker.origin;
  const { recipe } = spec;
  switch (obtained) {
    case 'go install':
    case 'go build':
      return 'go' in recipe ? `Go module proxy (${recipe.go.module}@v${spec.version})` : 'Go module proxy';
    case 'pip':
      return 'PyPI';
    case 'apt-get download':
      return `Debian (${'package' in recipe ? recipe.package : spec.id}=${spec.version})`;
    case 'apt-get install':
      return `Debian (apt-get install ${'package' in recipe ? recipe.package : spec.id})`;
    case 'system':
      return `Debian (${'package' in recipe ? recipe.package : spec.id}, already installed)`;
    case 'registry':
      return recipe.kind === 'packer-plugin'
        ? 'registry (packer init downloads it)'
        : 'registry (tofu init downloads it)';
    case 'bootstrap':
    case 'tools/bootstrap.sh':
      return 'npm registry (tools/bootstrap.sh)';
    case 'PATH':
      return 'PATH (found, not installed by the toolchain)';
    default:
      return obtained;
  }
}

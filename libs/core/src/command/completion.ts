import type { Command } from './command';

/**
 * Shell completion for `./infra`, generated from the command declarations: the words at each level (workflow
 * and script names, subcommands, options) and the values of options and positionals with a fixed set. The
 * tree is written into the script, so completing costs no Node start; regenerate it after adding a script.
 */

export interface CompletionTree {
  /** `./infra up`, `./infra test`, ...: names only, they take free arguments. */
  workflows: readonly string[];
  /** `sim` → the command declared in scripts/sim.ts. */
  scripts: Readonly<Record<string, Command>>;
}

interface Node {
  key: string;
  words: string[];
  /** Options that take a value: their fixed set, or [] for "complete a file name". */
  values: Map<string, readonly string[]>;
  /** Completes file names where a positional goes. */
  files: boolean;
}

function walk(command: Command, key: string, out: Node[]): void {
  if (command.kind === 'group') {
    out.push({
      key,
      words: [...Object.keys(command.subcommands), '--help'],
      values: new Map(),
      files: false,
    });
    for (const [name, sub] of Object.entries(command.subcommands)) walk(sub, `${key} ${name}`, out);
    return;
  }
  const values = new Map<string, readonly string[]>();
  const words: string[] = [];
  for (const [name, spec] of Object.entries(command.options)) {
    words.push(`--${name}`);
    if (spec.kind !== 'flag') {
      values.set(`--${name}`, spec.choices ?? []);
      if (spec.short) values.set(`-${spec.short}`, spec.choices ?? []);
    }
  }
  const positionals = Object.values(command.positionals);
  for (const spec of positionals) if (spec.choices) words.push(...spec.choices);
  words.push('--help');
  out.push({ key, words, values, files: positionals.some((spec) => !spec.choices) });
}

function nodes(tree: CompletionTree): Node[] {
  const out: Node[] = [
    {
      key: '',
      // `test` is a workflow and a script: listed once.
      words: [...new Set([...tree.workflows, ...Object.keys(tree.scripts), 'help', '--help'])],
      values: new Map(),
      files: false,
    },
  ];
  for (const [name, command] of Object.entries(tree.scripts)) walk(command, name, out);
  return out;
}

/** Single-quoted for the shell (every generated word is a plain token, but a value set might not be). */
const q = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

export function bashCompletion(tree: CompletionTree, generatedBy: string): string {
  const all = nodes(tree);
  const wordsCases = all.map((n) => `    ${q(n.key)}) printf '%s\\n' ${n.words.map(q).join(' ')} ;;`);
  const filesCases = all.filter((n) => n.files).map((n) => `    ${q(n.key)}) return 0 ;;`);
  const valueCases = all.flatMap((n) =>
    [...n.values].map(
      ([option, choices]) => `    ${q(`${n.key}|${option}`)}) printf '%s\\n' ${choices.map(q).join(' ')} ;;`,
    ),
  );
  return `# bash completion for ./infra, ${generatedBy}.
# Load it with: source <(./infra completion bash)   (or save it under ~/.local/share/bash-completion/completions/infra)

# The words that may follow a command path ("" for ./infra itself); fails for an unknown path.
_infra_words() {
  case "$1" in
${wordsCases.join('\n')}
    *) return 1 ;;
  esac
}

# Whether a positional at this path is a file name.
_infra_files() {
  case "$1" in
${filesCases.join('\n')}
    *) return 1 ;;
  esac
}

# "path|--option": the option takes a value; prints its fixed set (nothing: any value, complete files).
_infra_values() {
  case "$1" in
${valueCases.join('\n')}
    *) return 1 ;;
  esac
}

_infra_complete() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} key="" word i values
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    [[ $word == -* ]] && continue
    if _infra_words "\${key:+$key }$word" >/dev/null; then key="\${key:+$key }$word"; fi
  done
  if [[ $COMP_CWORD -gt 1 ]] && values=$(_infra_values "$key|$prev"); then
    if [[ -n $values ]]; then
      mapfile -t COMPREPLY < <(compgen -W "$values" -- "$cur")
    else
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    fi
    return 0
  fi
  mapfile -t COMPREPLY < <(compgen -W "$(_infra_words "$key")" -- "$cur")
  if [[ $cur != -* ]] && _infra_files "$key"; then
    mapfile -t -O "\${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -- "$cur")
  fi
  return 0
}

complete -o filenames -F _infra_complete infra ./infra
`;
}

/** zsh runs the bash completion through its bashcompinit layer: one generated tree, two shells. */
export function zshCompletion(tree: CompletionTree, generatedBy: string): string {
  return `# zsh completion for ./infra, ${generatedBy}.
# Load it with: source <(./infra completion zsh)   (after compinit, e.g. in ~/.zshrc)
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(tree, generatedBy)}`;
}

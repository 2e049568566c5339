/**
 * @module `gatehouse completion bash|zsh|fish`: shell completion generated from the command tree itself, so a new
 * command or flag completes without anyone editing a script. Completes command words and `--flags` per command path.
 */
import type { Command } from 'commander';
import { CliError, type CliIo } from '../run.ts';

interface Node {
  /** The words after `gatehouse`, space-separated: `llm upstream add`. */
  path: string;
  subcommands: string[];
  flags: string[];
}

function walk(command: Command, path: string[], out: Node[]): void {
  const flags = command.options.map((option) => option.long).filter((flag): flag is string => Boolean(flag));
  out.push({ path: path.join(' '), subcommands: command.commands.map((c) => c.name()), flags: [...flags, '--help'] });
  for (const child of command.commands) walk(child, [...path, child.name()], out);
}

function bash(nodes: Node[]): string {
  const cases = nodes.map((n) => `    "${n.path}") words="${[...n.subcommands, ...n.flags].join(' ')}" ;;`).join('\n');
  return `# gatehouse completion for bash: source <(gatehouse completion bash)
_gatehouse() {
  local cur path="" words="" i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) path="\${path:+$path }\${COMP_WORDS[i]}" ;; esac
  done
  while true; do
    case "$path" in
${cases}
    *) if [[ "$path" == *" "* ]]; then path="\${path% *}"; continue; fi; words="" ;;
    esac
    break
  done
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _gatehouse gatehouse
`;
}

function zsh(nodes: Node[]): string {
  const cases = nodes.map((n) => `    "${n.path}") words=(${[...n.subcommands, ...n.flags].join(' ')}) ;;`).join('\n');
  return `#compdef gatehouse
# gatehouse completion for zsh: source <(gatehouse completion zsh)
_gatehouse() {
  local path="" w
  local -a words
  for w in "\${(@)words[2,CURRENT-1]}"; do [[ "$w" == -* ]] || path="\${path:+$path }$w"; done
  while true; do
    case "$path" in
${cases}
    *) if [[ "$path" == *" "* ]]; then path="\${path% *}"; continue; fi; words=() ;;
    esac
    break
  done
  compadd -- $words
}
compdef _gatehouse gatehouse
`;
}

function fish(nodes: Node[]): string {
  const lines = ['# gatehouse completion for fish: gatehouse completion fish | source', 'complete -c gatehouse -f'];
  for (const node of nodes) {
    const condition =
      node.path === '' ? '__fish_use_subcommand' : `__fish_seen_subcommand_from ${node.path.split(' ').at(-1)}`;
    if (node.subcommands.length > 0) {
      lines.push(`complete -c gatehouse -n '${condition}' -a '${node.subcommands.join(' ')}'`);
    }
    for (const flag of node.flags) lines.push(`complete -c gatehouse -n '${condition}' -l ${flag.slice(2)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function registerCompletionCommand(program: Command, io: CliIo): void {
  program
    .command('completion <shell>')
    .description('Print shell completion: bash, zsh or fish')
    .action((shell: string) => {
      const nodes: Node[] = [];
      walk(program, [], nodes);
      const render = { bash, zsh, fish }[shell as 'bash' | 'zsh' | 'fish'];
      if (!render) throw new CliError(`completion ${shell}: bash, zsh or fish`, 2);
      io.out(render(nodes).trimEnd());
    });
}

/**
 * Shell completion: `udp-send completion >> ~/.bashrc` (or `… completion zsh >> ~/.zshrc`) prints a script that
 * asks the command itself, through yargs' `--get-yargs-completions`, for the options it knows.
 */

/** The shells a completion script is written for. */
export const COMPLETION_SHELLS: readonly string[] = ['bash', 'zsh'];

/** The completion script for `name` in `shell` (bash unless zsh is asked for, or is the login shell). */
export function completionScript(name: string, shell: string): string {
  const fn = `_${name.replace(/[^A-Za-z0-9]/g, '_')}_completions`;
  if (shell === 'zsh') {
    return `#compdef ${name}
###-begin-${name}-completions-###
# zsh completion for ${name}: add to ~/.zshrc (${name} completion zsh >> ~/.zshrc)
${fn}() {
  local reply
  local si=$IFS
  IFS=$'\\n' reply=($(${name} --get-yargs-completions "\${words[@]}"))
  IFS=$si
  _describe 'values' reply
}
compdef ${fn} ${name}
###-end-${name}-completions-###
`;
  }
  return `###-begin-${name}-completions-###
# bash completion for ${name}: add to ~/.bashrc (${name} completion >> ~/.bashrc)
${fn}() {
  local cur_word type_list
  cur_word="\${COMP_WORDS[COMP_CWORD]}"
  type_list=$(${name} --get-yargs-completions "\${COMP_WORDS[@]}")
  COMPREPLY=( $(compgen -W "\${type_list}" -- "\${cur_word}") )
  return 0
}
complete -o bashdefault -o default -F ${fn} ${name}
###-end-${name}-completions-###
`;
}

/** Which shell to write for: the one named, else the login shell's name, else bash. */
export function completionShell(asked: string | undefined, loginShell: string | undefined): string {
  if (asked === 'zsh' || asked === 'bash') return asked;
  return /zsh$/.test(loginShell ?? '') ? 'zsh' : 'bash';
}

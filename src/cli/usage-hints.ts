import { existsSync } from 'node:fs';
import type { Command } from 'commander';

/** Edits (insert, delete, substitute) between two words. */
function getEditDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}

/**
 * A first word that looks like a mistyped command (`trak`) rather than an input file:
 * not an option, not a file, no extension, within two edits of a command name.
 * @returns the command it probably meant
 */
export function findMistypedCommand(program: Command, args: string[]): string | undefined {
  const [word] = args;
  if (!word || word.startsWith('-') || word.includes('.') || word.includes('/') || existsSync(word)) return undefined;
  const names = program.commands.map((c) => c.name());
  if (names.includes(word)) return undefined;
  return names.find((name) => getEditDistance(word, name) <= 2);
}

/**
 * The help command for where the user was: `dino-track models pull --help` for `models pull`,
 * and `dino-track track --help` where no command was named, as the default command's options
 * are listed there alone (a second trial: a mistyped track option named `dino-track --help`).
 */
export function getHelpCommand(program: Command, args: string[], defaultCommand: string): string {
  const path = ['dino-track'];
  let command = program;
  const named = program.commands.some((c) => c.name() === args[0]);
  if (!named && args.length > 0) {
    path.push(defaultCommand);
    command = program.commands.find((c) => c.name() === defaultCommand) ?? program;
  }
  for (const word of args) {
    const next = command.commands.find((c) => c.name() === word);
    if (!next) break;
    path.push(word);
    command = next;
  }
  return `${path.join(' ')} --help`;
}

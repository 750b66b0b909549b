import { Command, Option } from 'commander';
import { expected, UsageError } from '../errors.js';

/** Small shared option predicates; each throws the uniform usage error. */

export function parseInteger(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!/^[+-]?\d+$/.test(raw.trim()) || value < min || value > max) {
    throw expected(`an integer between ${min} and ${max}`, name, raw);
  }
  return value;
}

export function parseNumber(name: string, raw: string, min: number, max: number, exclusiveMin = false): number {
  const value = Number(raw);
  const tooSmall = exclusiveMin ? value <= min : value < min;
  if (raw.trim() === '' || !Number.isFinite(value) || tooSmall || value > max) {
    const error = expected(`a number ${exclusiveMin ? 'greater than' : 'from'} ${min} ${exclusiveMin ? 'and at most' : 'to'} ${max}`, name, raw);
    // A share written as a percentage (60 for 0.6) is the likely slip: say so.
    if (max === 1 && value >= 10 && value <= 100) error.message += `; for ${value}% write ${value / 100}`;
    throw error;
  }
  return value;
}

export function parseChoice<T extends string>(name: string, raw: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(raw)) throw expected(`one of ${choices.join(', ')}`, name, raw);
  return raw as T;
}

/**
 * An option with fixed choices, checked by `parseChoice` while parsing so that a wrong
 * value gets the same one-line message as every other option (commander's `.choices()`
 * prints its own two-line error).
 */
export function createChoiceOption<T extends string>(flags: string, description: string, choices: readonly T[], defaultValue?: T): Option {
  const option = new Option(flags, `${description} (${choices.join(', ')})`);
  if (defaultValue !== undefined) option.default(defaultValue);
  return option.argParser((raw: string) => parseChoice(option.long ?? flags, raw, choices));
}

/**
 * Makes every option that takes a value, in `command` and its subcommands, refuse to be given
 * twice. Commander keeps the last value without a word: a second trial's `--format davis
 * --format coco` wrote coco alone, and `-o a -o b` wrote b.
 */
export function refuseRepeatedOptions(command: Command): void {
  for (const option of command.options) {
    // Flags (--overwrite, --no-x) hold no value a repeat could lose.
    if (option.isBoolean() || option.negate || option.variadic) continue;
    const parse = option.parseArg;
    option.argParser((raw: string, previous: unknown) => {
      // 'cli': this option was already set on this command line (a default's source is 'default').
      if (command.getOptionValueSource(option.attributeName()) === 'cli') throw repeatedOption(option, previous, raw);
      return parse ? parse(raw, previous) : raw;
    });
  }
  command.commands.forEach(refuseRepeatedOptions);
}

function repeatedOption(option: Option, previous: unknown, raw: string): UsageError {
  const name = option.short && option.long ? `${option.short}/${option.long}` : (option.long ?? option.flags);
  const shown = `${JSON.stringify(String(previous))}, then ${JSON.stringify(raw)}`;
  // A list option's values may be joined: say how.
  const joined = name === '--format' ? `, e.g. --format ${previous},${raw}` : '';
  return new UsageError(`${name} was given twice (${shown}); give it once${joined}`);
}

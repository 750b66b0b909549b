import { Option } from 'commander';
import { expected } from '../errors.js';

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

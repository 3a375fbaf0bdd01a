// Reads raw input values (trimmed, defaulted) and collects every problem found, masking secret inputs.
import type { ConfigError } from './types.js';
import { inputSpec, type InputName } from './inputs.js';

export const MASK = '***';

/** Longest value quoted whole in a message; a longer one shows its start and its length. */
export const MAX_SHOWN_VALUE = 200;

/** A value as a message quotes it: a 5,000-character paste must not bury the one line that explains it. */
export function clip(value: string): string {
  if (value.length <= MAX_SHOWN_VALUE) return value;
  return `${value.slice(0, MAX_SHOWN_VALUE / 2)}… (${value.length} characters)`;
}

export class InputReader {
  readonly errors: ConfigError[] = [];

  constructor(private readonly raw: Record<string, string | undefined>) {}

  /** The value as the user gave it, trimmed; '' when missing or blank. */
  given(name: InputName): string {
    return (this.raw[name] ?? '').trim();
  }

  /** The value given, or the input's default when blank. */
  get(name: InputName): string {
    return this.given(name) || inputSpec(name).default;
  }

  isSet(name: InputName): boolean {
    return this.given(name) !== '';
  }

  /**
   * Records `<name>: "<value>" <tail>`, where tail says what is accepted.
   * `value` defaults to the input's value; pass one line of a list input to point at it.
   */
  bad(name: InputName, tail: string, value: string = this.get(name)): void {
    const shown = this.show(name, value);
    this.errors.push({
      input: name,
      value: shown,
      message: `${name}: ${JSON.stringify(clip(shown))} ${tail}`,
    });
  }

  /** Records `<name> <rest>` for problems about presence (missing, not allowed) rather than a value. */
  problem(name: InputName, rest: string): void {
    this.errors.push({ input: name, value: this.show(name, this.given(name)), message: `${name} ${rest}` });
  }

  private show(name: InputName, value: string): string {
    return inputSpec(name).secret && value !== '' ? MASK : value;
  }
}

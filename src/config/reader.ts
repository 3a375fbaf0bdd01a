// Reads raw input values (trimmed, defaulted) and collects every problem found, masking secret inputs.
import type { ConfigError } from './types.js';
import { inputSpec, type InputName } from './inputs.js';

export const MASK = '***';

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
    this.errors.push({ input: name, value: shown, message: `${name}: ${JSON.stringify(shown)} ${tail}` });
  }

  /** Records `<name> <rest>` for problems about presence (missing, not allowed) rather than a value. */
  problem(name: InputName, rest: string): void {
    this.errors.push({ input: name, value: this.show(name, this.given(name)), message: `${name} ${rest}` });
  }

  private show(name: InputName, value: string): string {
    return inputSpec(name).secret && value !== '' ? MASK : value;
  }
}

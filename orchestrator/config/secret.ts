/**
 * A secret value (passphrase, token, webhook secret). It prints as
 * `[secret]` in logs, errors and JSON; only `reveal()` gives the value, and
 * only the code that uses it calls that.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[secret]';
  }
  toJSON(): string {
    return '[secret]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[secret]';
  }
}

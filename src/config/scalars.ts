// Plain input values: whole numbers, decimal percents, YAML booleans and lists.

/** A non-negative whole number written in digits only, or undefined. */
export function parseWholeNumber(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A non-negative decimal like `1`, `0.5` or `2.5%` (the `%` is optional), or undefined. */
export function parseDecimal(text: string, allowPercentSign = false): number | undefined {
  const m = (allowPercentSign ? /^(\d+(?:\.\d+)?)\s*%?$/ : /^(\d+(?:\.\d+)?)$/).exec(text);
  return m ? Number(m[1]) : undefined;
}

// Exactly what @actions/core's getBooleanInput accepts (the YAML 1.2 core schema), so `yes` or `1`
// fail loudly instead of meaning false.
const TRUE = ['true', 'True', 'TRUE'];
const FALSE = ['false', 'False', 'FALSE'];
export const BOOLEAN_FORM = 'true or false (also True, TRUE, False, FALSE)';

export function parseYamlBoolean(text: string): boolean | undefined {
  if (TRUE.includes(text)) return true;
  if (FALSE.includes(text)) return false;
  return undefined;
}

/** Non-blank lines, trimmed. */
export function splitLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** Items separated by newlines or commas, trimmed, blanks dropped. */
export function splitNamesList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

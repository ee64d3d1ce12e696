/**
 * Money is integer cents, never a float. An amount arrives as a JSON number or a
 * decimal string with at most two decimals; it is checked and kept as its
 * canonical decimal string ("1234.50") until the handler turns it into cents.
 */
export const MAX_CENTS = 100_000_000_000_00; // 100 billion in any currency is a typo, not a transfer

const DECIMAL = /^(\d{1,13})(?:\.(\d{1,2}))?$/;

/** Cents of a JSON number or decimal string, or null when it is not a positive amount with at most two decimals. */
export function toCents(value: number | string): number | null {
  // String(number) is the shortest text that reads back as the same double, so
  // 12.5 -> "12.5" but 0.1 + 0.2 -> "0.30000000000000004" (refused) and 1e21 -> "1e+21" (refused).
  const m = DECIMAL.exec(typeof value === 'number' ? String(value) : value);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** Formats integer cents as a decimal string ("1234.50"). */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

import { z } from 'zod';

/**
 * The seed's `Address`: street, city, state, country, postal code. "Real
 * looking": each part has letters (the street a house number or a name too),
 * no control characters, sane lengths, and the country is an ISO 3166-1
 * alpha-2 code that names a country or territory (ICU's region names, so no
 * list to keep; the groupings ICU also knows are refused).
 */
const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'QO', 'ZZ']);

export function countryName(code: string): string | null {
  const upper = code.toUpperCase();
  if (!/^[A-Z]{2}$/.test(upper) || NOT_COUNTRIES.has(upper)) return null;
  return regionNames.of(upper) ?? null;
}

const Part = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'required')
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'no control characters')
    .regex(/\p{L}/u, 'must contain letters');

export const AddressSchema = z.strictObject({
  street: Part(200).refine((s) => s.length >= 3, 'too short to be a street'),
  city: Part(100),
  state: Part(100),
  country: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{2}$/, 'a two-letter ISO 3166-1 country code, like "US"')
    .refine((c) => countryName(c) !== null, 'not a known country code')
    .transform((c) => c.toUpperCase()),
  postal_code: z
    .string()
    .trim()
    .min(2)
    .max(12)
    .regex(/^[A-Za-z0-9][A-Za-z0-9 -]*[A-Za-z0-9]$/, 'letters, digits, spaces and dashes'),
});
export type Address = z.output<typeof AddressSchema>;

/**
 * The key the overlap rule compares: case, accents, punctuation and spacing
 * do not make two addresses different ("12 Main St." = "12  main st").
 */
export function addressKey(a: Address): string {
  const norm = (s: string) =>
    s
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, ' ')
      .trim();
  return [a.street, a.city, a.state, a.postal_code, a.country].map(norm).join('|');
}

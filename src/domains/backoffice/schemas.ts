import { z } from 'zod';
import { formatCents, MAX_CENTS, toCents } from './money.js';
import { ITEM_TYPES } from './rules.js';

export const Id = z.number().int().positive().max(2_147_483_647);
export const Level = z.number().int().min(1).max(3);
export const ItemTypeSchema = z.enum(ITEM_TYPES);
export const ById = z.strictObject({ id: Id });

/**
 * An amount as a JSON number or a decimal string with at most two decimals,
 * between 0.01 and 100 billion. The output is the canonical decimal string
 * ("1234.50"), never cents (the handler turns it into cents with `toCents`), so
 * the transform gives the same value when fed its own output and parsing twice
 * can never scale an amount.
 */
export const Amount = z
  .union([z.number().positive(), z.string().regex(/^\d{1,13}(\.\d{1,2})?$/, 'a decimal like "1234.50"')])
  .transform((v, ctx) => {
    const cents = toCents(v);
    if (cents === null) {
      ctx.addIssue({ code: 'custom', message: 'at most two decimal places' });
      return z.NEVER;
    }
    if (cents <= 0 || cents > MAX_CENTS) {
      ctx.addIssue({ code: 'custom', message: `between 0.01 and ${MAX_CENTS / 100}` });
      return z.NEVER;
    }
    return formatCents(cents);
  });

/** `review_document` / `review_transfer` input. */
export const Review = z.strictObject({ id: Id, approved: z.boolean(), reason: z.string().max(2000).optional() });

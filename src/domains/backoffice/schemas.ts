import { z } from 'zod';
import { ITEM_TYPES } from './rules.js';

export const Id = z.number().int().positive().max(2_147_483_647);
export const Level = z.number().int().min(1).max(3);
export const ItemTypeSchema = z.enum(ITEM_TYPES);
export const ById = z.strictObject({ id: Id });

const MAX_CENTS = 100_000_000_000_00; // 100 billion in any currency is a typo, not a transfer

/**
 * An amount as a JSON number or a decimal string with at most two decimals,
 * turned into integer cents without passing through float arithmetic.
 */
export const Amount = z
  .union([z.number().positive(), z.string().regex(/^\d{1,13}(\.\d{1,2})?$/, 'a decimal like "1234.50"')])
  .transform((v, ctx) => {
    const text = typeof v === 'number' ? String(v) : v;
    const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text);
    if (!m) {
      ctx.addIssue({ code: 'custom', message: 'at most two decimal places' });
      return z.NEVER;
    }
    const cents = Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0'));
    if (cents <= 0 || cents > MAX_CENTS) {
      ctx.addIssue({ code: 'custom', message: `between 0.01 and ${MAX_CENTS / 100}` });
      return z.NEVER;
    }
    return cents;
  });

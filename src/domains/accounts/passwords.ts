import argon2 from 'argon2';
import { hash, randomBytes } from 'node:crypto';

export interface HashCost {
  memoryCost: number;
  timeCost: number;
}

/** argon2id; the cost comes from config (lowered only in tests). */
export function hashPassword(password: string, cost: HashCost): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id, memoryCost: cost.memoryCost, timeCost: cost.timeCost });
}

/** Constant-time comparison is argon2's own; a malformed stored hash is simply "no". */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** A fresh high-entropy secret (session or invitation token), URL-safe. */
export function newToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Tokens are 256 random bits, so a fast hash is enough to make the stored value
 * useless to whoever reads the table; only this hash is ever stored.
 */
export function tokenHash(token: string): string {
  // One-shot (no Hash object): the door hashes the token of every request.
  return hash('sha256', token, 'base64url');
}

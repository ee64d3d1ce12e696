import { z } from 'zod';
import type { ActionContext } from '../../core/context.js';
import { AppError } from '../../core/errors.js';
import type { ResponseType } from './definition.js';

export interface QuestionRow {
  id: number;
  key: string;
  text: string;
  response_type: ResponseType;
  required: boolean;
  options: string[];
}

/** The questions of a person's task (its definition's, in order). */
export function questionsOf(ctx: ActionContext, definitionId: number): Promise<QuestionRow[]> {
  return ctx.sql<QuestionRow>(
    `select q.id, q.key, q.text, q.response_type, q.required, q.options from task_question tq join question q on q.id = tq.question_id where tq.task_id = ? order by tq.position`,
    [definitionId],
  );
}

const CHECKS: Record<ResponseType, (v: unknown, q: QuestionRow) => string | null> = {
  text: (v) => (typeof v === 'string' && v.trim() && v.length <= 2000 ? null : 'a non-empty text of at most 2000 characters'),
  long_text: (v) => (typeof v === 'string' && v.trim() && v.length <= 10000 ? null : 'a non-empty text of at most 10000 characters'),
  yes_no: (v) => (typeof v === 'boolean' ? null : 'true or false'),
  agreement: (v) => (v === true ? null : 'true: this must be accepted (false does not satisfy it)'),
  number: (v) => (typeof v === 'number' && Number.isFinite(v) ? null : 'a number'),
  date: (v) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)) ? null : 'a date like 2026-12-06'),
  email: (v) => (z.email().safeParse(v).success ? null : 'an email address'),
  phone: (v) => (typeof v === 'string' && /^\+?[0-9 ()-]{7,20}$/.test(v) ? null : 'a phone number'),
  single_choice: (v, q) => (typeof v === 'string' && q.options.includes(v) ? null : `one of: ${q.options.join(', ')}`),
  multiple_choice: (v, q) =>
    Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && q.options.includes(x)) && new Set(v).size === v.length ? null : `a non-empty list of distinct choices among: ${q.options.join(', ')}`,
};

/**
 * Checks answers (question key -> value; null clears an answer) against the
 * task's questions: each key must be one of them and each value fit its type
 * and options. VALIDATION_FAILED names every question that does not fit.
 */
export function checkAnswers(questions: readonly QuestionRow[], answers: Record<string, unknown>): void {
  const issues: { path: string; question: string; message: string }[] = [];
  for (const [key, value] of Object.entries(answers)) {
    const q = questions.find((x) => x.key === key);
    if (!q) {
      issues.push({ path: `answers.${key}`, question: key, message: questions.length ? `no question ${key} in this task (it asks ${questions.map((x) => x.key).join(', ')})` : 'this task asks no questions' });
      continue;
    }
    if (value === null) continue;
    const wrong = CHECKS[q.response_type](value, q);
    if (wrong) issues.push({ path: `answers.${key}`, question: key, message: `${q.text}: expected ${wrong}` });
  }
  if (issues.length) throw new AppError('VALIDATION_FAILED', `Answers that do not fit: ${issues.map((i) => `${i.question} (${i.message})`).join('; ')}`, { issues });
}

/** Stores each answer (keyed by user and question); a null value deletes it. */
export async function storeAnswers(ctx: ActionContext, userId: number, questions: readonly QuestionRow[], answers: Record<string, unknown>): Promise<void> {
  for (const [key, value] of Object.entries(answers)) {
    const q = questions.find((x) => x.key === key)!;
    if (value === null) await ctx.sql('delete from guest_response where user_id = ? and question_id = ?', [userId, q.id]);
    else
      await ctx.sql(
        `insert into guest_response (tenant_id, user_id, question_id, value, updated_at) values (?, ?, ?, ?::jsonb, ?)
         on conflict (user_id, question_id) do update set value = excluded.value, updated_at = excluded.updated_at`,
        [ctx.tenantId, userId, q.id, JSON.stringify(value), ctx.now()],
      );
  }
}

/** The person's stored answers to these questions. */
export async function responsesTo(ctx: ActionContext, userId: number, questions: readonly QuestionRow[]): Promise<Map<number, unknown>> {
  if (!questions.length) return new Map();
  const rows = await ctx.sql<{ question_id: number; value: unknown }>(`select question_id, value from guest_response where user_id = ? and question_id = any(?::int[])`, [
    userId,
    `{${questions.map((q) => q.id).join(',')}}`,
  ]);
  return new Map(rows.map((r) => [r.question_id, r.value]));
}

/** Refuses to complete a task while a required question has no answer (VALIDATION_FAILED naming each). */
export async function assertRequiredAnswered(ctx: ActionContext, userId: number, questions: readonly QuestionRow[]): Promise<void> {
  const have = await responsesTo(ctx, userId, questions);
  const missing = questions.filter((q) => q.required && !have.has(q.id));
  if (missing.length) {
    const issues = missing.map((q) => ({ path: `answers.${q.key}`, question: q.key, message: `${q.text}: an answer is required` }));
    throw new AppError('VALIDATION_FAILED', `Required questions without an answer: ${missing.map((q) => q.key).join(', ')}.`, { issues });
  }
}

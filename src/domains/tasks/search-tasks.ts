import { z } from 'zod';
import { defineAction } from '../../core/define-action.js';
import { TASK_STATUSES } from './machine.js';

/** A dotted path into a task's input: `cid`, `customer.name`, `items.0.id`. */
const FieldPath = z.string().regex(/^[A-Za-z0-9_]{1,64}(\.[A-Za-z0-9_]{1,64}){0,7}$/, 'a field name, or a dotted path like "customer.id"');

const SearchInput = z
  .strictObject({
    action: z.string().regex(/^[a-z][a-z0-9_]{0,99}$/, 'an action name').optional(),
    status: z.enum(TASK_STATUSES).optional(),
    actor: z.string().trim().min(1).max(320).optional().describe('The email of the user who sent it, or "system" for timers.'),
    from: z.iso.datetime({ offset: true }).optional().describe('Created at or after (ISO 8601).'),
    to: z.iso.datetime({ offset: true }).optional().describe('Created before (ISO 8601).'),
    field: FieldPath.optional().describe('A field of the input (dotted path); with `value`, only tasks whose input has that value there.'),
    value: z.string().max(500).optional().describe('The value `field` must have, compared as text ("12" matches 12).'),
    limit: z.number().int().min(1).max(100).optional(),
    offset: z.number().int().min(0).max(100_000).optional(),
  })
  .superRefine((v, ctx) => {
    if ((v.field === undefined) !== (v.value === undefined)) {
      ctx.addIssue({ code: 'custom', path: [v.field === undefined ? 'field' : 'value'], message: '`field` and `value` go together' });
    }
  });

/** The task search of the admin console: every task of the tenant, newest first, filtered and paged. */
export const searchTasks = defineAction({
  name: 'search_tasks',
  summary: 'Finds tasks of your tenant by action, status, actor (email or "system"), creation time range and a field of their input, newest first, paged with `limit`/`offset`.',
  roles: ['admin'],
  worker: 'caller',
  access: { ids: {}, owner: 'tenant' },
  input: SearchInput,
  example: { action: 'create_transfer', status: 'succeeded', field: 'cid', value: '1', limit: 25, offset: 0 },
  async handler(input, ctx) {
    // The search's own task is running while it looks: leave it out.
    const where = ['t.tenant_id = ?', 't.id <> ?'];
    const params: unknown[] = [ctx.tenantId, ctx.taskId];
    const add = (clause: string, ...values: unknown[]) => {
      where.push(clause);
      params.push(...values);
    };
    if (input.action) add('t.action = ?', input.action);
    if (input.status) add('t.status = ?', input.status);
    if (input.actor === 'system') add('t.actor_id is null');
    else if (input.actor) add('lower(u.email) = lower(?)', input.actor);
    if (input.from) add('t.created_at >= ?', new Date(input.from));
    if (input.to) add('t.created_at < ?', new Date(input.to));
    if (input.field !== undefined && input.value !== undefined) add('t.input #>> ?::text[] = ?', input.field.split('.'), input.value);
    const limit = input.limit ?? 25;
    const offset = input.offset ?? 0;
    const from = `from task t left join app_user u on u.id = t.actor_id where ${where.join(' and ')}`;
    const rows = await ctx.sql(
      `select t.id::int as id, t.action, t.status, coalesce(u.email, 'system') as actor, t.input, t.result, t.error, t.attempts,
              t.created_at as "createdAt", t.started_at as "startedAt", t.finished_at as "finishedAt"
         ${from} order by t.created_at desc, t.id desc limit ? offset ?`,
      [...params, limit, offset],
    );
    const [count] = await ctx.sql<{ n: number }>(`select count(*)::int as n ${from}`, params);
    return { total: count?.n ?? 0, limit, offset, tasks: rows };
  },
});

import type { DemoSet } from '../../core/define-domain.js';
import { publishTicket, publishWorkflow } from './definitions.js';
import { IT_REQUEST_TICKET, IT_REQUEST_WORKFLOW } from './schemas.js';
import { createDemoUsers } from '../accounts/demo-users.js';

/**
 * The workflows demo set: two companies (initech, umbrella), each with the
 * contract logins below (all with the demo password), both task workers
 * available, a company role `finance`, and the "IT request" ticket type
 * published with its workflow (triage FORM, then amount > 1000 -> approval
 * FORM, else -> the procurement SYNC_ACTION).
 */
export const WORKFLOW_USERS = [
  { local: 'admin', role: 'admin', level: 3 },
  { local: 'creator', role: 'workflow_creator', level: 1 },
  { local: 'ticketadmin', role: 'ticket_admin', level: 1 },
  { local: 'worker1', role: 'task_worker', level: 1 },
  { local: 'worker2', role: 'task_worker', level: 1 },
  { local: 'user', role: 'user', level: 1 },
] as const;

export const workflowsDemo: DemoSet = {
  tenants: [
    { slug: 'initech', name: 'Initech' },
    { slug: 'umbrella', name: 'Umbrella Corporation' },
  ],
  seed: 3003,
  users: WORKFLOW_USERS.map((u) => u.local),
  async load(ctx, tenant) {
    const users = await createDemoUsers(ctx, tenant, WORKFLOW_USERS);
    const ids = Object.fromEntries(Object.entries(users).map(([local, u]) => [local, u.id]));
    for (const u of WORKFLOW_USERS) if (u.role === 'task_worker') await ctx.sql('insert into worker_availability (user_id, tenant_id, available) values (?, ?, true)', [ids[u.local], tenant.id]);
    await ctx.sql(`insert into company_role (tenant_id, name, description) values (?, 'finance', 'May submit purchase tickets')`, [tenant.id]);
    const workflowId = await publishWorkflow(ctx, tenant.id, ids.creator!, IT_REQUEST_WORKFLOW);
    const [wf] = await ctx.sql<{ wf_key: string }>('select wf_key from workflow_definition where id = ?', [workflowId]);
    await publishTicket(ctx, tenant.id, ids.creator!, { ...IT_REQUEST_TICKET, workflow_id: workflowId }, wf!.wf_key);
  },
};

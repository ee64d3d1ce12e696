import { z } from 'zod';

/** Shapes of the definitions a workflow designer uploads (checked at the door); `definitions.ts` checks the rest in the worker. */
export const Id = z.number().int().positive().max(2_147_483_647);
export const ById = z.strictObject({ id: Id });
const Name = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const Key = z.string().regex(Name, 'letters, digits and _, starting with a letter');
const Title = z.string().trim().min(1).max(255);
const Description = z.string().max(10_000);

/** The seed's `ext_ref`: links to outside documents. */
export const ExtRef = z.array(z.strictObject({ label: z.string().min(1).max(200), desc: z.string().max(2000).optional(), uri: z.string().min(1).max(2000) })).max(50);

/** One field a ticket asks for (or a workflow carries): name and type; the submit check is the JSON Schema built from these. */
export const FieldSpec = z.strictObject({
  name: Key,
  type: z.enum(['string', 'number', 'integer', 'boolean', 'date']),
  label: z.string().max(200).optional(),
  required: z.boolean().optional(),
  options: z.array(z.string().max(200)).max(100).optional(),
});
export type FieldSpec = z.infer<typeof FieldSpec>;

/**
 * A declarative layout: hints for the console's generated form (order, labels,
 * help text, widgets). The seed stored React source here; bureau never runs
 * stored code in a browser, so layouts are data only.
 */
export const Layout = z.strictObject({
  order: z.array(z.string().max(100)).max(200).optional(),
  labels: z.record(z.string().max(100), z.string().max(200)).optional(),
  help: z.record(z.string().max(100), z.string().max(1000)).optional(),
  widgets: z.record(z.string().max(100), z.enum(['text', 'textarea', 'number', 'checkbox', 'select', 'date'])).optional(),
});

const JsonObject = z.record(z.string(), z.unknown());

export const TaskSpec = z.strictObject({
  key: Key,
  title: Title,
  description: Description.optional(),
  ext_ref: ExtRef.optional(),
  type: z.enum(['FORM', 'SYNC_ACTION', 'ASYNC_ACTION']),
  /** Exactly one task of a workflow starts it. */
  start: z.boolean().optional(),
  input_schema: JsonObject.optional().describe('A JSON Schema (draft 2020-12 or 07) of the task input.'),
  output_schema: JsonObject.optional().describe('A JSON Schema the output (form answer, or transformed response) must match.'),
  edit_layout: Layout.optional(),
  display_layout: Layout.optional(),
  action_url: z.url({ protocol: /^https?$/ }).max(2000).optional(),
  input_transform: z.string().max(10_000).optional().describe('A JSONata expression over the workflow data: the task input (the body POSTed for actions).'),
  output_transform: z.string().max(10_000).optional().describe('A JSONata expression over the response (or callback) body: the task output.'),
  timeout_seconds: z.number().int().min(1).max(7 * 86_400).optional(),
});
export type TaskSpec = z.infer<typeof TaskSpec>;

export const TransitionSpec = z.strictObject({
  from: Key,
  to: Key,
  condition: z.unknown().optional().describe('A JSON Logic rule over the workflow data; none = always.'),
  priority: z.number().int().min(-1000).max(1000).optional(),
});
export type TransitionSpec = z.infer<typeof TransitionSpec>;

export const WorkflowSpec = z.strictObject({
  title: Title,
  description: Description.optional(),
  ext_ref: ExtRef.optional(),
  fields: z.array(FieldSpec).max(100).optional(),
  display_layout: Layout.optional(),
  tasks: z.array(TaskSpec).min(1).max(100),
  transitions: z.array(TransitionSpec).max(500).optional(),
});
export type WorkflowSpec = z.infer<typeof WorkflowSpec>;

export const TicketSpec = z.strictObject({
  title: Title,
  description: Description.optional(),
  ext_ref: ExtRef.optional(),
  workflow_id: Id.describe('Any version of the workflow; tickets run its latest version.'),
  fields: z.array(FieldSpec).max(100),
  company_role_access: z.array(z.string().regex(Name)).max(50).optional().describe('Company roles whose members may see and submit it; empty = every user of the company.'),
  edit_layout: Layout.optional(),
  display_layout: Layout.optional(),
});
export type TicketSpec = z.infer<typeof TicketSpec>;

/** The "IT request" workflow of the demo data, the docs and the examples. */
export const IT_REQUEST_WORKFLOW: WorkflowSpec = {
  title: 'IT request',
  description: 'Triage an IT purchase; above 1000 a manager approves it, otherwise it is ordered from procurement.',
  ext_ref: [{ label: 'Purchasing policy', desc: 'Who approves what', uri: 'https://intranet.example/policies/purchasing' }],
  fields: [
    { name: 'item', type: 'string' },
    { name: 'amount', type: 'number' },
  ],
  tasks: [
    {
      key: 'triage',
      title: 'Triage the request',
      type: 'FORM',
      start: true,
      input_schema: { type: 'object', properties: { summary: { type: 'string' }, amount: { type: 'number' } } },
      output_schema: {
        type: 'object',
        required: ['item', 'amount'],
        properties: { item: { type: 'string', minLength: 1, title: 'Item to buy' }, amount: { type: 'number', minimum: 0, title: 'Quoted amount' }, note: { type: 'string', title: 'Note' } },
      },
      edit_layout: { order: ['item', 'amount', 'note'], widgets: { note: 'textarea' } },
    },
    {
      key: 'approve',
      title: 'Approve the purchase',
      type: 'FORM',
      output_schema: { type: 'object', required: ['approved'], properties: { approved: { type: 'boolean', title: 'Approved' }, comment: { type: 'string', title: 'Comment' } } },
    },
    {
      key: 'order',
      title: 'Order from procurement',
      type: 'SYNC_ACTION',
      action_url: 'https://procurement.example/api/orders',
      input_transform: '{ "item": item, "amount": amount }',
      output_transform: '{ "order_id": id }',
      output_schema: { type: 'object', required: ['order_id'] },
      timeout_seconds: 10,
    },
  ],
  transitions: [
    { from: 'triage', to: 'approve', condition: { '>': [{ var: 'amount' }, 1000] }, priority: 10 },
    { from: 'triage', to: 'order', priority: 0 },
  ],
};

/** The "IT request" ticket type of the demo data and the examples (`workflow_id`: its workflow). */
export const IT_REQUEST_TICKET: TicketSpec = {
  title: 'IT request',
  description: 'Ask IT for equipment or software.',
  ext_ref: [{ label: 'IT catalogue', uri: 'https://intranet.example/it/catalogue' }],
  workflow_id: 1,
  fields: [
    { name: 'summary', type: 'string', label: 'What do you need?', required: true },
    { name: 'amount', type: 'number', label: 'Estimated amount', required: true },
    { name: 'details', type: 'string', label: 'Details' },
  ],
  company_role_access: [],
  edit_layout: { order: ['summary', 'amount', 'details'], widgets: { details: 'textarea' } },
};

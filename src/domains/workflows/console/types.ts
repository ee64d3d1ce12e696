import type { JsonSchema } from '../../../console/api.js';
import type { Layout } from './forms.js';

/** The shapes of the workflows actions' results, as the console pages read them. */
export interface TicketType {
  id: number;
  title: string;
  version: number;
  description: string | null;
  data_schema: JsonSchema;
  edit_layout: Layout | null;
  company_role_access: string[];
}

export interface TaskRow {
  id: number;
  title: string;
  description: string | null;
  taskType: string;
  ticketId: number;
  ticketTitle: string;
  status: string;
  assignee: string | null;
  input: unknown;
  output: unknown;
  error: { code: string; message: string } | null;
  output_schema: JsonSchema | null;
  edit_layout: Layout | null;
  assignedAt: string | null;
  updatedAt: string;
}

export interface TicketRow {
  id: number;
  title: string;
  status: string;
  data: unknown;
  submitter: string | null;
  createdAt: string;
  workflow: { title: string; version: number; currentTask: string | null; holdReason: string | null };
}

export interface TicketDetail extends TicketRow {
  tasks: TaskRow[];
  steps: { key: string; title: string; taskType: string }[];
  history: unknown[];
}

export interface WorkflowRow {
  id: number;
  title: string;
  version: number;
  key: string;
}

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

/** An external reference of a definition: a label, an optional description and a URI (only http/https ones are shown as links). */
export interface ExtRef {
  label: string;
  desc?: string;
  uri: string;
}

export interface TaskRow {
  id: number;
  ext_ref?: ExtRef[] | null;
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
  ext_ref?: ExtRef[] | null;
  title: string;
  status: string;
  data: unknown;
  submitter: string | null;
  createdAt: string;
  workflow: { title: string; version: number; currentTask: string | null; holdReason: string | null; ext_ref?: ExtRef[] | null };
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

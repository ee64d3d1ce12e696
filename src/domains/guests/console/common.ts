import { h } from '../../../console/dom.js';

export type Status = 'Locked' | 'Start' | 'In progress' | 'More information is needed' | 'Complete';

export interface TaskView {
  id: number;
  key: string;
  title: string;
  description: string;
  status: Status;
  linkText: string;
  url: string;
  kind: string;
  infoRequest: string | null;
}
export interface GroupView {
  id: number;
  key: string;
  title: string;
  status: Status;
  tasks: TaskView[];
}
export interface DashboardView {
  guestId: number;
  role: string;
  name: string;
  coordinatorId: number | null;
  dashboard: { id: number; version: number; title: string };
  taskGroups: GroupView[];
}

/** A status pill (the seed's five statuses; locked ones greyed). */
export function statusPill(status: string): HTMLElement {
  return h('span', { class: `gw-status gw-status-${status.replace(/ /g, '-')}`, 'data-status': status }, status);
}

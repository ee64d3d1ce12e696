import type { Route } from '../../../console/context.js';
import { ticketAdminPage } from './admin-page.js';
import { designerPage } from './designer-page.js';
import { myTasksPage } from './tasks-page.js';
import { ticketPage, ticketsPage } from './tickets-page.js';

/** The workflows domain's console pages, one per role, shown to the roles that may run the actions behind them. */
export const WORKFLOW_ROUTES: Route[] = [
  { path: 'tickets', label: 'Tickets', show: (ctx) => ctx.may('submit_ticket'), view: (ctx) => ticketsPage(ctx) },
  { path: 'my-tasks', label: 'My tasks', show: (ctx) => ctx.may('complete_workflow_task'), view: (ctx) => myTasksPage(ctx) },
  { path: 'ticket-admin', label: 'Tickets & tasks', show: (ctx) => ctx.may('list_tickets'), view: (ctx) => ticketAdminPage(ctx) },
  { path: 'designer', label: 'Workflow design', show: (ctx) => ctx.may('create_workflow_definition'), view: (ctx) => designerPage(ctx) },
  { path: 'ticket', label: '', show: (ctx) => ctx.may('get_ticket'), view: (ctx, p) => ticketPage(ctx, p) },
];

import type { Route } from '../../../console/context.js';
import { guestDashboardView } from './dashboard.js';
import { dashboardEditorView } from './editor.js';
import { guestListView } from './guest-list.js';

/** The guests domain's console pages (listed once in src/console/domain-routes.ts). */
export const guestRoutes: Route[] = [
  { path: 'my-dashboard', label: 'My dashboard', show: (ctx) => ctx.may('start_guest_task'), view: (ctx) => guestDashboardView(ctx, []) },
  { path: 'guests', label: 'Guests', show: (ctx) => ctx.may('list_guests'), view: (ctx, p) => guestDashboardOrList(ctx, p) },
  { path: 'guest-dashboards', label: 'Dashboards', show: (ctx) => ctx.may('publish_guest_dashboard'), view: (ctx) => dashboardEditorView(ctx) },
];

function guestDashboardOrList(ctx: Parameters<Route['view']>[0], p: string[]) {
  return p[0] ? guestDashboardView(ctx, p) : guestListView(ctx);
}

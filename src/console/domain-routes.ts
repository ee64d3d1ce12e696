import { guestRoutes } from '../domains/guests/console/routes.js';
import type { Route } from './context.js';
import { WORKFLOW_ROUTES } from '../domains/workflows/console/routes.js';
import { bookingRoutes } from '../domains/bookings/console/routes.js';

/**
 * The console pages of the domains that bring their own (each in
 * `src/domains/<name>/console/`, importing only the console's helpers:
 * `src/console/context.ts`, `dom.ts`, `api.ts`, `schema-form.ts`). A domain
 * adds one line here; its routes appear in the navigation for the roles that
 * may run the actions behind them.
 */
export const DOMAIN_ROUTES: Route[] = [...guestRoutes, ...WORKFLOW_ROUTES, ...bookingRoutes];

import type { Route } from '../../../console/context.js';
import { adminBookingsView, myBookingsView, userStatusView } from './bookings.js';

/** The bookings domain's console pages (listed in `src/console/domain-routes.ts`). */
export const bookingRoutes: Route[] = [
  { path: 'my-bookings', label: 'My bookings', show: (ctx) => ctx.may('submit_booking'), view: (ctx) => myBookingsView(ctx) },
  { path: 'bookings', label: 'Bookings', show: (ctx) => ctx.may('accept_booking'), view: (ctx) => adminBookingsView(ctx) },
  { path: 'users', label: 'Users', show: (ctx) => ctx.may('set_user_status') && ctx.may('list_people'), view: (ctx) => userStatusView(ctx) },
];

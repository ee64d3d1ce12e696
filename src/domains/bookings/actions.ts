import { acceptBooking } from './actions/accept-booking.js';
import { deleteBooking } from './actions/delete-booking.js';
import { listBookings } from './actions/list-bookings.js';
import { rejectBooking } from './actions/reject-booking.js';
import { sendBookingDecision } from './actions/send-booking-decision.js';
import { submitBooking } from './actions/submit-booking.js';

/** Seed 004: booking requests, one action per file under actions/. */
export const bookingActions = [submitBooking, listBookings, acceptBooking, rejectBooking, deleteBooking, sendBookingDecision];

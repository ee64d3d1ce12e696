import { completeGuestTask } from './actions/complete-guest-task.js';
import { deleteGuestAnswers } from './actions/delete-guest-answers.js';
import { deleteGuestProgress } from './actions/delete-guest-progress.js';
import { getGuestApplication } from './actions/get-guest-application.js';
import { getGuestDashboardDefinition } from './actions/get-guest-dashboard-definition.js';
import { getGuestDashboard } from './actions/get-guest-dashboard.js';
import { inviteGuest } from './actions/invite-guest.js';
import { listGuests } from './actions/list-guests.js';
import { publishGuestDashboard } from './actions/publish-guest-dashboard.js';
import { requestGuestInformation } from './actions/request-guest-information.js';
import { saveGuestAnswers } from './actions/save-guest-answers.js';
import { sendGuestMail } from './actions/send-guest-mail.js';
import { startGuestTask } from './actions/start-guest-task.js';

/** Seed 000: guest onboarding. */
export const guestActions = [
  getGuestDashboard,
  getGuestApplication,
  startGuestTask,
  saveGuestAnswers,
  completeGuestTask,
  requestGuestInformation,
  deleteGuestAnswers,
  deleteGuestProgress,
  listGuests,
  inviteGuest,
  publishGuestDashboard,
  getGuestDashboardDefinition,
  sendGuestMail,
];

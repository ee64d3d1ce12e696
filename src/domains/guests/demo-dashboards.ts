import type { z } from 'zod';
import type { DashboardSpec } from './definition.js';

/**
 * The demo providers' dashboards, up to and including matching. The guest
 * application's questions follow the HomeUniteUs guest application form the
 * seed links (basic information, current situation, employment and school,
 * substances, mental health, pets, about you).
 */
export const DEMO_GUEST_DASHBOARD = {
  role: 'guest',
  title: 'Guest onboarding',
  taskGroups: [
    {
      key: 'application_and_onboarding',
      title: 'Application & Onboarding',
      tasks: [
        {
          key: 'application',
          title: 'Application',
          description: 'Start your guest application to move on to the next step.',
          linkText: 'Start application',
          url: '/guest-application',
          kind: 'form',
          questions: [
            { key: 'full_name', text: 'What is your full name?', type: 'text', required: true },
            { key: 'date_of_birth', text: 'What is your date of birth?', type: 'date', required: true },
            { key: 'phone', text: 'What is the best phone number to reach you?', type: 'phone', required: true },
            { key: 'pronouns', text: 'What are your pronouns?', type: 'single_choice', options: ['she/her', 'he/him', 'they/them', 'another'] },
            { key: 'current_housing', text: 'Where are you staying right now?', type: 'single_choice', required: true, options: ['With family or friends', 'Shelter', 'Car', 'Outside', 'Other'] },
            { key: 'employed', text: 'Are you currently employed?', type: 'yes_no', required: true },
            { key: 'in_school', text: 'Are you currently enrolled in school or a training program?', type: 'yes_no', required: true },
            { key: 'smokes', text: 'Do you smoke or vape?', type: 'yes_no', required: true },
            { key: 'pets', text: 'Do you have pets that would come with you?', type: 'yes_no' },
            { key: 'languages', text: 'Which languages do you speak?', type: 'multiple_choice', options: ['English', 'Spanish', 'Korean', 'Tagalog', 'Armenian', 'Other'] },
            { key: 'about_you', text: 'Tell us about yourself and why a host home would help you.', type: 'long_text', required: true },
          ],
        },
        { key: 'coordinator_interview', title: 'Coordinator Interview', description: 'Meet with your Coordinator to share more about yourself.', linkText: 'Schedule interview', url: '/schedule', kind: 'scheduling' },
        { key: 'training_session', title: 'Training Session', description: 'Complete a training session to prepare you for the host home experience.', linkText: 'Schedule training', url: '/schedule', kind: 'training' },
      ],
    },
    {
      key: 'host_matching',
      title: 'Host Matching',
      tasks: [
        {
          key: 'match_preferences',
          title: 'Match Preferences',
          description: 'Tell us what matters to you in a host home.',
          linkText: 'Set preferences',
          url: '/guest-preferences',
          kind: 'form',
          questions: [
            { key: 'preferred_area', text: 'Which area would you like to live in?', type: 'text', required: true },
            { key: 'ok_with_pets', text: 'Are you comfortable living with pets?', type: 'yes_no', required: true },
          ],
        },
        { key: 'host_matching', title: 'Host Matching', description: 'Review the hosts your coordinator matched you with.', linkText: 'View matches', url: '/matches', kind: 'matching' },
      ],
    },
    {
      key: 'host_match_finalization',
      title: 'Match Finalization',
      tasks: [
        { key: 'meet_host', title: 'Meet Your Host', description: 'Meet your host with your coordinator.', linkText: 'Schedule meeting', url: '/schedule', kind: 'scheduling' },
        {
          key: 'host_agreement',
          title: 'Host Home Agreement',
          description: 'Read and accept the host home agreement.',
          linkText: 'Review agreement',
          url: '/agreement',
          kind: 'form',
          questions: [{ key: 'agreement_accepted', text: 'I have read and accept the host home agreement.', type: 'agreement', required: true }],
        },
      ],
    },
  ],
} satisfies z.input<typeof DashboardSpec>;

export const DEMO_HOST_DASHBOARD = {
  role: 'host',
  title: 'Host onboarding',
  taskGroups: [
    {
      key: 'application_and_onboarding',
      title: 'Application & Onboarding',
      tasks: [
        {
          key: 'host_application',
          title: 'Application',
          description: 'Start your host application.',
          linkText: 'Start application',
          url: '/host-application',
          kind: 'form',
          questions: [
            { key: 'full_name', text: 'What is your full name?', type: 'text', required: true },
            { key: 'household_size', text: 'How many people live in your home?', type: 'number', required: true },
            { key: 'has_pets', text: 'Do you have pets?', type: 'yes_no', required: true },
          ],
        },
        { key: 'home_visit', title: 'Home Visit', description: 'Your coordinator visits your home.', linkText: 'Schedule visit', url: '/schedule', kind: 'scheduling' },
        { key: 'host_training', title: 'Host Training', description: 'Complete the host training.', linkText: 'Schedule training', url: '/schedule', kind: 'training' },
      ],
    },
    {
      key: 'host_matching',
      title: 'Guest Matching',
      tasks: [{ key: 'guest_matching', title: 'Guest Matching', description: 'Review the guests your coordinator matched you with.', linkText: 'View matches', url: '/matches', kind: 'matching' }],
    },
  ],
} satisfies z.input<typeof DashboardSpec>;

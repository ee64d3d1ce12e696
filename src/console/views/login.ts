import { ApiError, login, type Session } from '../api.js';
import { h, replace } from '../dom.js';

/** The login page: the `login` action, with bureau's message next to the field it names. */
export function loginView(onLoggedIn: (s: Session) => void, notice?: string): HTMLElement {
  const name = h('input', { id: 'login-name', name: 'name', type: 'email', autocomplete: 'username', placeholder: 'admin@acme.test', required: true });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const tenant = h('input', { id: 'login-tenant', name: 'tenant', type: 'text', placeholder: 'only if your login is in several tenants' });
  const errors = { name: h('div', { class: 'field-error' }), password: h('div', { class: 'field-error' }), tenant: h('div', { class: 'field-error' }) };
  const formError = h('div', { class: 'form-error', role: 'alert' }, notice ?? '');
  const button = h('button', { type: 'submit', class: 'primary wide' }, 'Log in');
  const field = (label: string, input: HTMLInputElement, error: HTMLElement, key: string) => h('div', { class: 'field', 'data-field': key }, h('label', { for: input.id }, label), input, error);
  const form = h(
    'form',
    { class: 'login-card', novalidate: true },
    h('div', { class: 'brand-big' }, h('img', { src: '/console/favicon.svg', alt: '', width: 36, height: 36 }), h('span', null, 'bureau')),
    h('p', { class: 'muted' }, 'Back-office console. Log in with your bureau account.'),
    field('Email', name, errors.name, 'name'),
    field('Password', password, errors.password, 'password'),
    field('Tenant (optional)', tenant, errors.tenant, 'tenant'),
    formError,
    button,
    h('p', { class: 'hint' }, 'Demo logins: ', h('code', null, 'admin@acme.test'), ', ', h('code', null, 'compliance1@acme.test'), ' … ', h('code', null, 'service3@globex.test'), ', with the password ', h('code', null, 'npm start'), ' printed.'),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    for (const e of Object.values(errors)) e.textContent = '';
    for (const f of form.querySelectorAll('.field')) f.classList.remove('invalid');
    replace(formError);
    button.disabled = true;
    login(name.value.trim(), password.value, tenant.value.trim() || undefined)
      .then(onLoggedIn)
      .catch((err: unknown) => {
        const body = err instanceof ApiError ? err.body : { code: 'INTERNAL', message: String(err) };
        let placed = false;
        for (const issue of body.details?.issues ?? []) {
          const key = issue.path as keyof typeof errors;
          if (!errors[key]) continue;
          errors[key].textContent = issue.message;
          form.querySelector(`[data-field="${key}"]`)?.classList.add('invalid');
          placed = true;
        }
        if (!placed) replace(formError, body.message);
      })
      .finally(() => (button.disabled = false));
  });
  queueMicrotask(() => name.focus());
  return h('main', { class: 'login-page' }, form);
}

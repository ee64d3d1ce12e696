// Progressive enhancement of the accept form: register through the action
// endpoint, keep the session the way the console does, and open the console
// already logged in. Without JavaScript the form posts to /i/:token instead.
const form = document.querySelector('form[data-token]');
if (form) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = form.querySelector('.error');
    error.textContent = '';
    const data = Object.fromEntries(new FormData(form));
    if (data.password !== data.password_again) {
      error.textContent = 'The two passwords differ.';
      return;
    }
    const res = await fetch('/api/v1', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ task: { action: 'accept_invitation', data: { token: form.dataset.token, first_name: data.first_name, last_name: data.last_name, password: data.password } } }),
    }).catch(() => null);
    const body = res ? await res.json().catch(() => null) : null;
    if (!res || !res.ok) {
      error.textContent = body?.error?.message ?? 'bureau could not be reached; try again.';
      return;
    }
    sessionStorage.setItem('bureau.session', JSON.stringify({ token: body.token, expiresAt: body.expiresAt, user: body.user }));
    location.assign('/console/');
  });
}

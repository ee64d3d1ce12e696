import './styles.css';
import { catalogue, logout, refreshBoardCookie, session, setUnauthenticatedHandler, type CatalogueEntry, type Session } from './api.js';
import { errorBox, type Ctx, type Route, type View } from './context.js';
import { DOMAIN_ROUTES } from './domain-routes.js';
import { h, replace } from './dom.js';
import { Feed, type ConnState } from './feed.js';
import { actionsView } from './views/actions.js';
import { customersView, customerView } from './views/customers.js';
import { feedPanel } from './views/feed-panel.js';
import { itemView } from './views/item.js';
import { loginView } from './views/login.js';
import { invitationView, peopleView } from './views/people.js';
import { queueView } from './views/queue.js';
import { tasksView } from './views/tasks.js';

/**
 * The console shell: login, then a top bar (user, connection state, logout), a
 * navigation built from what the role may run, the current view (hash routes),
 * and the live feed beside it.
 */
const root = document.getElementById('app')!;
/** Undoes what the running shell attached to the window (a logout, then another login, starts a fresh one). */
let teardown: () => void = () => undefined;

const ROUTES: Route[] = [
  { path: 'queue', label: 'Review queue', show: (ctx) => ctx.may('review_document'), view: (ctx) => queueView(ctx, ['document', 'transfer'], 'Review queue') },
  { path: 'inquiries', label: 'Inquiries', show: (ctx) => ctx.may('respond_inquiry'), view: (ctx) => queueView(ctx, ['inquiry'], 'Open inquiries') },
  { path: 'customers', label: 'Customers', show: (ctx) => ctx.may('list_customers'), view: (ctx, p) => (p[0] ? customerView(ctx, p) : customersView(ctx)) },
  { path: 'queues', label: 'Work queues', show: (ctx) => ctx.user.role === 'admin' && ctx.may('list_queue'), view: (ctx) => queueView(ctx, ['document', 'transfer', 'inquiry'], 'Work queues') },
  // Appears when the invitations domain is in the registry (it is: issue 5); hidden otherwise.
  { path: 'people', label: 'People', show: (ctx) => ctx.may('list_people'), view: (ctx) => peopleView(ctx) },
  { path: 'invitations', label: '', show: (ctx) => ctx.may('get_invitation'), view: (ctx, p) => invitationView(ctx, p) },
  { path: 'tasks', label: 'Tasks', show: (ctx) => ctx.may('search_tasks'), view: (ctx) => tasksView(ctx) },
  ...DOMAIN_ROUTES,
  { path: 'actions', label: 'All actions', show: () => true, view: (ctx, p) => actionsView(ctx, p) },
  { path: 'items', label: '', show: () => true, view: (ctx, p) => itemView(ctx, p) },
];

const HIDDEN_ACTIONS = new Set(['logout']);

function showLogin(notice?: string): void {
  teardown();
  document.title = 'bureau · log in';
  replace(root, loginView((s) => void startShell(s), notice));
}

function connIndicator(feed: Feed): HTMLElement {
  const label = h('span', { class: 'conn-label' });
  const el = h('button', { type: 'button', id: 'conn', class: 'conn', title: 'Live feed connection; click to reconnect now' }, h('span', { class: 'dot' }), label);
  el.addEventListener('click', () => feed.reconnect());
  let tick: number | null = null;
  const text: Record<ConnState, () => string> = {
    connecting: () => 'connecting…',
    live: () => `live · seq ${feed.seq}`,
    reconnecting: () => `reconnecting${feed.retryAt > Date.now() ? ` in ${Math.ceil((feed.retryAt - Date.now()) / 1000)} s` : '…'}`,
    closed: () => 'offline',
  };
  feed.onState((s) => {
    el.dataset.state = s;
    label.textContent = text[s]();
    if (tick !== null) clearInterval(tick);
    tick = s === 'reconnecting' ? window.setInterval(() => (label.textContent = text.reconnecting()), 500) : null;
  });
  feed.onRow(() => {
    if (feed.state === 'live') label.textContent = text.live();
  });
  return el;
}

async function startShell(s: Session): Promise<void> {
  let all: CatalogueEntry[];
  try {
    all = await catalogue();
  } catch {
    replace(root, h('div', { class: 'error-box' }, 'bureau does not answer. Reload the page to try again.'));
    return;
  }
  // Public actions (login, accepting an invitation) are for people without a session; logout is the top bar's.
  const mine = all.filter((a) => !HIDDEN_ACTIONS.has(a.name) && a.roles !== 'public' && a.roles.includes(s.user.role));
  const feed = new Feed(s.token, s.user.id, (message) => {
    session.clear();
    showLogin(message);
  });
  const toasts = h('div', { class: 'toasts', 'aria-live': 'polite' });
  const ctx: Ctx = {
    user: s.user,
    actions: mine,
    catalogue: all,
    feed,
    may: (name) => mine.some((a) => a.name === name),
    action: (name) => all.find((a) => a.name === name),
    navigate: (hash) => void (location.hash = hash),
    toast(text, kind = 'ok') {
      const t = h('div', { class: `toast toast-${kind}` }, text);
      toasts.append(t);
      window.setTimeout(() => t.remove(), 4000);
    },
  };
  setUnauthenticatedHandler((message) => {
    feed.stop();
    session.clear();
    showLogin(message);
  });

  const routes = ROUTES.filter((r) => r.show(ctx));
  const nav = h(
    'nav',
    { class: 'sidenav' },
    ...routes.filter((r) => r.label).map((r) => h('a', { href: `#/${r.path}`, 'data-route': r.path }, r.label)),
    s.user.role === 'admin' ? h('a', { href: '/admin/queues', target: '_blank', rel: 'noopener', class: 'external', 'data-route': 'board' }, 'Bull Board ↗') : null,
  );
  const main = h('main', { class: 'content', id: 'main' });
  const logoutButton = h('button', { type: 'button', class: 'ghost small', id: 'logout' }, 'Log out');
  logoutButton.addEventListener('click', () => {
    feed.stop();
    void logout().then(() => showLogin('You are logged out.'));
  });
  const name = [s.user.firstName, s.user.lastName].filter(Boolean).join(' ');
  replace(
    root,
    h(
      'div',
      { class: 'shell', 'data-role': s.user.role },
      h(
        'header',
        { class: 'topbar' },
        h('a', { class: 'brand', href: '#/' }, h('img', { src: '/console/favicon.svg', alt: '', width: 22, height: 22 }), 'bureau'),
        h('span', { class: 'tenant' }, s.user.tenant),
        h('div', { class: 'spacer' }),
        connIndicator(feed),
        h('span', { class: 'who', id: 'who' }, h('strong', null, name || s.user.email), h('span', { class: 'muted' }, ` ${s.user.email} · ${s.user.role} L${s.user.level}`)),
        logoutButton,
      ),
      nav,
      main,
      feedPanel(ctx),
      toasts,
    ),
  );

  let current: View | null = null;
  const route = () => {
    const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
    const found = routes.find((r) => r.path === parts[0]) ?? routes[0]!;
    if (found.path !== parts[0]) {
      history.replaceState(null, '', `#/${found.path}`);
      parts.splice(0, parts.length, found.path);
    }
    current?.dispose?.();
    try {
      current = found.view(ctx, parts.slice(1));
    } catch (err) {
      // A view that cannot even be built still leaves the shell usable, and says why.
      current = { el: errorBox(err) };
    }
    replace(main, current.el);
    for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', a.getAttribute('data-route') === found.path);
    document.title = `bureau · ${found.label || parts[0]}`;
  };
  const persist = () => feed.persist();
  window.addEventListener('hashchange', route);
  window.addEventListener('pagehide', persist);
  teardown = () => {
    window.removeEventListener('hashchange', route);
    window.removeEventListener('pagehide', persist);
    current?.dispose?.();
    feed.stop();
    teardown = () => undefined;
  };
  route();
  feed.start();
  if (s.user.role === 'admin') void refreshBoardCookie();
}

const existing = session.get();
if (existing && new Date(existing.expiresAt).getTime() > Date.now()) void startShell(existing);
else {
  session.clear();
  showLogin();
}

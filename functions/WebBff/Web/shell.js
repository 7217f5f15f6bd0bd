// The web shell (API.md, "Web UI"): signs in, lays out one slot per fragment and keeps each slot
// alive on its own. A fragment is an ES module served by its service at /web/{service}/{file}.js that
// defines a custom element and exports its `tag`. The shell sets `el.api` and `el.session` before
// inserting it. A fragment that cannot reach its service dispatches `fragment-unavailable`; one that
// fails to load or throws gets an error state. Either way the slot retries by itself and nothing
// else on the page is touched.

const FRAGMENTS = [
  { id: 'inventory', title: 'Catalogue', module: '/web/inventory/inventory.js', tag: 'shop-inventory', wide: true },
  { id: 'orders', title: 'My orders', module: '/web/orders/orders.js', tag: 'shop-orders', wide: true },
  { id: 'payments', title: 'Wallet', module: '/web/payments/payments.js', tag: 'shop-wallet' },
  { id: 'order-history', title: 'Order history', module: '/web/order-history/order-history.js', tag: 'shop-order-history' },
  { id: 'notifications', title: 'Notifications', module: '/web/notifications/notifications.js', tag: 'shop-notifications' },
  { id: 'ops', title: 'Operations', module: '/web/web-bff/ops.js', tag: 'shop-ops', admin: true, wide: true },
];
const RETRY_UNAVAILABLE_MS = 3000;
const RETRY_ERROR_MS = 10000;
const TOKEN_KEY = 'shop.token';

const $ = (id) => document.getElementById(id);
const announce = (text) => { $('announce').textContent = text; };

// ---- session -------------------------------------------------------------------------------

function decodeSession(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent(Array.from(atob(part), (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join(''));
    const claims = JSON.parse(json);
    if (!claims.sub || (claims.exp && claims.exp * 1000 < Date.now())) return null;
    return Object.freeze({ username: claims.sub, role: claims.role === 'admin' ? 'admin' : 'customer' });
  } catch {
    return null;
  }
}

function correlationId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

let token = null;
let session = null;
const slots = new Map();

/** What every fragment gets as `el.api`: same-origin fetch with the caller's token and a correlation id. */
const api = Object.freeze({
  async fetch(path, init = {}) {
    const headers = new Headers(init.headers);
    if (token) headers.set('Authorization', `Bearer ${token}`);
    if (!headers.has('x-correlation-id')) headers.set('x-correlation-id', correlationId());
    const response = await fetch(path, { ...init, headers, credentials: 'same-origin' });
    if (response.status === 401 && token) queueMicrotask(() => signOut('Your session ended; please sign in again.'));
    return response;
  },
});

async function signIn(event) {
  event.preventDefault();
  const form = event.target;
  const button = form.querySelector('button[type=submit]');
  $('sign-in-error').textContent = '';
  button.disabled = true;
  try {
    const response = await fetch('/auth/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'x-correlation-id': correlationId() },
      body: JSON.stringify({ username: form.username.value.trim(), password: form.password.value }),
    });
    if (!response.ok) {
      $('sign-in-error').textContent = response.status === 401 ? 'Wrong user name or password.'
        : response.status === 429 ? 'Too many attempts; wait a few seconds.' : `Sign-in failed (${response.status}).`;
      return;
    }
    const body = await response.json();
    sessionStorage.setItem(TOKEN_KEY, body.accessToken);
    form.password.value = '';
    start(body.accessToken);
  } catch {
    $('sign-in-error').textContent = 'The shop cannot be reached right now.';
  } finally {
    button.disabled = false;
  }
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  token = null;
  session = null;
  for (const slot of slots.values()) slot.dispose();
  slots.clear();
  $('slots').replaceChildren();
  $('slots').hidden = true;
  $('nav').hidden = true;
  $('nav').replaceChildren();
  $('who').hidden = true;
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = typeof message === 'string' ? message : '';
  $('username').focus();
  announce('Signed out.');
}

function start(newToken) {
  const decoded = decodeSession(newToken);
  if (!decoded) {
    signOut();
    return;
  }
  token = newToken;
  session = decoded;
  $('sign-in').hidden = true;
  $('who-name').textContent = `${session.username} (${session.role})`;
  $('who').hidden = false;
  const nav = $('nav');
  const container = $('slots');
  for (const fragment of FRAGMENTS.filter((f) => !f.admin || session.role === 'admin')) {
    const link = document.createElement('a');
    link.href = `#slot-${fragment.id}`;
    link.textContent = fragment.title;
    nav.append(link);
    const slot = new Slot(fragment);
    slots.set(fragment.id, slot);
    container.append(slot.section);
    slot.mount();
  }
  nav.hidden = false;
  container.hidden = false;
  $('main').focus();
  announce(`Signed in as ${session.username}.`);
}

// ---- slots ---------------------------------------------------------------------------------

/** One fragment's place on the page: loading, ready, unavailable or error, and its own retry loop. */
class Slot {
  constructor(fragment) {
    this.fragment = fragment;
    this.attempt = 0;
    this.element = null;
    this.timer = null;
    this.state = 'loading';
    const section = document.createElement('section');
    section.className = fragment.wide ? 'slot wide' : 'slot';
    section.id = `slot-${fragment.id}`;
    section.dataset.fragment = fragment.id;
    section.setAttribute('aria-labelledby', `slot-${fragment.id}-title`);
    const heading = document.createElement('h2');
    heading.id = `slot-${fragment.id}-title`;
    heading.textContent = fragment.title;
    this.status = document.createElement('div');
    this.status.setAttribute('aria-live', 'polite');
    this.body = document.createElement('div');
    section.append(heading, this.status, this.body);
    section.addEventListener('fragment-unavailable', (e) => {
      if (e.target === this.element || this.element?.contains(e.target)) {
        this.fail('unavailable', e.detail?.reason ?? 'the service did not answer');
      }
    });
    this.section = section;
  }

  setState(state) {
    this.state = state;
    this.section.dataset.state = state;
  }

  async mount() {
    clearTimeout(this.timer);
    this.setState('loading');
    const { module, tag } = this.fragment;
    if (!customElements.get(tag)) {
      // A failed import stays failed for its URL: every retry asks for a fresh one.
      const url = this.attempt === 0 ? module : `${module}?retry=${Date.now()}`;
      this.attempt++;
      try {
        const loaded = await import(url);
        if (loaded.tag !== tag || !customElements.get(tag)) throw new Error(`${module} did not define <${tag}>.`);
      } catch (error) {
        if (!slots.has(this.fragment.id) || slots.get(this.fragment.id) !== this) return;
        // Tell a service that is down (503, or no answer) from a module that is broken.
        const reachable = await probe(url);
        this.fail(reachable ? 'error' : 'unavailable', reachable ? describe(error) : 'the service did not answer');
        return;
      }
    } else {
      this.attempt++;
    }
    if (slots.get(this.fragment.id) !== this) return;

    mounting = this;
    try {
      const element = document.createElement(tag);
      if (!(element instanceof HTMLElement) || element.constructor === HTMLUnknownElement) throw new Error(`<${tag}> could not be created.`);
      element.api = api;
      element.session = session;
      this.element = element;
      this.setState('ready');
      this.status.replaceChildren();
      this.body.replaceChildren(element); // connectedCallback runs here; what it throws is reported to onerror
    } catch (error) {
      this.fail('error', describe(error));
    } finally {
      mounting = null;
    }
  }

  fail(state, reason) {
    if (this.state === 'disposed') return;
    const element = this.element;
    this.element = null;
    element?.remove(); // its disconnectedCallback stops its timers
    this.setState(state);
    const box = document.createElement('div');
    box.className = state === 'error' ? 'slot-state error' : 'slot-state';
    const text = document.createElement('p');
    text.textContent = state === 'error'
      ? `${this.fragment.title} failed to load (${reason}). The rest of the shop works; retrying by itself.`
      : `${this.fragment.title} is unavailable right now (${reason}). Retrying by itself.`;
    const retry = document.createElement('button');
    retry.type = 'button';
    retry.className = 'secondary';
    retry.textContent = 'Retry';
    retry.addEventListener('click', () => this.retry());
    box.append(text, retry);
    this.status.replaceChildren(box);
    this.body.replaceChildren();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.retry(), state === 'error' ? RETRY_ERROR_MS : RETRY_UNAVAILABLE_MS);
  }

  async retry() {
    clearTimeout(this.timer);
    if (this.state === 'disposed' || this.state === 'loading' || this.state === 'ready') return;
    // While its service still refuses, stay unavailable without recreating anything.
    if (this.state === 'unavailable' && !(await probe(`${this.fragment.module}?probe=${Date.now()}`))) {
      this.timer = setTimeout(() => this.retry(), RETRY_UNAVAILABLE_MS);
      return;
    }
    await this.mount();
    if (this.state === 'ready') announce(`${this.fragment.title} is back.`);
  }

  dispose() {
    clearTimeout(this.timer);
    this.element?.remove();
    this.setState('disposed');
  }
}

/** Whether the fragment's service answers its file (a 503, a gateway error or no answer: not reachable). */
async function probe(url) {
  try {
    const response = await fetch(url, { cache: 'no-store' });
    return response.status < 500;
  } catch {
    return false;
  }
}

function describe(error) {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 120 ? `${message.slice(0, 117)}...` : message;
}

// An error a fragment throws later (a callback, a timer, a rejected promise) is reported to the
// window: the slot it came from shows an error; the shell and the other slots go on.
let mounting = null;

const SHELL_PATH = new URL(import.meta.url).pathname;

/** The slot whose fragment's files appear first in the error's file or stack (a shell frame is no fragment's). */
function owner(source) {
  if (mounting) return mounting;
  if (!source) return null;
  let best = null;
  let first = Infinity;
  for (const slot of slots.values()) {
    const prefix = new URL(slot.fragment.module, location.href).pathname.replace(/[^/]+$/, '');
    let at = source.indexOf(prefix);
    while (at >= 0 && source.startsWith(SHELL_PATH, at)) at = source.indexOf(prefix, at + 1);
    if (at >= 0 && at < first) {
      best = slot;
      first = at;
    }
  }
  return best;
}

window.addEventListener('error', (event) => {
  const slot = owner(event.filename || event.error?.stack);
  if (slot && slot.state === 'ready') {
    event.preventDefault();
    slot.fail('error', describe(event.error ?? event.message));
  }
});

window.addEventListener('unhandledrejection', (event) => {
  const slot = owner(event.reason?.stack ?? '');
  if (slot && slot.state === 'ready') {
    event.preventDefault();
    slot.fail('error', describe(event.reason));
  }
});

// ---- start ---------------------------------------------------------------------------------

$('sign-in-form').addEventListener('submit', signIn);
$('sign-out').addEventListener('click', () => signOut());
const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved && decodeSession(saved)) start(saved);
else $('username').focus();

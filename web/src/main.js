// The dashboard's shell: sign-in with an API key, the navigation its role allows, and the
// pages by the location's hash (#/account/wallet:1001:USD), so the server serves one page.
import './style.css';
import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { forgetKey, get, savedKey, saveKey } from './api.js';
import { Account } from './pages/account.js';
import { Find } from './pages/find.js';
import { Approvals, Deposits, Payouts, Pending, Reconciliations, Webhook, Webhooks } from './pages/lists.js';
import { Overview } from './pages/overview.js';
import { Transfer } from './pages/transfer.js';
import { Problem } from './ui.js';

const rank = { reader: 1, operator: 2, admin: 3 };

// pages are the navigation's entries, each with the least role whose key may read it.
const pages = [
  { path: 'overview', title: 'Overview', role: 'reader' },
  { path: 'find', title: 'Find', role: 'reader' },
  { path: 'pending', title: 'Holds and withdrawals', role: 'reader' },
  { path: 'deposits', title: 'Deposits', role: 'reader' },
  { path: 'payouts', title: 'Payouts', role: 'reader' },
  { path: 'webhooks', title: 'Webhooks', role: 'admin' },
  { path: 'reconciliations', title: 'Reconciliations', role: 'reader' },
  { path: 'approvals', title: 'Approvals', role: 'admin' },
];

function parseHash() {
  const h = window.location.hash.replace(/^#\/?/, '');
  const [pathPart, query = ''] = h.split('?');
  const parts = pathPart.split('/').map(decodeURIComponent);
  return { name: parts[0] || 'overview', arg: parts.slice(1).join('/'), query: new URLSearchParams(query) };
}

function useRoute() {
  const [route, setRoute] = useState(parseHash());
  useEffect(() => {
    const on = () => setRoute(parseHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

function SignIn({ onSignedIn }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    saveKey(key.trim());
    try {
      const o = await get('/v1/overview');
      onSignedIn(o.role);
    } catch (err) {
      forgetKey();
      setError(err);
    }
    setBusy(false);
  }
  return html`<main id="main" class="signin">
    <h1>Coffer</h1>
    <form onSubmit=${submit}>
      <label for="api-key">API key</label>
      <input id="api-key" type="password" autocomplete="off" required value=${key} onInput=${(e) => setKey(e.target.value)} />
      <p class="muted">Kept in this tab only (session storage) and sent to this server's API as a bearer token.</p>
      <button type="submit" disabled=${busy}>Sign in</button>
      <${Problem} error=${error} />
    </form>
  </main>`;
}

function Page({ route, role }) {
  const allowed = (need) => rank[role] >= rank[need];
  switch (route.name) {
    case 'overview': return html`<${Overview} />`;
    case 'find': return html`<${Find} initial=${route.query.get('q') || ''} key=${route.query.get('q') || ''} />`;
    case 'account': return html`<${Account} id=${route.arg} />`;
    case 'transfer': return html`<${Transfer} id=${route.arg} />`;
    case 'pending': return html`<${Pending} />`;
    case 'deposits': return html`<${Deposits} />`;
    case 'payouts': return html`<${Payouts} />`;
    case 'reconciliations': return html`<${Reconciliations} />`;
    case 'webhooks':
      if (!allowed('admin')) return html`<p>Webhook endpoints need an admin key.</p>`;
      return route.arg ? html`<${Webhook} id=${route.arg} />` : html`<${Webhooks} />`;
    case 'approvals':
      if (!allowed('admin')) return html`<p>Approvals need an admin key.</p>`;
      return html`<${Approvals} />`;
    default: return html`<p>There is no page ${route.name}.</p>`;
  }
}

function App() {
  const [role, setRole] = useState(null);
  const [checking, setChecking] = useState(!!savedKey());
  const route = useRoute();
  const main = useRef(null);
  // A key kept from before a reload is checked again: it may have been revoked.
  useEffect(() => {
    if (!savedKey()) return;
    get('/v1/overview').then((o) => setRole(o.role), () => forgetKey()).finally(() => setChecking(false));
  }, []);
  // A new page moves the focus to its heading, as a page load would for a screen reader.
  useEffect(() => {
    const h = main.current && main.current.querySelector('h1');
    if (h) {
      h.setAttribute('tabindex', '-1');
      h.focus({ preventScroll: true });
    }
  }, [route.name, route.arg]);
  if (checking) return html`<p role="status">Checking the key…</p>`;
  if (!role) return html`<${SignIn} onSignedIn=${setRole} />`;
  const visible = pages.filter((p) => rank[role] >= rank[p.role]);
  return html`<a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); main.current.focus(); }}>Skip to content</a>
    <header>
      <span class="brand">Coffer</span>
      <nav aria-label="Pages"><ul>
        ${visible.map((p) => html`<li><a href=${'#/' + p.path} aria-current=${route.name === p.path ? 'page' : undefined}>${p.title}</a></li>`)}
      </ul></nav>
      <span class="who">Signed in: ${role}</span>
      <button type="button" onClick=${() => { forgetKey(); setRole(null); }}>Sign out</button>
    </header>
    <main id="main" ref=${main} tabindex="-1"><${Page} route=${route} role=${role} /></main>`;
}

render(html`<${App} />`, document.getElementById('app'));

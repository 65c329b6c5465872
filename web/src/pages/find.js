import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, seg } from '../api.js';
import { AccountLink, fmtTime, Problem, TransferLink } from '../ui.js';

// lookups are the places a search term may name something, asked all at once; a not_found is
// no match, any other error is shown.
const lookups = [
  ['transfer', (q) => get('/v1/transfers/' + seg(q)).then((t) => [t])],
  ['reference', (q) => get('/v1/transfers', { reference: q, limit: 20, order: 'desc' }).then((p) => p.transfers)],
  ['account', (q) => get('/v1/accounts/' + seg(q)).then((a) => [a])],
  ['owner', (q) => get('/v1/owners/' + seg(q) + '/balances').then((b) => b.balances)],
  ['deposit', (q) => (/^0x[0-9a-fA-F]{64}$/.test(q) ? get('/v1/deposits', { tx_hash: q.toLowerCase(), limit: 20 }).then((p) => p.deposits) : Promise.resolve([]))],
];

export function Find({ initial }) {
  const [q, setQ] = useState(initial || '');
  const [results, setResults] = useState(null);
  const [errors, setErrors] = useState([]);
  const [busy, setBusy] = useState(false);
  // A link to #/find?q=... searches at once.
  useEffect(() => {
    if (initial) run(initial);
  }, [initial]);
  function search(e) {
    e.preventDefault();
    run(q);
  }
  async function run(text) {
    const term = text.trim();
    if (!term) return;
    history.replaceState(null, '', '#/find?q=' + encodeURIComponent(term));
    setBusy(true);
    const got = await Promise.allSettled(lookups.map(([, f]) => f(term)));
    const out = {};
    const errs = [];
    got.forEach((r, i) => {
      const name = lookups[i][0];
      if (r.status === 'fulfilled') out[name] = r.value;
      else if (!(r.reason instanceof ApiError && (r.reason.code === 'not_found' || r.reason.code === 'invalid' || r.reason.code === 'unavailable'))) errs.push(r.reason);
    });
    setResults(out);
    setErrors(errs);
    setBusy(false);
  }
  const none = results && Object.values(results).every((v) => !v || v.length === 0);
  return html`<section aria-labelledby="find-h">
    <h1 id="find-h">Find</h1>
    <form class="search" onSubmit=${search} role="search">
      <label for="find-q">Owner, account id, transfer id, order id or transaction hash</label>
      <div class="row">
        <input id="find-q" name="q" value=${q} onInput=${(e) => setQ(e.target.value)} autocomplete="off" spellcheck="false" />
        <button type="submit" disabled=${busy}>Find</button>
      </div>
    </form>
    ${errors.map((e) => html`<${Problem} error=${e} />`)}
    <div aria-live="polite">
      ${none && html`<p>Nothing matches <strong>${q}</strong>.</p>`}
      ${results && results.owner && results.owner.length > 0 && html`<table>
        <caption>Wallets of owner ${q}</caption>
        <thead><tr><th scope="col">Account</th><th scope="col">Asset</th><th scope="col" class="num">Balance</th>
          <th scope="col" class="num">Available</th><th scope="col" class="num">Held</th><th scope="col" class="num">Incoming</th></tr></thead>
        <tbody>${results.owner.map((b) => html`<tr><td><${AccountLink} id=${b.account_id} /></td><td>${b.asset}</td>
          <td class="num">${b.balance}</td><td class="num">${b.available}</td><td class="num">${b.held}</td><td class="num">${b.incoming}</td></tr>`)}</tbody>
      </table>`}
      ${results && results.account && html`<p>Account <${AccountLink} id=${results.account[0].id} />
        (${results.account[0].kind}, ${results.account[0].asset}): balance ${results.account[0].balance}.</p>`}
      ${results && (results.transfer || (results.reference && results.reference.length > 0)) && html`<${TransferTable}
        caption="Transfers" transfers=${[...(results.transfer || []), ...(results.reference || []).filter((t) => !results.transfer || t.id !== results.transfer[0].id)]} />`}
      ${results && results.deposit && results.deposit.length > 0 && html`<${DepositTable} caption="Chain deposits" deposits=${results.deposit} />`}
    </div>
  </section>`;
}

export function TransferTable({ caption, transfers, now }) {
  return html`<table>
    <caption>${caption}</caption>
    <thead><tr><th scope="col">Transfer</th><th scope="col">Type</th><th scope="col">State</th><th scope="col" class="num">Amount</th>
      <th scope="col">From</th><th scope="col">To</th><th scope="col">Reference</th><th scope="col">Created</th></tr></thead>
    <tbody>${transfers.length === 0 ? html`<tr><td colspan="8" class="muted">None.</td></tr>` : transfers.map((t) => html`<tr>
      <td><${TransferLink} id=${t.id} /></td><td>${t.type}</td><td><span class=${'state ' + t.state}>${t.state}</span></td>
      <td class="num">${t.amount} ${t.asset}</td><td><${AccountLink} id=${t.debit_account_id} /></td>
      <td><${AccountLink} id=${t.credit_account_id} /></td><td>${t.reference || ''}</td><td>${fmtTime(t.created_at)}</td></tr>`)}</tbody>
  </table>`;
}

export function DepositTable({ caption, deposits }) {
  return html`<table>
    <caption>${caption}</caption>
    <thead><tr><th scope="col">Chain</th><th scope="col">Status</th><th scope="col" class="num">Amount</th><th scope="col">Owner</th>
      <th scope="col" class="num">Confirmations</th><th scope="col">Transaction</th><th scope="col">Seen</th></tr></thead>
    <tbody>${deposits.length === 0 ? html`<tr><td colspan="7" class="muted">None.</td></tr>` : deposits.map((d) => html`<tr>
      <td>${d.chain}</td><td><span class=${'state ' + d.status}>${d.status}</span></td><td class="num">${d.amount} ${d.asset}</td>
      <td><a href=${'#/find?q=' + encodeURIComponent(d.owner)}>${d.owner}</a></td>
      <td class="num">${d.confirmations} of ${d.confirmations_required}</td>
      <td class="hash"><a href=${'#/find?q=' + d.tx_hash}>${d.tx_hash.slice(0, 10)}…${d.tx_hash.slice(-6)}</a></td>
      <td>${fmtTime(d.created_at)}</td></tr>`)}</tbody>
  </table>`;
}

import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get, post, seg } from '../api.js';
import { AccountLink, fmtTime, Loading, Paged, Problem, timeLeft, TransferLink, useLoad } from '../ui.js';
import { DepositTable } from './find.js';

// useNow ticks every second, for the time left of pending transfers.
function useNow() {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}

function Select({ id, label, value, options, onChange }) {
  return html`<div class="filter"><label for=${id}>${label}</label>
    <select id=${id} value=${value} onChange=${(e) => onChange(e.target.value)}>
      ${options.map(([v, text]) => html`<option value=${v}>${text}</option>`)}
    </select></div>`;
}

// Pending lists the holds and withdrawals still pending that will expire, soonest first, a
// page at a time, with the time each has left before the expiry duty voids it.
export function Pending() {
  const [type, setType] = useState('');
  const now = useNow();
  return html`<section aria-labelledby="pending-h">
    <h1 id="pending-h">Holds and withdrawals pending</h1>
    <div class="filters">
      <${Select} id="pending-type" label="Type" value=${type} onChange=${setType}
        options=${[['', 'Any'], ['hold', 'Holds'], ['withdrawal', 'Withdrawals']]} />
    </div>
    <${Paged} label="pending transfers" deps=${[type]}
      fetchPage=${(cursor) => get('/v1/pending', { type, limit: 50, cursor })}
      items=${(p) => p.transfers}
      render=${(ts) => html`<table>
        <caption>Pending, soonest to expire first</caption>
        <thead><tr><th scope="col">Transfer</th><th scope="col">Type</th><th scope="col" class="num">Amount</th>
          <th scope="col">Account</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Time left</th></tr></thead>
        <tbody>${ts.length === 0 ? html`<tr><td colspan="7" class="muted">Nothing pending expires.</td></tr>` : ts.map((t) => html`<tr>
          <td><${TransferLink} id=${t.id} /></td><td>${t.type}</td>
          <td class="num">${t.amount} ${t.asset}</td><td><${AccountLink} id=${t.debit_account_id} /></td>
          <td>${fmtTime(t.created_at)}</td><td>${fmtTime(t.expires_at)}</td><td>${timeLeft(t.expires_at, now)}</td></tr>`)}</tbody>
      </table>`} />
    <p class="muted">A pending transfer without a timeout is not listed here; find it by its id or account.</p>
  </section>`;
}

export function Deposits() {
  const [status, setStatus] = useState('');
  return html`<section aria-labelledby="deposits-h">
    <h1 id="deposits-h">Chain deposits</h1>
    <div class="filters"><${Select} id="deposit-status" label="Status" value=${status} onChange=${setStatus}
      options=${[['', 'Any'], ['pending', 'Pending'], ['confirmed', 'Confirmed'], ['orphaned', 'Orphaned']]} /></div>
    <${Paged} label="deposits" deps=${[status]}
      fetchPage=${(cursor) => get('/v1/deposits', { status, limit: 50, cursor })}
      items=${(p) => p.deposits}
      render=${(ds) => html`<${DepositTable} caption="Deposits, newest first" deposits=${ds} />`} />
  </section>`;
}

// payoutStates are a payout's states, the waiting ones first.
export const payoutWaiting = ['requested', 'queued', 'waiting_funds', 'signed', 'broadcast'];

// Payouts lists the on-chain payouts by state, newest first, with their confirmations; on a
// server without payouts it says so.
export function Payouts() {
  const [state, setState] = useState('');
  const probe = useLoad(() => get('/v1/payouts', { limit: 1 }), []);
  if (probe.error && probe.error.code === 'not_found') {
    return html`<section aria-labelledby="payouts-h"><h1 id="payouts-h">Payouts</h1>
      <p>This server has no payouts API: payouts appear here once it has.</p></section>`;
  }
  return html`<section aria-labelledby="payouts-h">
    <h1 id="payouts-h">Payouts</h1>
    <div class="filters"><${Select} id="payout-state" label="State" value=${state} onChange=${setState}
      options=${[['', 'Any'], ...[...payoutWaiting, 'confirmed', 'failed', 'cancelled'].map((x) => [x, x.replace('_', ' ')])]} /></div>
    <${Paged} label="payouts" deps=${[state]}
      fetchPage=${(cursor) => get('/v1/payouts', { state, limit: 50, cursor })}
      items=${(p) => p.payouts}
      render=${(ps) => html`<table>
        <caption>Payouts, newest first</caption>
        <thead><tr><th scope="col">Payout</th><th scope="col">State</th><th scope="col" class="num">Amount</th><th scope="col">Owner</th>
          <th scope="col">Chain</th><th scope="col">To</th><th scope="col" class="num">Confirmations</th><th scope="col">Transaction</th><th scope="col">Requested</th></tr></thead>
        <tbody>${ps.length === 0 ? html`<tr><td colspan="9" class="muted">None.</td></tr>` : ps.map((p) => html`<tr>
          <td>${p.id}</td><td><span class=${'state ' + p.state}>${p.state.replace('_', ' ')}</span>${p.reason ? html`<br /><span class="muted">${p.reason}</span>` : ''}</td>
          <td class="num">${p.amount} ${p.asset}</td><td><a href=${'#/find?q=' + encodeURIComponent(p.owner)}>${p.owner}</a></td>
          <td>${p.chain}</td><td class="hash">${p.to}</td><td class="num">${p.confirmations} of ${p.confirmations_required}</td>
          <td class="hash">${p.tx_hash ? p.tx_hash.slice(0, 10) + '…' + p.tx_hash.slice(-6) : '–'}</td><td>${fmtTime(p.created_at)}</td></tr>`)}</tbody>
      </table>`} />
  </section>`;
}

export function Webhooks() {
  return html`<section aria-labelledby="webhooks-h">
    <h1 id="webhooks-h">Webhook endpoints</h1>
    <${Paged} label="webhook endpoints" deps=${[]}
      fetchPage=${(cursor) => get('/v1/webhooks', { limit: 50, cursor })}
      items=${(p) => p.webhooks}
      render=${(ws) => html`<table>
        <caption>Endpoints</caption>
        <thead><tr><th scope="col">Endpoint</th><th scope="col">URL</th><th scope="col">Status</th><th scope="col" class="num">Failures</th>
          <th scope="col">Events</th></tr></thead>
        <tbody>${ws.length === 0 ? html`<tr><td colspan="5" class="muted">No endpoints.</td></tr>` : ws.map((w) => html`<tr>
          <td><a href=${'#/webhooks/' + encodeURIComponent(w.id)}>${w.id}</a></td><td class="url">${w.url}</td>
          <td><span class=${'state ' + w.status}>${w.status}</span></td><td class="num">${w.failures}</td>
          <td>${w.events.length ? w.events.join(', ') : 'all'}</td></tr>`)}</tbody>
      </table>`} />
  </section>`;
}

export function Webhook({ id }) {
  const w = useLoad(() => get('/v1/webhooks/' + seg(id)), [id]);
  const [note, setNote] = useState(null);
  async function redeliver(eventID, reload) {
    setNote({ busy: true, text: 'Redelivering ' + eventID + '…' });
    try {
      const a = await post('/v1/webhooks/' + seg(id) + '/deliveries/' + seg(eventID) + '/redeliver');
      setNote({ text: `Redelivered ${eventID}: ${a.outcome}${a.status ? ' (HTTP ' + a.status + ')' : ''}${a.error ? ', ' + a.error : ''}.` });
      reload();
    } catch (e) {
      setNote({ error: e });
    }
  }
  return html`<section aria-labelledby="webhook-h">
    <h1 id="webhook-h">Webhook endpoint <span class="id">${id}</span></h1>
    <${Problem} error=${w.error} />
    ${w.data && html`<p><span class="url">${w.data.url}</span> · <span class=${'state ' + w.data.status}>${w.data.status}</span>
      ${w.data.dead_reason ? ' · ' + w.data.dead_reason : ''}</p>`}
    <p role="status" aria-live="polite">${note && (note.error ? html`<${Problem} error=${note.error} />` : note.text)}</p>
    <${Paged} label="deliveries" deps=${[id]}
      fetchPage=${(cursor) => get('/v1/webhooks/' + seg(id) + '/deliveries', { limit: 50, cursor })}
      items=${(p) => p.attempts}
      render=${(as, reload) => html`<table>
        <caption>Deliveries, newest first</caption>
        <thead><tr><th scope="col">Event</th><th scope="col" class="num">Attempt</th><th scope="col">Time</th><th scope="col">Outcome</th>
          <th scope="col" class="num">HTTP</th><th scope="col" class="num">Latency</th><th scope="col">Error</th><th scope="col"><span class="sr">Action</span></th></tr></thead>
        <tbody>${as.length === 0 ? html`<tr><td colspan="8" class="muted">No deliveries yet.</td></tr>` : as.map((a) => html`<tr>
          <td>${a.event_id}</td><td class="num">${a.attempt}${a.redelivery ? ' (redelivery)' : ''}</td><td>${fmtTime(a.at)}</td>
          <td><span class=${'state ' + a.outcome}>${a.outcome}</span></td><td class="num">${a.status || '–'}</td>
          <td class="num">${a.latency_ms.toFixed(0)} ms</td><td>${a.error}</td>
          <td><button type="button" disabled=${note && note.busy} onClick=${() => redeliver(a.event_id, reload)}
            aria-label=${'Redeliver ' + a.event_id}>Redeliver</button></td></tr>`)}</tbody>
      </table>`} />
  </section>`;
}

export function Reconciliations() {
  const [status, setStatus] = useState('');
  return html`<section aria-labelledby="recon-h">
    <h1 id="recon-h">Reconciliations</h1>
    <div class="filters"><${Select} id="recon-status" label="Status" value=${status} onChange=${setStatus}
      options=${[['', 'Any'], ['mismatched', 'Mismatched (exceptions)'], ['within_tolerance', 'Within tolerance'], ['matched', 'Matched']]} /></div>
    <${Paged} label="reconciliations" deps=${[status]}
      fetchPage=${(cursor) => get('/v1/reconciliations', { status, limit: 50, cursor })}
      items=${(p) => p.reconciliations}
      render=${(rs) => html`<table>
        <caption>Reconciliations</caption>
        <thead><tr><th scope="col">Id</th><th scope="col">Account</th><th scope="col">Period end</th><th scope="col" class="num">Ledger</th>
          <th scope="col" class="num">External</th><th scope="col" class="num">Difference</th><th scope="col">Status</th></tr></thead>
        <tbody>${rs.length === 0 ? html`<tr><td colspan="7" class="muted">None.</td></tr>` : rs.map((r) => html`<tr>
          <td>${r.id}</td><td><${AccountLink} id=${r.account_id} /></td><td>${fmtTime(r.period_end)}</td>
          <td class="num">${r.ledger_balance}</td><td class="num">${r.external_balance}</td><td class="num">${r.difference}</td>
          <td><span class=${'state ' + r.status}>${r.status}</span></td></tr>`)}</tbody>
      </table>`} />
    <h2>Statement imports and their exceptions</h2>
    <${StatementExceptions} />
  </section>`;
}

// StatementExceptions shows one statement import, by its id, and its exceptions: the lines
// and transfers the matching left unmatched. They are resolved with coffer resolve-exception.
function StatementExceptions() {
  const [input, setInput] = useState('');
  const [id, setID] = useState('');
  const [status, setStatus] = useState('open');
  const imp = useLoad(() => (id ? get('/v1/statement-imports/' + seg(id)) : Promise.resolve(null)), [id]);
  const i = imp.data;
  return html`<form class="search" onSubmit=${(e) => { e.preventDefault(); setID(input.trim()); }}>
      <label for="import-id">Statement import id</label>
      <div class="row"><input id="import-id" value=${input} onInput=${(e) => setInput(e.target.value)} autocomplete="off" spellcheck="false" />
        <button type="submit">Show</button></div>
    </form>
    <${Problem} error=${imp.error} />
    ${i && html`<p>Import <strong>${i.id}</strong> of <${AccountLink} id=${i.account_id} />: ${i.status}, ${i.lines_read} of ${i.lines} lines read,
      ${i.matched} matched, ${i.exceptions} exceptions${i.error ? ' · ' + i.error : ''}.</p>
      <div class="filters"><${Select} id="exception-status" label="Exceptions" value=${status} onChange=${setStatus}
        options=${[['open', 'Open'], ['resolved', 'Resolved'], ['', 'Any']]} /></div>
      <${Paged} label="exceptions" deps=${[id, status]}
        fetchPage=${(cursor) => get('/v1/statement-imports/' + seg(id) + '/exceptions', { status, limit: 50, cursor })}
        items=${(p) => p.exceptions}
        render=${(xs) => html`<table>
          <caption>Exceptions of ${i.id}</caption>
          <thead><tr><th scope="col" class="num">Seq</th><th scope="col">Kind</th><th scope="col">Line or transfer</th>
            <th scope="col" class="num">Amount</th><th scope="col">Direction</th><th scope="col">Date</th><th scope="col">Reason</th><th scope="col">Status</th></tr></thead>
          <tbody>${xs.length === 0 ? html`<tr><td colspan="8" class="muted">None.</td></tr>` : xs.map((x) => html`<tr>
            <td class="num">${x.seq}</td><td>${x.kind}</td>
            <td>${x.kind === 'transfer' && x.transfer_id ? html`<${TransferLink} id=${x.transfer_id} />` : 'line ' + (x.line ?? '')}</td>
            <td class="num">${x.amount}</td><td>${x.direction}</td><td>${x.date || ''}</td><td>${x.reason}</td>
            <td><span class=${'state ' + (x.status === 'open' ? 'mismatched' : 'matched')}>${x.status}</span>${x.resolution ? ' · ' + x.resolution : ''}</td></tr>`)}</tbody>
        </table>`} />`}
    <p class="muted">Resolve one with <code>coffer resolve-exception IMPORT_ID SEQ</code>.</p>`;
}

// Approvals lists the requests for manual money moves (adjustments) and lets an admin key
// other than the one that asked approve or reject them. On a server without approvals it says
// so.
export function Approvals() {
  const [status, setStatus] = useState('waiting');
  const [note, setNote] = useState(null);
  const [reasons, setReasons] = useState({});
  const probe = useLoad(() => get('/v1/approvals', { limit: 1 }), []);
  if (probe.error && probe.error.code === 'not_found') {
    return html`<section aria-labelledby="approvals-h"><h1 id="approvals-h">Approvals</h1>
      <p>This server has no approvals API: adjustments waiting for a second admin appear here once it has.</p></section>`;
  }
  async function decide(a, verb, reload) {
    setNote({ busy: true, text: (verb === 'approve' ? 'Approving ' : 'Rejecting ') + a.id + '…' });
    try {
      const body = verb === 'approve' ? {} : { reason: (reasons[a.id] || '').trim() };
      const out = await post('/v1/approvals/' + seg(a.id) + '/' + verb, body);
      setNote({ text: `${out.id}: ${out.status}${out.error ? ', but the ledger refused it: ' + out.error.message : ''}.` });
      reload();
    } catch (e) {
      setNote({ error: e });
    }
  }
  return html`<section aria-labelledby="approvals-h">
    <h1 id="approvals-h">Approvals</h1>
    <div class="filters"><${Select} id="approval-status" label="Status" value=${status} onChange=${setStatus}
      options=${[['waiting', 'Waiting'], ['approved', 'Approved'], ['rejected', 'Rejected'], ['', 'Any']]} /></div>
    <div role="status" aria-live="polite">${note && (note.error ? html`<${Problem} error=${note.error} />` : note.text)}</div>
    <${Paged} label="approvals" deps=${[status]}
      fetchPage=${(cursor) => get('/v1/approvals', { status, limit: 50, cursor })}
      items=${(p) => p.approvals}
      render=${(as, reload) => html`<table>
        <caption>Requests for approval</caption>
        <thead><tr><th scope="col">Id</th><th scope="col">Move</th><th scope="col">Asked by</th><th scope="col">Asked</th>
          <th scope="col">Status</th><th scope="col">Decision</th></tr></thead>
        <tbody>${as.length === 0 ? html`<tr><td colspan="6" class="muted">None.</td></tr>` : as.map((a) => html`<tr>
          <td>${a.id}</td><td><${Move} a=${a} /></td><td>${a.requested_by}</td><td>${fmtTime(a.requested_at)}</td>
          <td><span class=${'state ' + a.status}>${a.status}</span>${a.reason ? html`<br /><span class="muted">${a.reason}</span>` : ''}</td>
          <td>${a.status === 'waiting' ? html`<div class="decide">
              <button type="button" disabled=${note && note.busy} onClick=${() => decide(a, 'approve', reload)}
                aria-label=${'Approve ' + a.id}>Approve</button>
              <label class="sr" for=${'reason-' + a.id}>Reason to reject ${a.id}</label>
              <input id=${'reason-' + a.id} placeholder="reason to reject" value=${reasons[a.id] || ''}
                onInput=${(e) => setReasons({ ...reasons, [a.id]: e.target.value })} />
              <button type="button" class="secondary" disabled=${(note && note.busy) || !(reasons[a.id] || '').trim()}
                onClick=${() => decide(a, 'reject', reload)} aria-label=${'Reject ' + a.id}>Reject</button>
            </div>` : a.decided_by ? `${a.decided_by}, ${fmtTime(a.decided_at)}` : ''}
            ${a.transfer ? html`<br /><${TransferLink} id=${a.transfer.id} />` : ''}</td></tr>`)}</tbody>
      </table>`} />
  </section>`;
}

// Move says what an approval asks in words: for an adjustment, which account, which way and
// how much.
function Move({ a }) {
  const r = a.request || {};
  if (a.kind === 'adjustment' && r.account_id) {
    return html`${r.direction === 'debit' ? 'take ' : 'add '}${r.amount} ${r.direction === 'debit' ? 'from' : 'to'}
      <${AccountLink} id=${r.account_id} />${r.reason ? html`<br /><span class="muted">${r.reason}</span>` : ''}`;
  }
  return html`<code>${a.kind}</code>`;
}

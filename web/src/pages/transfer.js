import { html } from 'htm/preact';
import { get, seg } from '../api.js';
import { AccountLink, Field, fmtTime, Loading, Problem, TransferLink, useLoad } from '../ui.js';

// Transfer shows one transfer and its life: created (pending or posted at once), then, for a
// pending one, posted, voided or expired.
export function Transfer({ id }) {
  const t = useLoad(() => get('/v1/transfers/' + seg(id)), [id]);
  const op = useLoad(() => get('/v1/operations/' + seg(id)).catch(() => null), [id]);
  const x = t.data;
  return html`<section aria-labelledby="transfer-h">
    <h1 id="transfer-h">Transfer <span class="id">${id}</span></h1>
    <${Problem} error=${t.error} />
    <${Loading} when=${t.loading} />
    ${x && html`<dl class="fields">
        <${Field} label="Type">${x.type}<//>
        <${Field} label="State"><span class=${'state ' + x.state}>${x.state}</span><//>
        <${Field} label="Amount">${x.amount} ${x.asset}<//>
        <${Field} label="Posted">${x.posted_amount} ${x.asset}<//>
        ${x.type === 'payment' && html`<${Field} label="Refunded">${x.refunded} ${x.asset}<//>`}
        <${Field} label="From"><${AccountLink} id=${x.debit_account_id} /><//>
        <${Field} label="To"><${AccountLink} id=${x.credit_account_id} /><//>
        ${x.reference && html`<${Field} label="Reference">${x.reference}<//>`}
        ${x.group && html`<${Field} label="Linked group">${x.group}<//>`}
        ${x.expires_at && html`<${Field} label="Expires">${fmtTime(x.expires_at)}<//>`}
      </dl>
      ${x.metadata && html`<table><caption>Metadata</caption><tbody>
        ${Object.entries(x.metadata).map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)}</tbody></table>`}
      <h2>Life</h2>
      <ol class="life">
        <li><strong>created</strong> ${fmtTime(x.created_at)}: ${x.pending ? 'pending, ' + x.amount + ' ' + x.asset + ' held' : 'posted at once'}</li>
        ${x.pending && x.resolved_at && html`<li><strong>${x.state}</strong> ${fmtTime(x.resolved_at)}${x.state === 'posted' ? ': ' + x.posted_amount + ' ' + x.asset + ' posted' : ''}</li>`}
        ${x.pending && !x.resolved_at && html`<li class="muted">still pending${x.expires_at ? ', expires ' + fmtTime(x.expires_at) : ''}</li>`}
      </ol>
      <p class="muted">Its events: <code>transfer.created</code>${x.pending && x.resolved_at ? html` then <code>transfer.${x.state}</code>` : ''},
        with the transfer as data. ${x.type === 'payment' ? html`A payment's fee is <${TransferLink} id=${x.id + '/fee'} />.` : ''}</p>
      ${op.data && html`<p>Operation <code>${op.data.id}</code>: ${op.data.status}${op.data.kind ? ' (' + op.data.kind + ')' : ''}.</p>`}`}
  </section>`;
}

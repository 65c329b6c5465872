import { html } from 'htm/preact';
import { useMemo, useState } from 'preact/hooks';
import { get, seg } from '../api.js';
import { Chart } from '../chart.js';
import { Field, fmtTime, Loading, Paged, Problem, TransferLink, useLoad } from '../ui.js';

export function Account({ id }) {
  const a = useLoad(() => get('/v1/accounts/' + seg(id)), [id]);
  const acc = a.data;
  return html`<section aria-labelledby="account-h">
    <h1 id="account-h">Account <span class="id">${id}</span></h1>
    <${Problem} error=${a.error} />
    <${Loading} when=${a.loading} />
    ${acc && html`<dl class="tiles" aria-label="Balances">
        <div class="tile"><dt>Balance</dt><dd>${acc.balance} ${acc.asset}</dd></div>
        <div class="tile"><dt>Available</dt><dd>${acc.available} ${acc.asset}</dd></div>
        <div class="tile"><dt>Held</dt><dd>${acc.held} ${acc.asset}</dd></div>
        <div class="tile"><dt>Incoming</dt><dd>${acc.incoming} ${acc.asset}</dd></div>
      </dl>
      <dl class="fields">
        <${Field} label="Owner"><a href=${'#/find?q=' + encodeURIComponent(acc.owner)}>${acc.owner}</a><//>
        <${Field} label="Kind">${acc.kind}<//>
        <${Field} label="Entries">${acc.seq}<//>
        <${Field} label="Overdraft">${acc.overdraft_unlimited ? 'unlimited' : acc.overdraft_limit}<//>
        <${Field} label="Locked">${acc.locked_debits || acc.locked_credits
          ? [acc.locked_debits && 'debits', acc.locked_credits && 'credits'].filter(Boolean).join(' and ') + (acc.lock_reason ? ': ' + acc.lock_reason : '')
          : 'no'}<//>
        <${Field} label="Created">${fmtTime(acc.created_at)}<//>
      </dl>
      <${Entries} id=${id} asset=${acc.asset} />`}
  </section>`;
}

function Entries({ id, asset }) {
  return html`<${Paged} label="entries" deps=${[id]}
    fetchPage=${(cursor) => get('/v1/accounts/' + seg(id) + '/entries', { order: 'desc', limit: 50, cursor })}
    items=${(p) => p.entries}
    render=${(entries) => html`
      <${BalanceChart} entries=${entries} asset=${asset} />
      <table class="entries">
        <caption>Entries, newest first</caption>
        <thead><tr><th scope="col" class="num">Seq</th><th scope="col">Time</th><th scope="col">Transfer</th><th scope="col">Type</th>
          <th scope="col">Phase</th><th scope="col" class="num">Amount</th><th scope="col" class="num">Balance before</th>
          <th scope="col" class="num">Balance after</th><th scope="col" class="num">Available after</th></tr></thead>
        <tbody>${entries.length === 0 ? html`<tr><td colspan="9" class="muted">No entries.</td></tr>` : entries.map((e) => html`<tr>
          <td class="num">${e.seq}</td><td>${fmtTime(e.created_at)}</td><td><${TransferLink} id=${e.transfer_id} /></td>
          <td>${e.type}</td><td>${e.phase}</td>
          <td class=${'num ' + e.side}>${e.side === 'debit' ? '−' : '+'}${e.amount}</td>
          <td class="num">${e.balance_before}</td><td class="num">${e.balance_after}</td><td class="num">${e.available_after}</td></tr>`)}</tbody>
      </table>`} />`;
}

// BalanceChart draws the balance after each entry of the page shown. The figures are the
// API's exact decimal strings; they become numbers only to place points on the drawing.
function BalanceChart({ entries, asset }) {
  const data = useMemo(() => {
    const asc = [...entries].reverse();
    return {
      xs: asc.map((e) => Date.parse(e.created_at) / 1000),
      series: [{ label: 'balance ' + asset, values: asc.map((e) => Number(e.balance_after)) }],
    };
  }, [entries]);
  if (entries.length < 2) return null;
  const last = entries[0];
  return html`<${Chart} title="Balance over time (entries on this page)" xs=${data.xs} series=${data.series} unit=${asset} step=${true}
    summary=${`Balance after each of ${entries.length} entries, from ${entries[entries.length - 1].balance_after} to ${last.balance_after} ${asset}.`} />`;
}

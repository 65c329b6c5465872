import { html } from 'htm/preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { get } from '../api.js';
import { payoutWaiting } from './lists.js';
import { Chart } from '../chart.js';
import { fmtTime, Loading, Problem, useLoad } from '../ui.js';

// refreshEvery is how often the overview asks again: its figures are "now".
const refreshEvery = 10000;

const perSecond = (n, seconds) => (n / seconds).toFixed(1);

export function Overview() {
  const o = useLoad(() => get('/v1/overview'), []);
  useEffect(() => {
    const t = setInterval(o.reload, refreshEvery);
    return () => clearInterval(t);
  }, []);
  const exceptions = useLoad(() => get('/v1/reconciliations', { status: 'mismatched', limit: 100 }), []);
  // Payouts waiting, counted a page of up to 100 per waiting state: "100+" past that.
  const payouts = useLoad(() => Promise.all(payoutWaiting.map((state) => get('/v1/payouts', { state, limit: 100 })))
    .then((ps) => ps.reduce((n, p) => n + p.payouts.length, 0) + (ps.some((p) => p.has_more) ? '+' : ''))
    .catch((e) => (e.code === 'not_found' ? 'not in this version' : Promise.reject(e))), []);
  const data = o.data;
  return html`<section aria-labelledby="overview-h">
    <h1 id="overview-h">Overview</h1>
    <${Problem} error=${o.error} />
    <${Loading} when=${o.loading && !data} />
    ${data && html`
      <${Now} o=${data} exceptions=${exceptions} payouts=${payouts} />
      <${Totals} o=${data} />
      <${Charts} o=${data} />
      <${Lags} o=${data} />
      <p class="muted">As of ${fmtTime(data.at)}; refreshed every ${refreshEvery / 1000} s. Throughput and latency are
        those of the process that answered.</p>`}
  </section>`;
}

function Now({ o, exceptions, payouts }) {
  const now = o.now;
  const mismatched = exceptions.data ? exceptions.data.reconciliations.length : 0;
  const mism = exceptions.data ? mismatched + (exceptions.data.has_more ? '+' : '') : '…';
  const verify = o.verify
    ? (o.verify.violations === 0 ? 'clean' : o.verify.violations + ' violations') + ' at ' + fmtTime(o.verify.at)
    : 'not run since this process started';
  return html`<dl class="tiles" aria-label="Now">
    <div class="tile"><dt>Requests</dt><dd>${perSecond(now.requests, 60)}/s</dd></div>
    <div class="tile"><dt>Commands applied</dt><dd>${perSecond(now.applied, 60)}/s</dd></div>
    <div class="tile"><dt>Latency p50 / p99</dt><dd>${now.latency_p50_ms.toFixed(1)} / ${now.latency_p99_ms.toFixed(1)} ms</dd></div>
    <div class="tile"><dt>Write queue</dt><dd>${o.queued}</dd></div>
    <div class="tile"><dt>Errors (5xx, last minute)</dt><dd>${now.errors}</dd></div>
    <div class=${'tile' + (mismatched > 0 ? ' warn' : '')}>
      <dt><a href="#/reconciliations">Open exceptions</a></dt><dd>${mism}</dd></div>
    <div class="tile"><dt><a href="#/payouts">Payouts waiting</a></dt>
      <dd>${payouts.error ? payouts.error.code : payouts.data ?? '…'}</dd></div>
    <div class=${'tile' + (o.verify && o.verify.violations ? ' bad' : '')}><dt>Integrity check</dt><dd>${verify}</dd></div>
  </dl>`;
}

function Totals({ o }) {
  return html`<table>
    <caption>Balances by asset and account kind${o.totals_complete ? '' : ` (first ${o.accounts_summed} accounts only)`}</caption>
    <thead><tr><th scope="col">Asset</th><th scope="col" class="num">Wallets</th><th scope="col" class="num">Merchants</th>
      <th scope="col" class="num">System</th><th scope="col" class="num">Sum</th><th scope="col" class="num">Accounts</th></tr></thead>
    <tbody>${o.assets.map((a) => html`<tr>
      <th scope="row">${a.code}</th><td class="num">${a.wallets}</td><td class="num">${a.merchants}</td>
      <td class="num">${a.system}</td>
      <td class=${'num ' + (/^-?0(\.0*)?$/.test(a.sum) ? 'ok' : 'bad')}>${a.sum}${/^-?0(\.0*)?$/.test(a.sum) ? ' ✓' : ' ✗'}</td>
      <td class="num">${a.accounts}</td></tr>`)}
    </tbody>
  </table>`;
}

function Charts({ o }) {
  const { xs, throughput, latency } = useMemo(() => {
    const xs = o.series.map((s) => Date.parse(s.start) / 1000);
    const sec = o.sample_seconds;
    return {
      xs,
      throughput: [
        { label: 'requests/s', values: o.series.map((s) => s.requests / sec) },
        { label: 'applied/s', values: o.series.map((s) => s.applied / sec) },
      ],
      latency: [
        { label: 'p50 ms', values: o.series.map((s) => (s.requests ? s.latency_p50_ms : null)) },
        { label: 'p99 ms', values: o.series.map((s) => (s.requests ? s.latency_p99_ms : null)) },
      ],
    };
  }, [o]);
  const total = o.series.reduce((n, s) => n + s.requests, 0);
  return html`<div class="charts">
    <${Chart} title="Throughput, last hour" xs=${xs} series=${throughput} unit="per second"
      summary=${`Requests and commands applied per second over the last hour: ${total} requests in all.`} />
    <${Chart} title="Latency, last hour" xs=${xs} series=${latency} unit="ms"
      summary=${`Median and 99th percentile request time over the last hour; now ${o.now.latency_p50_ms} and ${o.now.latency_p99_ms} ms.`} />
  </div>`;
}

function Lags({ o }) {
  return html`<div class="two">
    <table>
      <caption>Event relay: sinks</caption>
      <thead><tr><th scope="col">Sink</th><th scope="col" class="num">Behind</th><th scope="col" class="num">Lag</th></tr></thead>
      <tbody>${o.sinks.length === 0 ? html`<tr><td colspan="3" class="muted">No sinks or webhooks.</td></tr>`
        : o.sinks.map((s) => html`<tr class=${s.stopped ? 'bad' : ''}><td>${s.name}${s.stopped ? ' (stopped)' : ''}</td>
          <td class="num">${s.behind}</td><td class="num">${s.lag_seconds.toFixed(1)} s</td></tr>`)}</tbody>
    </table>
    <table>
      <caption>Chains</caption>
      <thead><tr><th scope="col">Chain</th><th scope="col" class="num">Head</th><th scope="col" class="num">Lag</th><th scope="col">Watcher</th></tr></thead>
      <tbody>${o.chains.length === 0 ? html`<tr><td colspan="4" class="muted">No chains watched.</td></tr>`
        : o.chains.map((c) => html`<tr><td>${c.name}</td><td class="num">${c.head ?? '–'}</td>
          <td class="num">${c.lag ?? '–'} blocks</td><td>${c.running ? 'running' : 'not running'}</td></tr>`)}</tbody>
    </table>
  </div>`;
}

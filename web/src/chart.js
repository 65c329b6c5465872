// Chart draws a time series with uPlot. The drawing is an image to the screen reader, labelled
// with a sentence that says what it shows; the figures themselves are in the page's text.
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

const colours = ['#1f5fbf', '#b3401a', '#2e7d32', '#6a3d9a'];

// xs are Unix seconds; series are [{label, values}]; summary describes the chart in words.
export function Chart({ title, xs, series, summary, unit, step }) {
  const box = useRef(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const width = Math.max(300, Math.min(el.clientWidth || 600, 900));
    const opts = {
      width,
      height: 200,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [{}, { label: unit, size: 60 }],
      series: [{}, ...series.map((s, i) => ({
        label: s.label,
        stroke: colours[i % colours.length],
        width: 2,
        paths: step ? uPlot.paths.stepped({ align: 1 }) : undefined,
      }))],
    };
    const plot = new uPlot(opts, [xs, ...series.map((s) => s.values)], el);
    return () => plot.destroy();
  }, [xs, series]);
  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    <div ref=${box} role="img" aria-label=${summary}></div>
  </figure>`;
}

// uPlot panels over /api/charts: one chart per panel on a shared time axis and a
// shared crosshair, signals as shaded bands coloured by severity, the agent's
// decisions as markers that open the decision's page.
/* global uPlot */

export const SEVERITY_COLOUR = { low: '#4c8bf5', medium: '#f5a623', high: '#e8590c', critical: '#d0021b', none: '#999999' };
export const STATUS_COLOUR = {
  executed: '#1971c2', verified: '#2f9e44', rolled_back: '#c92a2a', undone: '#868e96', restored: '#868e96',
  pending_approval: '#f08c00', dry_run: '#adb5bd', failed: '#c92a2a', verify_failed: '#c92a2a', rollback_failed: '#c92a2a',
};
const LINE = ['#1864ab', '#e67700', '#5f3dc4', '#2b8a3e', '#c2255c', '#0b7285', '#862e9c', '#5c940d', '#a61e4d'];

const alpha = (hex, a) => hex + Math.round(a * 255).toString(16).padStart(2, '0');

/** Draw bands under the series and markers over them. */
function overlayPlugin(data, openAction) {
  return {
    hooks: {
      drawClear: [(u) => {
        const { ctx } = u;
        const top = u.bbox.top, h = u.bbox.height;
        for (const b of data.bands) {
          const x0 = Math.max(u.bbox.left, u.valToPos(b.fromS, 'x', true));
          const x1 = Math.min(u.bbox.left + u.bbox.width, u.valToPos(b.toS, 'x', true));
          if (x1 <= x0) continue;
          ctx.fillStyle = alpha(SEVERITY_COLOUR[b.severity] ?? SEVERITY_COLOUR.none, 0.14);
          ctx.fillRect(x0, top, Math.max(2, x1 - x0), h);
        }
      }],
      draw: [(u) => {
        const { ctx } = u;
        const top = u.bbox.top, h = u.bbox.height;
        for (const m of data.markers) {
          const x = u.valToPos(m.t, 'x', true);
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
          ctx.strokeStyle = STATUS_COLOUR[m.status] ?? '#333';
          ctx.fillStyle = ctx.strokeStyle;
          ctx.lineWidth = 2;
          ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + h); ctx.stroke();
          ctx.beginPath(); ctx.moveTo(x - 6, top); ctx.lineTo(x + 6, top); ctx.lineTo(x, top + 10); ctx.closePath(); ctx.fill();
        }
      }],
      ready: [(u) => {
        // A click within 8 px of a marker opens its decision.
        u.over.addEventListener('click', (e) => {
          const rect = u.over.getBoundingClientRect();
          const px = e.clientX - rect.left;
          let best = null;
          for (const m of data.markers) {
            const d = Math.abs(u.valToPos(m.t, 'x') - px);
            if (d <= 8 && (!best || d < best.d)) best = { d, m };
          }
          if (best) openAction(best.m.id);
        });
      }],
    },
  };
}

function unitFormatter(scale) {
  return (u, vals) => vals.map((v) => (v == null ? '' : `${v === 0 ? 0 : +v.toPrecision(3)}${scale === '%' ? '%' : ''}`));
}

/** Render every panel into `root`; returns the uPlot instances (kept on window for tests and debugging). */
export function renderCharts(root, data, openAction) {
  root.textContent = '';
  const width = Math.max(320, Math.min(1200, root.clientWidth || 900));
  const plots = [];
  for (const panel of data.panels) {
    const box = document.createElement('section');
    box.className = 'chart';
    box.dataset.panel = panel.id;
    box.dataset.points = String(panel.series.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0));
    box.dataset.bands = String(data.bands.length);
    box.dataset.markers = String(data.markers.length);
    const title = document.createElement('h3');
    title.textContent = panel.title;
    box.append(title);
    root.append(box);
    if (panel.series.length === 0) {
      const p = document.createElement('p'); p.className = 'muted'; p.textContent = 'no samples in this range';
      box.append(p);
      continue;
    }
    const scales = [...new Set(panel.series.map((s) => s.scale))];
    const opts = {
      width, height: 200,
      cursor: { sync: { key: 'ks' }, drag: { x: true, y: false } },
      scales: { x: { time: true, range: [data.fromS, data.toS] } },
      series: [{}, ...panel.series.map((s, i) => ({ label: s.label, scale: s.scale, stroke: LINE[i % LINE.length], width: 1.5, spanGaps: false, points: { show: false } }))],
      axes: [{}, ...scales.slice(0, 2).map((sc, i) => ({ scale: sc, side: i === 0 ? 3 : 1, label: sc, values: unitFormatter(sc), grid: { show: i === 0 } }))],
      plugins: [overlayPlugin(data, openAction)],
    };
    for (const sc of scales) opts.scales[sc] = sc === '%' ? { range: [0, 100] } : { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] };
    const u = new uPlot(opts, [data.t, ...panel.series.map((s) => s.values)], box);
    plots.push(u);
  }
  window.ksCharts = plots;
  return plots;
}

/** The HTTP results as a hand-written SVG bar chart (no browser, no chart library). */
import type { ServerResult } from './http-bench.js';

const escapeXml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** Bar colour by kind of server: sess, a ceiling without sessions, or an alternative. */
function colour(id: string): string {
  if (id.startsWith('sess')) return '#2563eb';
  if (id === 'hono' || id === 'express' || id === 'hono-raw-sqlite') return '#9ca3af';
  return '#f97316';
}

/** Horizontal bars of requests/s (median), labelled with p99 latency and database writes per request. */
export function httpChart(results: ServerResult[], subtitle: string): string {
  const width = 1100;
  const left = 410;
  const right = 30;
  const top = 70;
  const bar = 26;
  const gap = 14;
  const plot = width - left - right;
  const height = top + results.length * (bar + gap) + 60;
  const max = Math.max(1, ...results.map((r) => r.median.requestsPerSecond));
  const step = niceStep(max / 5);
  const axisMax = Math.ceil(max / step) * step;
  const x = (v: number) => left + (v / axisMax) * plot;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="13" role="img">`,
    '<title>Authenticated GET /me: requests per second by server (median of rounds)</title>',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="20" y="28" font-size="17" font-weight="600" fill="#111827">Authenticated GET /me: requests per second (median of rounds)</text>`,
    `<text x="20" y="50" fill="#4b5563">${escapeXml(subtitle)}</text>`,
  );
  for (let v = 0; v <= axisMax; v += step) {
    const gx = x(v);
    parts.push(
      `<line x1="${gx.toFixed(1)}" y1="${top - 8}" x2="${gx.toFixed(1)}" y2="${height - 40}" stroke="#e5e7eb"/>`,
      `<text x="${gx.toFixed(1)}" y="${height - 22}" text-anchor="middle" fill="#6b7280">${v.toLocaleString('en-US')}</text>`,
    );
  }
  results.forEach((r, i) => {
    const y = top + i * (bar + gap);
    const w = Math.max(1, x(r.median.requestsPerSecond) - left);
    const m = r.median;
    const note = `${Math.round(m.requestsPerSecond).toLocaleString('en-US')} req/s · p99 ${m.p99} ms · ${m.writesPerRequest.toFixed(2)} writes/req`;
    const inside = w > 300;
    parts.push(
      `<text x="${left - 10}" y="${y + bar / 2 + 4}" text-anchor="end" fill="#111827">${escapeXml(r.spec.label)}</text>`,
      `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${bar}" rx="3" fill="${colour(r.spec.id)}"/>`,
      `<text x="${inside ? left + 8 : left + w + 8}" y="${y + bar / 2 + 4}" fill="${inside ? '#ffffff' : '#111827'}">${escapeXml(note)}</text>`,
    );
  });
  parts.push(
    `<text x="${left}" y="${height - 6}" fill="#6b7280">blue: sess · grey: ceilings and floor without a session library · orange: alternatives</text>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}

function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const n = raw / power;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * power;
}

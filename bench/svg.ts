/** Hand-written SVG line charts for the bench results (no plotting dependency). */

export interface Series {
  name: string;
  color: string;
  points: Array<[number, number]>;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  xLog?: boolean;
  /** Categorical x tick labels at given x values. */
  xTicks?: Array<[number, string]>;
  /** Horizontal reference lines (targets). */
  hLines?: Array<{ y: number; label: string; color?: string }>;
  width?: number;
  height?: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmt(v: number): string {
  if (v >= 1000) return `${Math.round(v / 100) / 10}k`;
  if (v >= 10) return String(Math.round(v));
  return String(Math.round(v * 100) / 100);
}

/** One chart as an SVG document string. */
export function lineChart(spec: ChartSpec): string {
  const W = spec.width ?? 640;
  const H = spec.height ?? 360;
  const m = { l: 64, r: 150, t: 40, b: 50 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const xs = spec.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = [...spec.series.flatMap((s) => s.points.map((p) => p[1])), ...(spec.hLines ?? []).map((h) => h.y)].filter(
    Number.isFinite,
  );
  const tx = (x: number) => (spec.xLog ? Math.log10(x) : x);
  const x0 = Math.min(...xs.map(tx));
  const x1 = Math.max(...xs.map(tx));
  const yMax = niceMax(Math.max(...ys, 0) * 1.05);
  const X = (x: number) => m.l + (x1 === x0 ? pw / 2 : ((tx(x) - x0) / (x1 - x0)) * pw);
  const Y = (y: number) => m.t + ph - (Math.min(y, yMax) / yMax) * ph;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(
    `<text x="${W / 2 - m.r / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(spec.title)}</text>`,
  );
  for (let i = 0; i <= 5; i++) {
    const y = (yMax * i) / 5;
    out.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${Y(y)}" y2="${Y(y)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.l - 6}" y="${Y(y) + 4}" text-anchor="end">${fmt(y)}</text>`);
  }
  const ticks = spec.xTicks ?? [...new Set(xs)].sort((a, b) => a - b).map((x) => [x, fmt(x)] as [number, string]);
  for (const [x, label] of ticks) {
    out.push(`<line x1="${X(x)}" x2="${X(x)}" y1="${m.t + ph}" y2="${m.t + ph + 4}" stroke="#333"/>`);
    out.push(`<text x="${X(x)}" y="${m.t + ph + 17}" text-anchor="middle">${esc(label)}</text>`);
  }
  out.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${m.t + ph}" y2="${m.t + ph}" stroke="#333"/>`);
  out.push(`<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${m.t + ph}" stroke="#333"/>`);
  out.push(`<text x="${m.l + pw / 2}" y="${H - 12}" text-anchor="middle">${esc(spec.xLabel)}</text>`);
  out.push(
    `<text transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`,
  );
  let ly = m.t + ph * 0.55;
  for (const h of spec.hLines ?? []) {
    const c = h.color ?? '#c00';
    out.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${Y(h.y)}" y2="${Y(h.y)}" stroke="${c}" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${m.l + pw + 6}" y="${Y(h.y) + 4}" fill="${c}">${esc(h.label)}</text>`);
  }
  for (const s of spec.series) {
    const pts = s.points.filter((p) => Number.isFinite(p[1]));
    if (pts.length === 0) continue;
    out.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.map((p) => `${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join(' ')}"/>`,
    );
    for (const p of pts)
      out.push(
        `<circle cx="${X(p[0]).toFixed(1)}" cy="${Y(p[1]).toFixed(1)}" r="3" fill="${s.color}"><title>${esc(`${s.name}: ${fmt(p[1])}`)}</title></circle>`,
      );
    const last = pts[pts.length - 1];
    out.push(
      `<text x="${X(last[0]) + 6}" y="${Y(last[1]) - 6}" fill="${s.color}" font-size="11">${esc(fmt(last[1]))}</text>`,
    );
  }
  for (const s of spec.series) {
    out.push(`<rect x="${m.l + pw + 6}" y="${ly}" width="12" height="3" fill="${s.color}"/>`);
    out.push(`<text x="${m.l + pw + 22}" y="${ly + 5}">${esc(s.name)}</text>`);
    ly += 16;
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

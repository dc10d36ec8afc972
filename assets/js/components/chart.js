/** A bar chart of views per day (SVG), named for screen readers by its figures. */
export function barChart(days) {
  const NS = 'http://www.w3.org/2000/svg';
  const s = (tag, attrs, ...kids) => { const el = document.createElementNS(NS, tag); for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v); kids.forEach((k) => el.append(k)); return el; };
  const max = Math.max(1, ...days.map((d) => d.views));
  const bw = 22, H = 90, W = Math.max(120, days.length * bw + 10);
  return s('svg', { class: 'chart', width: W, height: H + 16, viewBox: `0 0 ${W} ${H + 16}`, role: 'img', 'aria-label': days.map((d) => `${d.day}: ${d.views}`).join(', ') },
    ...days.map((d, i) => { const bh = Math.max(1, Math.round((d.views / max) * (H - 12))); return s('g', {}, s('rect', { x: 5 + i * bw, y: H - bh, width: bw - 6, height: bh }, s('title', {}, `${d.day}: ${d.views}`)), s('text', { x: 5 + i * bw, y: H + 12 }, d.day.slice(8))); }));
}

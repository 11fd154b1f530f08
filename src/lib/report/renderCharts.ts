import { escapeHtml, formatAge } from './formatAge';
import type { RunSummary } from './reportTypes';

const WIDTH = 560;
const HEIGHT = 190;
const PAD = { left: 56, right: 16, top: 26, bottom: 34 };
const PLOT_W = WIDTH - PAD.left - PAD.right;
const PLOT_H = HEIGHT - PAD.top - PAD.bottom;

interface Series {
  name: string;
  color: string;
  /** One value per run; undefined where the run has none (no point drawn). */
  values: Array<number | undefined>;
  label: (value: number) => string;
}

/**
 * The history of the last runs as two inline SVG line charts (no script, no external resource): the protected
 * percentage, and the median and 95th percentile of the time to first restore point. One circle per run and series,
 * each with a <title> naming the run and its value.
 */
export function renderHistoryCharts(history: readonly RunSummary[]): string {
  if (history.length === 0) return '<p>No runs yet.</p>';
  const dates = history.map((run) => run.generatedAt);
  const percent = lineChart(
    'chart-protected',
    'Watched VMs with a restore point (%)',
    dates,
    100,
    [
      {
        name: 'protected',
        color: '#2e7d32',
        values: history.map((run) => run.headline.percent),
        label: (value) => `${value} %`,
      },
    ],
    (value) => `${value} %`,
  );
  const times = history.flatMap((run) => [run.timeToRestorePoint.medianMs, run.timeToRestorePoint.p95Ms]);
  const maxTime = Math.max(60_000, ...times.filter((value): value is number => value !== undefined));
  const time = lineChart(
    'chart-time',
    'Time to first restore point',
    dates,
    maxTime,
    [
      {
        name: 'median',
        color: '#1565c0',
        values: history.map((run) => run.timeToRestorePoint.medianMs),
        label: formatAge,
      },
      {
        name: 'p95',
        color: '#c77700',
        values: history.map((run) => run.timeToRestorePoint.p95Ms),
        label: formatAge,
      },
    ],
    formatAge,
  );
  return `<div class="charts">${percent}${time}</div>`;
}

function lineChart(
  id: string,
  title: string,
  dates: readonly string[],
  max: number,
  series: readonly Series[],
  axisLabel: (value: number) => string,
): string {
  const x = (index: number) => PAD.left + (dates.length === 1 ? PLOT_W / 2 : (index / (dates.length - 1)) * PLOT_W);
  const y = (value: number) => PAD.top + PLOT_H - (Math.min(max, Math.max(0, value)) / max) * PLOT_H;
  const grid = [0, 0.5, 1]
    .map((share) => {
      const value = max * share;
      const top = y(value).toFixed(1);
      return `<line x1="${PAD.left}" y1="${top}" x2="${WIDTH - PAD.right}" y2="${top}" stroke="#ddd"/><text x="${PAD.left - 6}" y="${top}" font-size="11" text-anchor="end" dominant-baseline="middle">${escapeHtml(axisLabel(value))}</text>`;
    })
    .join('');
  const first = dates[0] ?? '';
  const last = dates.at(-1) ?? '';
  const xLabels = `<text x="${PAD.left}" y="${HEIGHT - 10}" font-size="11">${escapeHtml(shortDate(first))}</text>${
    dates.length > 1
      ? `<text x="${WIDTH - PAD.right}" y="${HEIGHT - 10}" font-size="11" text-anchor="end">${escapeHtml(shortDate(last))}</text>`
      : ''
  }`;
  const lines = series
    .map((line) => {
      const points = line.values.flatMap((value, index) => (value === undefined ? [] : [{ index, value }]));
      const path =
        points.length > 1
          ? `<polyline fill="none" stroke="${line.color}" stroke-width="2" points="${points.map((point) => `${x(point.index).toFixed(1)},${y(point.value).toFixed(1)}`).join(' ')}"/>`
          : '';
      const dots = points
        .map(
          (point) =>
            `<circle class="point point-${line.name}" cx="${x(point.index).toFixed(1)}" cy="${y(point.value).toFixed(1)}" r="3.5" fill="${line.color}"><title>${escapeHtml(`${dates[point.index] ?? ''}: ${line.name} ${line.label(point.value)}`)}</title></circle>`,
        )
        .join('');
      return `<g class="series series-${line.name}">${path}${dots}</g>`;
    })
    .join('');
  const legend = series
    .map(
      (line, index) =>
        `<rect x="${WIDTH - PAD.right - 170 + index * 90}" y="2" width="10" height="10" fill="${line.color}"/><text x="${WIDTH - PAD.right - 156 + index * 90}" y="11" font-size="11">${escapeHtml(line.name)}</text>`,
    )
    .join('');
  return `<figure class="chart" id="${id}"><figcaption>${escapeHtml(title)}, last ${dates.length} run${dates.length === 1 ? '' : 's'}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(title)}">${grid}${lines}${series.length > 1 ? legend : ''}${xLabels}</svg></figure>`;
}

/** `2026-11-25T06:00:00.000Z` -> `2026-11-25 06:00`. */
function shortDate(iso: string): string {
  return iso.replace('T', ' ').slice(0, 16);
}

/**
 * The organiser's report: draws a chart above each table (Chart.js, served by this server).
 * The tables, rendered by the server, carry the same figures for screen readers and for print.
 */

import '/static/vendor/chart.umd.min.js';
import { boot } from './boot.js';
import { t, lang } from './i18n.js';
import { $ } from './ui.js';

const Chart = globalThis.Chart;
const report = boot.report || {};
const COLORS = { planned: '#9aa3ad', met: '#1f5bd0', held: '#12703c', mutual: '#12703c', one_sided: '#a34a00', minutes: '#1f5bd0', no_shows: '#b3261e', ratings: '#6b3fb5' };
const rounds = report.by_round || [];
const roundLabels = rounds.map((r) => t('round_n', { round: r.round }));

function bars(label, values, color, extra = {}) {
  return { type: 'bar', label, data: values, backgroundColor: color, borderColor: color, ...extra };
}

const CHARTS = {
  funnel: () => {
    const f = report.funnel || {};
    const stages = [['report_met', 'meetings', COLORS.met], ['report_funnel_mutual', 'mutual', COLORS.mutual],
      ['report_funnel_proposed', 'proposed', COLORS.planned], ['report_funnel_booked', 'booked', COLORS.ratings],
      ['report_funnel_held', 'held', COLORS.held]];
    return {
      labels: stages.map(([key]) => t(key)),
      datasets: [bars(t('report_count'), stages.map(([, field]) => f[field] || 0), stages.map(([, , color]) => color))],
      horizontal: true,
      legend: false,
    };
  },
  rounds: () => ({
    labels: roundLabels,
    datasets: [
      bars(t('report_planned'), rounds.map((r) => r.planned), COLORS.planned),
      bars(t('report_met'), rounds.map((r) => r.met), COLORS.met),
      bars(t('report_held'), rounds.map((r) => r.held), COLORS.held),
    ],
  }),
  minutes: () => ({
    labels: roundLabels,
    datasets: [
      bars(t('report_connected_minutes'), rounds.map((r) => r.connected_minutes), COLORS.minutes, { yAxisID: 'y' }),
      { type: 'line', label: t('report_no_shows'), data: rounds.map((r) => r.no_shows), borderColor: COLORS.no_shows,
        backgroundColor: COLORS.no_shows, yAxisID: 'y2', pointRadius: 4, pointStyle: 'rectRot' },
    ],
    scales: { y2: { position: 'right', beginAtZero: true, ticks: { precision: 0 }, grid: { drawOnChartArea: false },
      title: { display: true, text: t('report_no_shows') } } },
  }),
  ratings: () => {
    const dist = (report.totals && report.totals.rating_distribution) || [];
    return {
      labels: dist.map((r) => `${r.rating} · ${t(`rating_${r.rating}`)}`),
      datasets: [bars(t('report_count'), dist.map((r) => r.count), COLORS.ratings)],
      legend: false,
    };
  },
  reasons: () => {
    const rows = (report.follow_ups && report.follow_ups.by_reason) || [];
    return {
      labels: rows.map((r) => t(`follow_reason_${r.reason}`)),
      datasets: [
        bars(t('report_mutual'), rows.map((r) => r.mutual), COLORS.mutual),
        bars(t('report_one_sided'), rows.map((r) => r.one_sided), COLORS.one_sided),
      ],
      horizontal: true,
      stacked: true,
    };
  },
  sides: () => {
    const rows = report.by_side || [];
    return {
      labels: rows.map((g) => g.group),
      datasets: [
        bars(t('report_met_someone'), rows.map((g) => g.met_someone), COLORS.met),
        bars(t('report_held'), rows.map((g) => g.held), COLORS.held),
        bars(t('report_mutual'), rows.map((g) => g.mutual), COLORS.one_sided),
      ],
    };
  },
};

function draw(id, spec) {
  const canvas = document.getElementById(`chart-${id}`);
  if (!canvas) return null;
  const index = spec.horizontal ? 'y' : 'x';
  const value = spec.horizontal ? 'x' : 'y';
  const chart = new Chart(canvas, {
    type: 'bar',
    data: { labels: spec.labels, datasets: spec.datasets },
    options: {
      indexAxis: index,
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      locale: lang,
      plugins: {
        legend: { display: spec.legend !== false, position: 'bottom' },
        tooltip: { enabled: true },
      },
      scales: {
        [index]: { stacked: Boolean(spec.stacked), grid: { display: false } },
        [value]: { stacked: Boolean(spec.stacked), beginAtZero: true, ticks: { precision: 0 } },
        ...(spec.scales || {}),
      },
    },
  });
  canvas.closest('figure').dataset.drawn = 'true';
  return chart;
}

const drawn = [];
if (Chart) {
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = '#1b2027';
  for (const [id, spec] of Object.entries(CHARTS)) {
    const chart = draw(id, spec());
    if (chart) drawn.push(chart);
  }
  // Canvases keep their screen size unless told: fit them to the printed page, then back.
  window.addEventListener('beforeprint', () => drawn.forEach((c) => c.resize()));
  window.addEventListener('afterprint', () => drawn.forEach((c) => c.resize()));
} else {
  console.warn('speedmeet: the charting library did not load; the tables hold every figure');
}

$('#print').addEventListener('click', () => window.print());

/**
 * @module Time-series charts with uPlot (canvas, ~50 KB): one series per metric over UTC days. A series in another
 * unit (USD beside counts) gets its own scale and axis on the right, so neither is flattened by the other. The
 * chart sizes itself to its box and follows it on resize, so it fits at 390 px as at 1280 px. The canvas is one
 * image to assistive technology: a table under every chart carries the same numbers.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { type Column, formatNumber, formatUsd, Table } from './ui.tsx';
import { perDay, type UsageRow } from './usage-data.ts';

export interface Series {
  label: string;
  values: number[];
  color: string;
  /** `right`: a second unit, on its own scale. */
  axis?: 'left' | 'right';
  format?(value: number): string;
  /** A dash pattern (px), so series are told apart without relying on colour alone (WCAG 1.4.1). */
  dash?: number[];
}

const AXIS = '#57606a';

function formatOf(series: Series): (value: number) => string {
  return series.format ?? ((value) => formatNumber(value));
}

/** Counts and money never go below zero: anchor every scale at 0 so a quiet period reads as quiet, not as noise. */
function fromZero(_u: uPlot, _min: number | null, max: number | null): uPlot.Range.MinMax {
  return uPlot.rangeNum(0, Math.max(max ?? 0, 0) || 1, 0.1, true);
}

function axisValues(series: Series | undefined) {
  const format = series ? formatOf(series) : (value: number) => formatNumber(value);
  return (_u: uPlot, splits: number[]) => splits.map((value) => format(value));
}

/** Tick steps for counts: whole numbers only, or a tick at 2.5 requests would be labelled "3". */
const WHOLE_STEPS = Array.from({ length: 16 }, (_, power) => [1, 2, 5].map((m) => m * 10 ** power)).flat();

/** Room for the longest tick label (about 7 px a character in uPlot's 12 px axis font), so "$0.000015" is not cut. */
function fitLabels(_u: uPlot, values: string[] | null): number {
  const longest = Math.max(3, ...(values ?? []).map((value) => value.length));
  return Math.ceil(20 + 7.2 * longest);
}

function axisOf(series: Series | undefined, scale: 'y' | 'y2'): uPlot.Axis {
  return {
    stroke: AXIS,
    scale,
    size: fitLabels,
    values: axisValues(series),
    ...(series?.format ? {} : { incrs: WHOLE_STEPS }),
    ...(scale === 'y2' ? { side: 1, grid: { show: false } } : {}),
  };
}

const usdFine = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumSignificantDigits: 3 });

/**
 * USD for a chart: a day's cost can be a few millionths of a dollar (a handful of tokens), where the tables' four
 * decimals would label every tick "$0.0000"; three significant digits keep the ticks apart.
 */
export function formatUsdFine(value: number): string {
  if (value === 0) return '$0';
  return Math.abs(value) >= 1 ? formatUsd(value) : usdFine.format(value);
}

export function DayChart(props: { title: string; days: string[]; series: Series[]; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const height = props.height ?? 220;
  // A page re-renders whenever any of its loads settles; rebuilding the canvas only when the numbers change keeps
  // the chart from flickering while the rest of the page fills in.
  const signature = JSON.stringify([props.days, props.series.map((s) => [s.label, s.values, s.color, s.axis])]);
  useEffect(() => {
    const element = box.current;
    if (!element || props.days.length === 0) return;
    const xs = props.days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000);
    const left = props.series.find((s) => s.axis !== 'right');
    const right = props.series.find((s) => s.axis === 'right');
    const chart = new uPlot(
      {
        width: Math.max(200, element.clientWidth),
        height,
        // The points are UTC days (what budgets and usage reports count in); labelled in local time, every point
        // west of Greenwich would carry the previous day's date.
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        scales: { x: { time: true }, y: { range: fromZero }, y2: { range: fromZero } },
        axes: [{ stroke: AXIS }, axisOf(left, 'y'), ...(right ? [axisOf(right, 'y2')] : [])],
        series: [
          {},
          ...props.series.map((s) => ({
            label: s.label,
            scale: s.axis === 'right' ? 'y2' : 'y',
            stroke: s.color,
            width: 2,
            dash: s.dash,
            fill: s.axis === 'right' ? undefined : `${s.color}22`,
            value: (_u: uPlot, value: number | null) => (value === null ? '--' : formatOf(s)(value)),
          })),
        ],
        legend: { show: true },
      },
      [xs, ...props.series.map((s) => s.values)],
      element,
    );
    const observer = new ResizeObserver(() => chart.setSize({ width: Math.max(200, element.clientWidth), height }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
    };
  }, [signature, height]);
  if (props.days.length === 0) return <p class="muted">No usage in this period yet.</p>;
  const rows = props.days.map((day, index) => ({ day, index }));
  const columns: Column<{ day: string; index: number }>[] = [
    { label: 'UTC day', cell: (r) => r.day },
    ...props.series.map((s) => ({
      label: s.label,
      cell: (r: { index: number }) => formatOf(s)(s.values[r.index] ?? 0),
      numeric: true,
    })),
  ];
  return (
    <figure class="chart-figure">
      <div
        class="chart"
        ref={box}
        role="img"
        aria-label={`${props.title} (chart; the numbers are in the table below)`}
      />
      <details>
        <summary>{props.title}: the numbers</summary>
        <Table caption={props.title} columns={columns} rows={rows} />
      </details>
    </figure>
  );
}

/** Tokens on the left, their cost in USD on the right: the same chart on the Overview and the Usage page. */
export function TokensAndCostChart(props: { days: string[]; rows: UsageRow[] }) {
  return (
    <DayChart
      title="Tokens and cost per day"
      days={props.days}
      series={[
        { label: 'Tokens', values: perDay(props.rows, props.days, (r) => r.total_tokens), color: '#1a7f37' },
        {
          label: 'Cost (USD)',
          values: perDay(props.rows, props.days, (r) => r.cost_usd),
          color: '#8250df',
          axis: 'right',
          format: formatUsdFine,
          dash: [6, 4],
        },
      ]}
    />
  );
}

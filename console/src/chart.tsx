/**
 * @module Time-series charts with uPlot (canvas, ~50 KB): one series per metric over UTC days. The chart sizes
 * itself to its box and follows it on resize, so it fits at 390 px as at 1280 px. A table beside every chart
 * carries the same numbers for screen readers.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface Series {
  label: string;
  values: number[];
  color: string;
}

export function DayChart(props: { title: string; days: string[]; series: Series[]; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element || props.days.length === 0) return;
    const xs = props.days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000);
    const chart = new uPlot(
      {
        width: Math.max(200, element.clientWidth),
        height: props.height ?? 220,
        scales: { x: { time: true } },
        axes: [{ stroke: '#57606a' }, { stroke: '#57606a', size: 60 }],
        series: [{}, ...props.series.map((s) => ({ label: s.label, stroke: s.color, width: 2, fill: `${s.color}22` }))],
        legend: { show: true },
      },
      [xs, ...props.series.map((s) => s.values)],
      element,
    );
    const observer = new ResizeObserver(() =>
      chart.setSize({ width: Math.max(200, element.clientWidth), height: props.height ?? 220 }),
    );
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
    };
  }, [props.days, props.series, props.height]);
  if (props.days.length === 0) return <p class="muted">No usage in this period yet.</p>;
  return <div class="chart" ref={box} role="img" aria-label={props.title} />;
}

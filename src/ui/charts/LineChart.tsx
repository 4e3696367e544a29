/**
 * A live line chart on uPlot for loss and metric curves. The chart is built once per series definition;
 * new points go through setData (no rebuild), the width follows the container (ResizeObserver), and
 * the chart is destroyed on unmount.
 */
import uPlot, { type AlignedData, type Options } from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef } from 'react';
import { lastValue, type CurveData, type CurveSeries } from './series';

export interface LineChartProps {
  /** Series definitions; changing labels, colours or axes rebuilds the chart. */
  series: CurveSeries[];
  /** Aligned data (see series.ts). Pass the same object after appending: `version` tells the chart to redraw. */
  data: CurveData;
  /** Bump after appending points in place. */
  version?: number;
  /** Accessible title, also drawn above the chart. */
  title: string;
  xLabel?: string;
  yLabel?: string;
  /** Label of the right axis, when a series uses it. */
  y2Label?: string;
  /** Log scale for the left axis (losses spanning decades). */
  yLog?: boolean;
  height?: number;
}

const AXIS_STYLE = { stroke: '#8aa5ab', grid: { stroke: '#27414a', width: 1 }, ticks: { stroke: '#27414a', width: 1 } };

function buildOptions(p: LineChartProps, width: number): Options {
  const hasRight = p.series.some((s) => s.axis === 'right');
  return {
    width,
    height: p.height ?? 240,
    legend: { show: true, live: true },
    cursor: { drag: { x: true, y: false } },
    scales: { x: { time: false }, y: p.yLog ? { distr: 3 } : {}, ...(hasRight ? { y2: {} } : {}) },
    axes: [
      { ...AXIS_STYLE, label: p.xLabel, labelSize: p.xLabel ? 20 : 0 },
      { ...AXIS_STYLE, label: p.yLabel, labelSize: p.yLabel ? 20 : 0, scale: 'y' },
      ...(hasRight ? [{ ...AXIS_STYLE, side: 1 as const, label: p.y2Label, labelSize: p.y2Label ? 20 : 0, scale: 'y2', grid: { show: false } }] : []),
    ],
    series: [
      { label: p.xLabel ?? 'x' },
      ...p.series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: 2,
        dash: s.dashed ? [6, 4] : undefined,
        scale: s.axis === 'right' ? 'y2' : 'y',
        spanGaps: true,
        points: { show: false },
      })),
    ],
  };
}

function toAligned(data: CurveData): AlignedData {
  return [data.x, ...data.ys] as unknown as AlignedData;
}

export function LineChart(props: LineChartProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const propsRef = useRef(props);
  const builds = useRef(0);
  useEffect(() => {
    propsRef.current = props;
  });

  const seriesKey = JSON.stringify([props.series, props.yLog, props.height, props.xLabel, props.yLabel, props.y2Label]);

  // (Re)build when the series definition changes; destroy on unmount.
  useEffect(() => {
    const host = hostRef.current!;
    const plot = new uPlot(buildOptions(propsRef.current, Math.max(200, host.clientWidth)), toAligned(propsRef.current.data), host);
    plotRef.current = plot;
    builds.current += 1;
    host.dataset.builds = String(builds.current);
    const observer = new ResizeObserver(() => {
      const w = Math.max(200, host.clientWidth);
      if (w !== plot.width) plot.setSize({ width: w, height: plot.height });
    });
    observer.observe(host);
    return () => {
      observer.disconnect();
      plot.destroy();
      plotRef.current = null;
    };
  }, [seriesKey]);

  // New points: redraw with the same chart.
  useEffect(() => {
    const plot = plotRef.current;
    if (!plot) return;
    plot.setData(toAligned(props.data));
    hostRef.current!.dataset.points = String(props.data.x.length);
  }, [props.data, props.version]);

  const latest = props.series.map((s, i) => `${s.label} ${fmt(lastValue(props.data, i))}`).join(', ');
  return (
    <figure className="line-chart" aria-label={props.title} data-testid="line-chart">
      <figcaption>{props.title}</figcaption>
      <div ref={hostRef} className="line-chart-host" data-points={props.data.x.length} />
      <p className="visually-hidden">
        Latest: {latest}
      </p>
    </figure>
  );
}

function fmt(v: number | null): string {
  return v == null ? '—' : Number(v.toPrecision(4)).toString();
}

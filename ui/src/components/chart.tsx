// Energy (area, left axis, kWh) and power (line, right axis, kW) over the session, and below it the
// vehicle's state of charge (%) when the charger reports it, drawn as inline SVG: a charting
// library would cost more than the whole dashboard for three lines. The axis arithmetic is in
// lib/scale.ts, the series (clipped to the session) in lib/meter.ts.
import { useId, useLayoutEffect, useRef, useState, type PointerEvent, type RefObject } from 'react';
import type { ChartSeries, Point } from '../lib/meter.ts';
import { alignAxes, axisTicks, localOffsetMinutes, stepDecimals, timeTicks, valueAxis, type ValueAxis } from '../lib/scale.ts';
import { fmtClockSeconds, fmtTicks } from '../lib/format.ts';

// The SoC series is styled here rather than in styles.css: it is this component's alone.
const SOC_COLOR = 'var(--ok)';
const H = 280;
const SOC_H = 150;
const PAD = { l: 52, r: 52, t: 28, b: 32 };
/** Room for one time label ("05:02:30 PM" at 11 px) and a gap. */
const TICK_SPACING = 110;

/** The element's width in CSS pixels: the chart is drawn at its real size, so text stays 11 px on any screen. */
function useWidth(ref: RefObject<HTMLElement | null>, initial: number): number {
  const [width, setWidth] = useState(initial);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth || initial);
    const ro = new ResizeObserver(([entry]) => setWidth(Math.round(entry.contentRect.width) || initial));
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref, initial]);
  return width;
}

const label = (v: number, axis: ValueAxis) => v.toFixed(stepDecimals(axis.step));
const readout = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const max = (pts: Point[]) => pts.reduce((m, p) => Math.max(m, p.v), 0);
const nearest = (pts: Point[], t: number) => pts.reduce<Point | null>((best, p) => (!best || Math.abs(p.t - t) < Math.abs(best.t - t) ? p : best), null);
/** The reading in force at t (sample and hold): the last one at or before t. */
const held = (pts: Point[], t: number) => pts.reduce<Point | null>((best, p) => (p.t <= t ? p : best), null);

export function EnergyChart({ series, powerLabel }: { series: ChartSeries; powerLabel: string }) {
  const { energy, power, soc, t0, t1 } = series;
  const box = useRef<HTMLElement>(null);
  // A useId value may hold characters that a url(#...) reference does not take.
  const clip = `chart${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`;
  const W = Math.max(320, useWidth(box, 800));
  const [hover, setHover] = useState<number | null>(null);
  const plotW = W - PAD.l - PAD.r;
  const [eAxis, pAxis] = alignAxes(valueAxis(max(energy) || 0.001), valueAxis(max(power) || 0.001));
  const x = (t: number) => PAD.l + ((t - t0) / (t1 - t0)) * plotW;
  const yOf = (axis: ValueAxis, h: number) => (v: number) => h - PAD.b - (v / axis.max) * (h - PAD.t - PAD.b);
  const yE = yOf(eAxis, H);
  const yP = yOf(pAxis, H);
  const socAxis: ValueAxis = { max: 100, step: 25, steps: 4 };
  const yS = yOf(socAxis, SOC_H);
  const line = (pts: Point[], y: (v: number) => number) => pts.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join('');
  // Each power reading holds until the next one (sample and hold): a step, not a slope.
  const steps = power.map((p, i) => `${i ? `L${x(p.t).toFixed(1)},${yP(power[i - 1].v).toFixed(1)}L` : 'M'}${x(p.t).toFixed(1)},${yP(p.v).toFixed(1)}`).join('');
  const area = energy.length > 1 ? `${line(energy, yE)}L${x(energy[energy.length - 1].t).toFixed(1)},${yE(0)}L${x(energy[0].t).toFixed(1)},${yE(0)}Z` : '';
  const time = timeTicks(t0, t1, Math.floor(plotW / TICK_SPACING) + 1, localOffsetMinutes);
  const onMove = (e: PointerEvent<SVGSVGElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    const px = ((e.clientX - rect.left) / rect.width) * W;
    setHover(t0 + ((Math.min(Math.max(px, PAD.l), W - PAD.r) - PAD.l) / plotW) * (t1 - t0));
  };
  const he = hover === null ? null : nearest(energy, hover);
  const hp = hover === null ? null : held(power, hover);
  const hs = hover === null ? null : nearest(soc, hover);
  const timeLabels = fmtTicks(time.ticks, time.unit);
  const timeAxis = (h: number) =>
    time.ticks.map((t, i) => (
      <g key={t}>
        <line className="grid tick" x1={x(t)} x2={x(t)} y1={h - PAD.b} y2={h - PAD.b + 4} />
        <text className="axis time" x={x(t)} y={timeLabels[i].date ? h - 17 : h - 10} textAnchor="middle">
          {timeLabels[i].time}
          {timeLabels[i].date && (
            <tspan x={x(t)} dy={12}>
              {timeLabels[i].date}
            </tspan>
          )}
        </text>
      </g>
    ));
  const cursor = (h: number) => hover !== null && <line className="hover-line" x1={x(hover)} x2={x(hover)} y1={PAD.t} y2={h - PAD.b} />;
  return (
    <figure className="chart" ref={box}>
      <svg width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="img" aria-label="Energy and power over the session" onPointerMove={onMove} onPointerLeave={() => setHover(null)}>
        <defs>
          <clipPath id={`${clip}-main`}>
            <rect x={PAD.l} y={PAD.t - 2} width={plotW} height={H - PAD.t - PAD.b + 4} />
          </clipPath>
        </defs>
        {axisTicks(eAxis).map((v, i) => (
          <g key={i}>
            <line className="grid" x1={PAD.l} x2={W - PAD.r} y1={yE(v)} y2={yE(v)} />
            <text className="axis energy" x={PAD.l - 6} y={yE(v) + 4} textAnchor="end">
              {label(v, eAxis)}
            </text>
            <text className="axis power" x={W - PAD.r + 6} y={yP(axisTicks(pAxis)[i]) + 4}>
              {label(axisTicks(pAxis)[i], pAxis)}
            </text>
          </g>
        ))}
        {timeAxis(H)}
        <text className="axis energy unit" x={PAD.l - 6} y={PAD.t - 12} textAnchor="end">
          kWh
        </text>
        <text className="axis power unit" x={W - PAD.r + 6} y={PAD.t - 12}>
          kW
        </text>
        <g clipPath={`url(#${clip}-main)`}>
          {area && <path className="energy-area" d={area} />}
          <path className="energy-line" d={line(energy, yE)} />
          {power.length > 0 && <path className="power-line" d={steps} />}
        </g>
        {hover !== null && (
          <g className="hover">
            {cursor(H)}
            {he && <circle cx={x(he.t)} cy={yE(he.v)} r={4} className="energy-dot" />}
            {hp && <circle cx={x(hover)} cy={yP(hp.v)} r={4} className="power-dot" />}
          </g>
        )}
      </svg>
      {soc.length > 0 && (
        <svg className="soc-chart" width={W} height={SOC_H} viewBox={`0 0 ${W} ${SOC_H}`} role="img" aria-label="State of charge over the session" onPointerMove={onMove} onPointerLeave={() => setHover(null)}>
          <defs>
            <clipPath id={`${clip}-soc`}>
              <rect x={PAD.l} y={PAD.t - 2} width={plotW} height={SOC_H - PAD.t - PAD.b + 4} />
            </clipPath>
          </defs>
          {axisTicks(socAxis).map((v) => (
            <g key={v}>
              <line className="grid" x1={PAD.l} x2={W - PAD.r} y1={yS(v)} y2={yS(v)} />
              <text className="axis soc" x={PAD.l - 6} y={yS(v) + 4} textAnchor="end">
                {v}
              </text>
            </g>
          ))}
          {timeAxis(SOC_H)}
          <text className="axis soc unit" x={PAD.l - 6} y={PAD.t - 12} textAnchor="end" style={{ fill: SOC_COLOR }}>
            SoC %
          </text>
          <g clipPath={`url(#${clip}-soc)`}>
            <path className="soc-line" d={line(soc, yS)} style={{ fill: 'none', stroke: SOC_COLOR, strokeWidth: 2, strokeLinejoin: 'round' }} />
            {soc.length === 1 && <circle className="soc-dot" cx={x(soc[0].t)} cy={yS(soc[0].v)} r={3} style={{ fill: SOC_COLOR }} />}
          </g>
          {hover !== null && (
            <g className="hover">
              {cursor(SOC_H)}
              {hs && <circle cx={x(hs.t)} cy={yS(hs.v)} r={4} className="soc-dot" style={{ fill: SOC_COLOR }} />}
            </g>
          )}
        </svg>
      )}
      <figcaption className="chart-legend">
        <span className="key energy">Energy (kWh)</span>
        <span className="key power">{powerLabel}</span>
        {soc.length > 0 && (
          <span className="soc-key">
            <span aria-hidden="true" style={{ display: 'inline-block', width: 14, height: 3, marginRight: '0.35rem', verticalAlign: 'middle', background: SOC_COLOR }} />
            State of charge (%)
          </span>
        )}
        <span className="chart-readout">
          {hover !== null ? `${fmtClockSeconds(hover)}${he ? ` · ${readout(he.v)} kWh` : ''}${hp ? ` · ${readout(hp.v)} kW` : ''}${hs ? ` · ${Math.round(hs.v)} %` : ''}` : '\u00a0'}
        </span>
      </figcaption>
    </figure>
  );
}

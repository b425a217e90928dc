// Energy (area, left axis, kWh) and power (line, right axis, kW) over time, drawn as inline SVG:
// a charting library would cost more than the whole dashboard for two lines.
import { useLayoutEffect, useRef, useState, type PointerEvent, type RefObject } from 'react';
import type { Point } from '../lib/meter.ts';
import { fmtClock } from '../lib/format.ts';

const H = 280;
const PAD = { l: 52, r: 52, t: 28, b: 32 };

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

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  const f = v / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * p;
}

const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

export function EnergyChart({ energy, power, powerLabel }: { energy: Point[]; power: Point[]; powerLabel: string }) {
  const ref = useRef<SVGSVGElement>(null);
  const box = useRef<HTMLElement>(null);
  const W = Math.max(320, useWidth(box, 800));
  const [hover, setHover] = useState<number | null>(null);
  const all = [...energy, ...power];
  const t0 = Math.min(...all.map((p) => p.t));
  const t1 = Math.max(...all.map((p) => p.t), t0 + 60_000);
  const eMax = niceMax(Math.max(...energy.map((p) => p.v), 0.001));
  const pMax = niceMax(Math.max(...power.map((p) => p.v), 0.001));
  const x = (t: number) => PAD.l + ((t - t0) / (t1 - t0)) * (W - PAD.l - PAD.r);
  const yE = (v: number) => H - PAD.b - (v / eMax) * (H - PAD.t - PAD.b);
  const yP = (v: number) => H - PAD.b - (v / pMax) * (H - PAD.t - PAD.b);
  const line = (pts: Point[], y: (v: number) => number) => pts.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join('');
  // Each power reading holds until the next one (sample and hold): a step, not a slope.
  const steps = power.map((p, i) => `${i ? `L${x(p.t).toFixed(1)},${yP(power[i - 1].v).toFixed(1)}L` : 'M'}${x(p.t).toFixed(1)},${yP(p.v).toFixed(1)}`).join('');
  const area = energy.length > 1 ? `${line(energy, yE)}L${x(energy[energy.length - 1].t).toFixed(1)},${yE(0)}L${x(energy[0].t).toFixed(1)},${yE(0)}Z` : '';
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const timeTicks = W < 560 ? [0, 0.5, 1] : ticks;
  const nearest = (pts: Point[], t: number) => pts.reduce<Point | null>((best, p) => (!best || Math.abs(p.t - t) < Math.abs(best.t - t) ? p : best), null);
  const onMove = (e: PointerEvent<SVGSVGElement>) => {
    const rect = ref.current?.getBoundingClientRect();
    if (!rect) return;
    const px = ((e.clientX - rect.left) / rect.width) * W;
    setHover(t0 + ((Math.min(Math.max(px, PAD.l), W - PAD.r) - PAD.l) / (W - PAD.l - PAD.r)) * (t1 - t0));
  };
  const he = hover === null ? null : nearest(energy, hover);
  const hp = hover === null ? null : nearest(power, hover);
  return (
    <figure className="chart" ref={box}>
      <svg ref={ref} width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="img" aria-label="Energy and power over the session" onPointerMove={onMove} onPointerLeave={() => setHover(null)}>
        {ticks.map((f) => (
          <g key={f}>
            <line className="grid" x1={PAD.l} x2={W - PAD.r} y1={yE(f * eMax)} y2={yE(f * eMax)} />
            <text className="axis energy" x={PAD.l - 6} y={yE(f * eMax) + 4} textAnchor="end">
              {fmt(f * eMax)}
            </text>
            <text className="axis power" x={W - PAD.r + 6} y={yP(f * pMax) + 4}>
              {fmt(f * pMax)}
            </text>
          </g>
        ))}
        {timeTicks.map((f) => (
          <text key={f} className="axis" x={x(t0 + f * (t1 - t0))} y={H - 10} textAnchor={f === 0 ? 'start' : f === 1 ? 'end' : 'middle'}>
            {fmtClock(t0 + f * (t1 - t0))}
          </text>
        ))}
        <text className="axis energy unit" x={PAD.l - 6} y={PAD.t - 12} textAnchor="end">
          kWh
        </text>
        <text className="axis power unit" x={W - PAD.r + 6} y={PAD.t - 12}>
          kW
        </text>
        {area && <path className="energy-area" d={area} />}
        <path className="energy-line" d={line(energy, yE)} />
        {power.length > 0 && <path className="power-line" d={steps} />}
        {hover !== null && he && (
          <g className="hover">
            <line x1={x(he.t)} x2={x(he.t)} y1={PAD.t} y2={H - PAD.b} />
            <circle cx={x(he.t)} cy={yE(he.v)} r={4} className="energy-dot" />
            {hp && <circle cx={x(hp.t)} cy={yP(hp.v)} r={4} className="power-dot" />}
          </g>
        )}
      </svg>
      <figcaption className="chart-legend">
        <span className="key energy">Energy (kWh)</span>
        <span className="key power">{powerLabel}</span>
        <span className="chart-readout">
          {he ? `${fmtClock(he.t)} · ${fmt(he.v)} kWh${hp ? ` · ${fmt(hp.v)} kW` : ''}` : '\u00a0'}
        </span>
      </figcaption>
    </figure>
  );
}

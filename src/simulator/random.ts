// Seeded randomness, so that `--seed 7` replays the same fleet: the same vendors, powers,
// tokens, session lengths and misbehaviours in the same order for each station. Every station
// draws from its own stream, derived from the fleet seed and its index, so one station's
// choices never shift another's (timing on the wire still varies from run to run).

/** A uniform float in [0, 1). */
export type Rng = () => number;

// mulberry32: tiny, fast, and good enough for simulation (not for secrets).
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// splitmix32 finaliser: neighbouring (seed, index) pairs must not give correlated streams.
function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** The stream of station `index` (and of a `purpose`, so behaviour and misbehaviour do not interleave). */
export function stationRng(seed: number, index: number, purpose = 0): Rng {
  return createRng(mix(mix(seed >>> 0) ^ mix(index + 0x9e3779b9) ^ mix(purpose * 0x27d4eb2f + 1)));
}

/** A float in [min, max]. */
export function between(rng: Rng, min: number, max: number): number {
  return min + (max - min) * rng();
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

export function chance(rng: Rng, probability: number): boolean {
  return probability > 0 && rng() < probability;
}

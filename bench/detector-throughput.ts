/**
 * Detector throughput and state size.
 *
 * Feeds synthetic 5-minute series (seeded: noise, daily cycle, occasional
 * spikes and gaps) to many detectors round-robin, as a poller would, on one
 * thread, three times after a warm-up run, and prints the best of the three:
 *   detector_throughput points_per_s=<n> points=<n> series=<n> seconds=<s>
 *   detector_state_bytes per_series=<n> doubles=<n> snapshot_json_bytes=<n>
 *   detector_snapshot save_us=<n> load_us=<n> series=<n>
 * (save: `snapshot()` plus `JSON.stringify`, as the poller persists a state;
 * load: `JSON.parse` plus `createDetector(options, snapshot)`; microseconds per
 * series, best of three over every series' state after the run).
 *
 * Usage: npm run --silent bench:detector [-- --series 200 --points 10000]
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { createDetector } from '../orchestrator/detect/detector.ts';
import type { Detector } from '../orchestrator/detect/detector.ts';
import { STATE_LENGTH } from '../orchestrator/detect/detector-state.ts';
import { prng } from '../test/support/seeded-random.ts';


function main(): void {
  const { values } = parseArgs({ options: { series: { type: 'string' }, points: { type: 'string' } } });
  const seriesCount = Number(values.series ?? 200);
  const pointsPerSeries = Number(values.points ?? 10_000);
  const rnd = prng(42);
  // Pre-generate the data so that only the detector is timed.
  const step = 300_000;
  const start = Date.UTC(2024, 0, 1);
  const timestamps = new Float64Array(pointsPerSeries);
  for (let i = 0; i < pointsPerSeries; i++) timestamps[i] = start + i * step + (rnd() < 0.01 ? step * 3 : 0);
  const data: Float64Array[] = [];
  for (let s = 0; s < seriesCount; s++) {
    const v = new Float64Array(pointsPerSeries);
    const base = 10 + 90 * rnd();
    for (let i = 0; i < pointsPerSeries; i++) {
      const daily = Math.sin((2 * Math.PI * i * step) / 86_400_000);
      v[i] = base * (1 + 0.2 * daily) + base * 0.05 * (rnd() - 0.5) + (rnd() < 0.001 ? base : 0);
    }
    data.push(v);
  }
  let last: Detector[] = [];
  const run = (): { seconds: number; checksum: number } => {
    const detectors: Detector[] = Array.from({ length: seriesCount }, () => createDetector());
    last = detectors;
    let checksum = 0;
    const t0 = performance.now();
    for (let i = 0; i < pointsPerSeries; i++) {
      const t = timestamps[i]!;
      for (let s = 0; s < seriesCount; s++) checksum += detectors[s]!.update(t, data[s]![i]!).score;
    }
    return { seconds: (performance.now() - t0) / 1000, checksum };
  };
  run(); // warm the JIT
  // Best of three: the machine may be shared, and interference only ever slows a run down.
  const runs = [run(), run(), run()];
  const { seconds, checksum } = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const points = seriesCount * pointsPerSeries;
  // Snapshot save and load of every series' state, as a poller does between runs.
  const saveLoad = (): { save: number; load: number } => {
    const t0 = performance.now();
    const texts = last.map((d) => JSON.stringify(d.snapshot()));
    const t1 = performance.now();
    const restored = texts.map((t) => createDetector({}, JSON.parse(t) as ReturnType<Detector['snapshot']>));
    const t2 = performance.now();
    if (restored.length !== last.length) throw new Error('lost a state');
    return { save: ((t1 - t0) * 1000) / last.length, load: ((t2 - t1) * 1000) / last.length };
  };
  saveLoad();
  const timings = [saveLoad(), saveLoad(), saveLoad()];
  const saveUs = Math.min(...timings.map((t) => t.save));
  const loadUs = Math.min(...timings.map((t) => t.load));
  const detector = createDetector();
  for (let i = 0; i < 1000; i++) detector.update(timestamps[i]!, data[0]![i]!);
  const json = JSON.stringify(detector.snapshot()).length;
  console.log(`detector_throughput points_per_s=${Math.round(points / seconds)} points=${points} series=${seriesCount} seconds=${seconds.toFixed(3)} checksum=${checksum.toFixed(3)}`);
  console.log(`detector_state_bytes per_series=${detector.stateBytes()} doubles=${STATE_LENGTH} snapshot_json_bytes=${json}`);
  console.log(`detector_snapshot save_us=${saveUs.toFixed(1)} load_us=${loadUs.toFixed(1)} series=${last.length} (per series: snapshot() + JSON.stringify; JSON.parse + createDetector)`);
}

main();

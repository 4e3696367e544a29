/**
 * The studio's live components fed with made-up numbers (open the page with ?gallery). For developing
 * and e2e-testing the chart, progress bar and memory readout without a training run; it says so.
 */
import { useEffect, useRef, useState } from 'react';
import { LineChart } from '../charts/LineChart';
import { appendPoint, emptyCurves, type CurveSeries } from '../charts/series';
import { GpuMemory } from './GpuMemory';
import { ProgressBar } from './ProgressBar';

const SERIES: CurveSeries[] = [
  { label: 'training loss', color: '#7fdbca' },
  { label: 'validation loss', color: '#f6c177', dashed: true },
  { label: 'validation Dice', color: '#c4a7e7', axis: 'right' },
];

const EPOCHS = 40;

export function ComponentGallery() {
  const data = useRef(emptyCurves(SERIES.length));
  const [epoch, setEpoch] = useState(0);
  const [running, setRunning] = useState(true);
  const [startedAt] = useState(() => Date.now());

  useEffect(() => {
    if (!running || epoch >= EPOCHS) return;
    const t = setTimeout(() => {
      const e = epoch + 1;
      // A plausible made-up curve: exponential decay with a little wobble.
      appendPoint(data.current, 0, e, 0.9 * Math.exp(-e / 12) + 0.05 + 0.02 * Math.sin(e));
      appendPoint(data.current, 1, e, 0.95 * Math.exp(-e / 14) + 0.08);
      appendPoint(data.current, 2, e, 0.9 - 0.8 * Math.exp(-e / 10));
      setEpoch(e);
    }, 150);
    return () => clearTimeout(t);
  }, [epoch, running]);

  return (
    <section className="panel gallery" aria-label="Component gallery">
      <div className="panel-head">
        <h2>Component gallery</h2>
        <div className="actions">
          <button type="button" onClick={() => setRunning((r) => !r)}>
            {running ? 'Pause' : 'Resume'}
          </button>
        </div>
      </div>
      <p className="muted">Made-up numbers that exercise the live components; this is not a training run.</p>
      <ProgressBar label="Overall" value={epoch} max={EPOCHS} unit="epochs" startedAt={startedAt} paused={!running} />
      <GpuMemory liveBytes={(48 + epoch) * 1024 * 1024} peakBytes={(64 + epoch) * 1024 * 1024} limitBytes={512 * 1024 * 1024} liveTensors={120 + epoch} />
      <LineChart title="Loss and Dice per epoch" series={SERIES} data={data.current} version={epoch} xLabel="epoch" yLabel="loss" y2Label="Dice" />
    </section>
  );
}

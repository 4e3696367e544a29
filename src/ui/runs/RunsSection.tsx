/**
 * The Runs list of the Training tab: every run folder in the browser's private storage (OPFS), so
 * runs survive a page reload, with model, start time, epochs done / planned, best validation Dice and
 * status (completed / stopped / interrupted / running). Actions: Resume (continue the checkpoint in
 * the same folder), Compare (tick 2+ runs: their validation curves in one chart), Download (zip of
 * the folder) and Delete (asks first).
 */
import { useEffect, useMemo, useState } from 'react';
import { LineChart } from '../charts/LineChart';
import { compareCurves } from './compare';
import type { RunStatus, RunSummary } from './runInfo';
import { useRuns } from './runsStore';
import './runs.css';

const STATUS_TEXT: Record<RunStatus, string> = {
  completed: 'completed',
  stopped: 'stopped',
  interrupted: 'interrupted',
  running: 'running',
  empty: 'no epoch finished',
};

function dateText(d: Date | null): string {
  return d ? d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' }) : '—';
}

export interface RunsSectionProps {
  /** Continue a run from its checkpoint (the panel supplies the dataset). */
  onResume: (run: RunSummary) => void;
  /** A training is running: Resume is disabled. */
  busy: boolean;
}

export function RunsSection({ onResume, busy }: RunsSectionProps) {
  const r = useRuns();
  const [confirming, setConfirming] = useState<string | null>(null);
  const [working, setWorking] = useState<string | null>(null);

  useEffect(() => {
    void useRuns.getState().refresh();
  }, []);

  const compared = useMemo(() => {
    const chosen = r.runs.filter((run) => r.selected.includes(run.folder) && r.curves.has(run.folder));
    if (chosen.length < 2) return null;
    return compareCurves(chosen.map((run) => ({ label: run.folder.split('/').pop()!, table: r.curves.get(run.folder)! })));
  }, [r.runs, r.selected, r.curves]);

  const act = async (folder: string, what: () => Promise<void>) => {
    setWorking(folder);
    try {
      await what();
    } finally {
      setWorking(null);
    }
  };

  return (
    <section className="runs-section" aria-label="Runs" data-testid="runs-section">
      <div className="runs-head">
        <h3>Runs</h3>
        <button type="button" onClick={() => void r.refresh()} disabled={r.loading}>
          Refresh
        </button>
      </div>
      <p className="muted">
        Runs kept in the browser's private storage (OPFS, <code>runs/</code>); they survive a page reload. Tick two or more to compare their validation curves.
      </p>
      {r.error && (
        <p className="problem" role="alert" data-testid="runs-error">
          {r.error}
        </p>
      )}
      {r.loaded && r.runs.length === 0 && !r.error && <p className="muted" data-testid="runs-empty">No runs yet.</p>}
      {r.runs.length > 0 && (
        <div className="table-scroll">
          <table className="data-table runs-table" aria-label="Training runs">
            <thead>
              <tr>
                <th scope="col">Compare</th>
                <th scope="col">Run</th>
                <th scope="col">Model</th>
                <th scope="col">Started</th>
                <th scope="col">Epochs</th>
                <th scope="col">Best val Dice</th>
                <th scope="col">Status</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {r.runs.map((run) => {
                const name = run.folder.split('/').pop()!;
                return (
                  <tr key={run.folder} data-testid="run-row" data-folder={run.folder} data-status={run.status} data-epochs={run.epochsDone}>
                    <td>
                      <input type="checkbox" aria-label={`Compare ${name}`} checked={r.selected.includes(run.folder)} disabled={!r.curves.has(run.folder)} onChange={() => r.toggle(run.folder)} />
                    </td>
                    <th scope="row" className="mono">{name}</th>
                    <td>{run.modelName}</td>
                    <td>{dateText(run.date)}</td>
                    <td data-testid="run-epochs">
                      {run.epochsDone} / {run.epochsPlanned ?? '?'}
                    </td>
                    <td data-testid="run-dice">
                      {run.bestValDice == null ? '—' : run.bestValDice.toFixed(4)}
                      {run.bestEpoch ? <span className="muted"> (epoch {run.bestEpoch})</span> : null}
                    </td>
                    <td>
                      <span className={`run-status run-${run.status}`} data-testid="run-status">{STATUS_TEXT[run.status]}</span>
                    </td>
                    <td className="run-actions">
                      {confirming === run.folder ? (
                        <>
                          <span>Delete {name} and all its files?</span>
                          <button type="button" className="danger" onClick={() => { setConfirming(null); void act(run.folder, () => r.remove(run.folder)); }}>
                            Yes, delete
                          </button>
                          <button type="button" onClick={() => setConfirming(null)}>
                            Cancel
                          </button>
                        </>
                      ) : (
                        <>
                          <button type="button" disabled={!run.resumable || busy} onClick={() => onResume(run)} aria-label={`Resume ${name}`}
                            title={run.resumable ? `Continue from the checkpoint of epoch ${run.epochsDone}` : 'Nothing to resume (completed, running, or no epoch finished)'}>
                            Resume
                          </button>
                          <button type="button" disabled={working === run.folder} onClick={() => void act(run.folder, () => r.download(run.folder))} aria-label={`Download ${name}`}>
                            Download
                          </button>
                          <button type="button" disabled={run.status === 'running' || working === run.folder} onClick={() => setConfirming(run.folder)} aria-label={`Delete ${name}`}>
                            Delete
                          </button>
                        </>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {r.selected.length === 1 && <p className="muted">Tick one more run to compare.</p>}
      {compared && (
        <div data-testid="runs-compare">
          <LineChart title="Compared runs: validation Dice (right) and validation loss (dashed, left) per epoch" series={compared.series} data={compared.data} xLabel="epoch" yLabel="val loss" y2Label="val Dice" />
        </div>
      )}
    </section>
  );
}

/** Every problem found while indexing, each naming its file. */
import type { DatasetProblem } from './types';

export function ProblemList({ problems }: { problems: DatasetProblem[] }) {
  if (problems.length === 0) return <p className="good">No problems found.</p>;
  const errors = problems.filter((p) => p.severity === 'error').length;
  return (
    <details className="dataset-problems" open={errors > 0 || problems.length <= 8}>
      <summary>
        {problems.length} problem{problems.length === 1 ? '' : 's'} ({errors} error{errors === 1 ? '' : 's'}, {problems.length - errors} warning
        {problems.length - errors === 1 ? '' : 's'})
      </summary>
      <ul>
        {problems.map((p, i) => (
          <li key={`${p.path}-${i}`} className={p.severity} data-testid="dataset-problem" data-path={p.path}>
            <span className={`badge ${p.severity === 'error' ? 'bad-badge' : 'warn-badge'}`}>{p.severity}</span> <code>{p.path}</code>: {p.message}
          </li>
        ))}
      </ul>
    </details>
  );
}

/** Axial / coronal / sagittal / multiplanar / 3D buttons (a radio group: arrow keys move between them). */
import type { KeyboardEvent } from 'react';
import { VIEW_MODES, type ViewMode } from './layers';

export function ViewButtons({ view, onChange }: { view: ViewMode; onChange: (view: ViewMode) => void }) {
  const onKey = (e: KeyboardEvent) => {
    const i = VIEW_MODES.findIndex((m) => m.id === view);
    let next: ViewMode;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') next = VIEW_MODES[(i + 1) % VIEW_MODES.length].id;
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') next = VIEW_MODES[(i + VIEW_MODES.length - 1) % VIEW_MODES.length].id;
    else return;
    e.preventDefault();
    onChange(next);
    e.currentTarget.querySelector<HTMLElement>(`[data-view="${next}"]`)?.focus();
  };
  return (
    <div className="view-buttons" role="radiogroup" aria-label="View" onKeyDown={onKey}>
      {VIEW_MODES.map((m) => (
        <button
          key={m.id}
          data-view={m.id}
          type="button"
          role="radio"
          aria-checked={m.id === view}
          tabIndex={m.id === view ? 0 : -1}
          className={m.id === view ? 'active' : ''}
          onClick={() => onChange(m.id)}
        >
          {m.label}
        </button>
      ))}
    </div>
  );
}

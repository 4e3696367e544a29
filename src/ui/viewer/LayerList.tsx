/** The layer list beside the viewer: visibility, kind, opacity, colormap, display range, colorbar, remove. */
import { formatMm } from '../components/format';
import { useId } from 'react';
import { autoRange, CONTINUOUS_COLORMAPS, DEFAULT_COLORMAP, rangeStep, type LayerInfo, type LayerKind, type ViewerLayer } from './layers';

const KIND_LABELS: Record<LayerKind, string> = {
  image: 'Image',
  label: 'Label',
  probability: 'Probability',
  uncertainty: 'Uncertainty',
};

export interface LayerListProps {
  layers: ViewerLayer[];
  info: Record<string, LayerInfo>;
  onChange: (id: string, patch: Partial<ViewerLayer>) => void;
  onRemove: (id: string) => void;
}

export function LayerList({ layers, info, onChange, onRemove }: LayerListProps) {
  if (layers.length === 0) return <p className="muted">No layers yet.</p>;
  return (
    <ol className="layer-list" aria-label="Layers">
      {layers.map((layer, i) => (
        <LayerRow key={layer.id} layer={layer} isBase={i === 0} info={info[layer.id]} onChange={onChange} onRemove={onRemove} />
      ))}
    </ol>
  );
}

function LayerRow({
  layer,
  isBase,
  info,
  onChange,
  onRemove,
}: {
  layer: ViewerLayer;
  isBase: boolean;
  info?: LayerInfo;
  onChange: LayerListProps['onChange'];
  onRemove: LayerListProps['onRemove'];
}) {
  const uid = useId();
  const set = (patch: Partial<ViewerLayer>) => onChange(layer.id, patch);
  const continuous = layer.kind !== 'label';
  const lo = info?.min ?? 0;
  const hi = info?.max ?? 1;
  const step = rangeStep(lo, hi);
  const [autoMin, autoMax] = autoRange(layer.kind, [info?.calMin ?? lo, info?.calMax ?? hi]);
  const calMin = layer.calMin ?? autoMin;
  const calMax = layer.calMax ?? autoMax;
  return (
    <li className="layer" data-testid="layer" data-layer-name={layer.name} data-kind={layer.kind}>
      <div className="layer-head">
        <input
          type="checkbox"
          id={`${uid}-vis`}
          checked={layer.visible}
          onChange={(e) => set({ visible: e.target.checked })}
          aria-label={`Show ${layer.name}`}
        />
        <label htmlFor={`${uid}-vis`} className="layer-name" title={layer.name}>
          {layer.name}
        </label>
        <span className="badge">{isBase ? 'base' : KIND_LABELS[layer.kind].toLowerCase()}</span>
        <button type="button" className="icon-button" onClick={() => onRemove(layer.id)} aria-label={`Remove ${layer.name}`} title="Remove">
          ×
        </button>
      </div>
      {info && (
        <p className="layer-facts muted">
          {info.dims.join('×')} voxels · {info.pixDims.map(formatMm).join('×')} mm · values {fmt(info.min)}…{fmt(info.max)}
        </p>
      )}
      <div className="layer-controls">
        {!isBase && (
          <label>
            Kind
            <select value={layer.kind} onChange={(e) => set({ kind: e.target.value as LayerKind, colormap: DEFAULT_COLORMAP[e.target.value as LayerKind] })}>
              {(Object.keys(KIND_LABELS) as LayerKind[]).map((k) => (
                <option key={k} value={k}>
                  {KIND_LABELS[k]}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          Opacity
          <input
            type="range"
            min={0}
            max={1}
            step={0.05}
            value={layer.opacity}
            onChange={(e) => set({ opacity: Number(e.target.value) })}
            aria-label={`Opacity of ${layer.name}`}
          />
          <output>{Math.round(layer.opacity * 100)}%</output>
        </label>
        {continuous && (
          <>
            <label>
              Colormap
              <select value={layer.colormap} onChange={(e) => set({ colormap: e.target.value })} aria-label={`Colormap of ${layer.name}`}>
                {CONTINUOUS_COLORMAPS.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            </label>
            <fieldset className="range-fields">
              <legend>Display range</legend>
              <label>
                min
                <input
                  type="number"
                  step={step}
                  value={round(calMin, step)}
                  onChange={(e) => e.target.value !== '' && set({ calMin: Number(e.target.value) })}
                  aria-label={`Minimum of the display range of ${layer.name}`}
                />
              </label>
              <label>
                max
                <input
                  type="number"
                  step={step}
                  value={round(calMax, step)}
                  onChange={(e) => e.target.value !== '' && set({ calMax: Number(e.target.value) })}
                  aria-label={`Maximum of the display range of ${layer.name}`}
                />
              </label>
              <button type="button" className="link-button" onClick={() => set({ calMin: undefined, calMax: undefined })}>
                auto
              </button>
            </fieldset>
            {!isBase && (
              <label className="inline">
                <input type="checkbox" checked={layer.colorbar} onChange={(e) => set({ colorbar: e.target.checked })} />
                colorbar
              </label>
            )}
          </>
        )}
      </div>
    </li>
  );
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : Number(v.toPrecision(4)).toString();
}

function round(v: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return Number(v.toFixed(Math.min(decimals + 1, 8)));
}

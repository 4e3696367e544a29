/**
 * The one React wrapper around NiiVue. It owns a canvas and a Niivue instance (refs, never state) and
 * keeps NiiVue's volume list in step with the `layers` prop: new layers are loaded, removed ones
 * dropped, and display settings (colormap, opacity, visibility, range, colorbar) applied on each change.
 *
 * Lifecycle: NiiVue is created in an effect, deferred by a microtask so that React StrictMode's
 * synchronous mount-unmount-mount creates a single instance; the teardown calls nv.cleanup() and
 * releases the WebGL context (browsers cap live contexts at ~16).
 */
import { Niivue, SLICE_TYPE, type NVImage } from '@niivue/niivue';
import { useCallback, useEffect, useRef, useState } from 'react';
import { applyKindColouring, ImageLoadError, loadSource } from './loadImage';
import { autoRange, finiteRange, formatValue, type ImageSource, type LayerInfo, type LayerKind, type ViewMode, type ViewerLayer } from './layers';

export interface CrosshairValue {
  layerId: string;
  name: string;
  value: number;
}

export interface CrosshairReadout {
  /** World position in mm (RAS). */
  mm: [number, number, number];
  /** Voxel of the base image. */
  vox: [number, number, number];
  values: CrosshairValue[];
}

export interface NiivueViewerProps {
  /** layers[0] is the base image; the rest are overlays drawn in order. */
  layers: ViewerLayer[];
  view: ViewMode;
  /** Accessible name of the canvas. */
  label?: string;
  /** Called once a layer is loaded, with its dims and value range. */
  onLayerInfo?: (layerId: string, info: LayerInfo) => void;
  /** Called when a layer cannot be loaded (the message names the file). */
  onLayerError?: (layerId: string, message: string) => void;
  /** Called when the crosshair moves and after layers change. */
  onLocation?: (readout: CrosshairReadout) => void;
  /** Show the readout of every layer's value under the canvas (default true). */
  showReadout?: boolean;
  className?: string;
}

interface LoadedLayer {
  source: ImageSource;
  image: NVImage;
  /** The range NiiVue picked at load time, restored when the caller clears calMin/calMax. */
  autoCal: [number, number];
}

const SLICE_TYPES: Record<ViewMode, SLICE_TYPE> = {
  axial: SLICE_TYPE.AXIAL,
  coronal: SLICE_TYPE.CORONAL,
  sagittal: SLICE_TYPE.SAGITTAL,
  multiplanar: SLICE_TYPE.MULTIPLANAR,
  render: SLICE_TYPE.RENDER,
};

export const WEBGL2_MISSING =
  'The viewer needs WebGL2 and this browser did not provide a WebGL2 context. Enable hardware acceleration in the browser settings, or start Chromium with --enable-unsafe-swiftshader for software rendering.';

const isFiniteNumber = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);

/** The value range of a loaded image, from NiiVue when it has one, else from the voxels. */
function imageRange(image: NVImage): { min: number; max: number; calMin: number; calMax: number } {
  let min = image.global_min;
  let max = image.global_max;
  if (!isFiniteNumber(min) || !isFiniteNumber(max)) [min, max] = finiteRange((image.img as ArrayLike<number> | null) ?? []);
  return { min, max, calMin: isFiniteNumber(image.cal_min) ? image.cal_min : min, calMax: isFiniteNumber(image.cal_max) ? image.cal_max : max };
}

function autoCalOf(image: NVImage): [number, number] {
  const r = imageRange(image);
  return [r.calMin, r.calMax];
}

function layerInfo(image: NVImage): LayerInfo {
  const hdr = image.hdr!;
  return {
    dims: hdr.dims.slice(1, 1 + Math.max(3, Math.min(hdr.dims[0], 4))),
    pixDims: hdr.pixDims.slice(1, 4),
    ...imageRange(image),
  };
}

/** Draw colorbars only for continuous overlays that asked for one. */
function wantsColorbar(layer: ViewerLayer, kind: LayerKind): boolean {
  return layer.colorbar && layer.visible && kind !== 'label';
}

export function NiivueViewer({ layers, view, label, onLayerInfo, onLayerError, onLocation, showReadout = true, className }: NiivueViewerProps) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const nvRef = useRef<Niivue | null>(null);
  const loadedRef = useRef(new Map<string, LoadedLayer>());
  const [ready, setReady] = useState(false);
  const [glError, setGlError] = useState<string | null>(null);
  const [loading, setLoading] = useState<string | null>(null);
  const [readout, setReadout] = useState<CrosshairReadout | null>(null);

  // Latest props for the asynchronous sync loop (it outlives a render).
  const propsRef = useRef({ layers, onLayerInfo, onLayerError, onLocation });
  useEffect(() => {
    propsRef.current = { layers, onLayerInfo, onLayerError, onLocation };
  });

  const emitLocation = useCallback((loc: { mm: ArrayLike<number>; vox: ArrayLike<number>; values: { id: string; value: number }[] }) => {
    const byImageId = new Map<string, { layerId: string; name: string }>();
    const { layers: current } = propsRef.current;
    for (const layer of current) {
      const entry = loadedRef.current.get(layer.id);
      if (entry) byImageId.set(entry.image.id, { layerId: layer.id, name: layer.name });
    }
    const values: CrosshairValue[] = [];
    for (const v of loc.values) {
      const owner = byImageId.get(v.id);
      if (owner) values.push({ ...owner, value: v.value });
    }
    const next: CrosshairReadout = {
      mm: [loc.mm[0], loc.mm[1], loc.mm[2]],
      vox: [loc.vox[0], loc.vox[1], loc.vox[2]],
      values,
    };
    setReadout(next);
    propsRef.current.onLocation?.(next);
  }, []);

  // Create NiiVue once per mounted canvas.
  useEffect(() => {
    const canvas = canvasRef.current!;
    const loaded = loadedRef.current;
    let cancelled = false;
    let nv: Niivue | null = null;
    let attached = false;
    void Promise.resolve().then(async () => {
      if (cancelled) return; // StrictMode's first, discarded mount
      nv = new Niivue({
        backColor: [0.06, 0.1, 0.12, 1],
        crosshairColor: [0.5, 0.86, 0.79, 0.9],
        show3Dcrosshair: true,
        dragAndDropEnabled: false, // drops go through the app, which keeps the layer list
        isColorbar: false,
        loadingText: '',
        logLevel: 'warn',
      });
      try {
        await nv.attachToCanvas(canvas);
      } catch (err) {
        const message = (err as Error).message ?? String(err);
        if (!cancelled) setGlError(/webgl2/i.test(message) ? WEBGL2_MISSING : `The viewer could not start: ${message}`);
        return;
      }
      attached = true;
      if (cancelled) {
        nv.cleanup();
        return;
      }
      nv.onLocationChange = (loc) => emitLocation(loc as Parameters<typeof emitLocation>[0]);
      nvRef.current = nv;
      setReady(true);
    });
    return () => {
      cancelled = true;
      nvRef.current = null;
      loaded.clear();
      if (nv && attached) {
        nv.cleanup();
        nv.gl?.getExtension('WEBGL_lose_context')?.loseContext();
      }
      setReady(false);
    };
  }, [emitLocation]);

  // Serialised sync: one pass at a time, rerun while props changed during a pass.
  const syncing = useRef(false);
  const dirty = useRef(false);

  const syncOnce = useCallback(async () => {
    const nv = nvRef.current;
    if (!nv) return;
    const map = loadedRef.current;
    const { layers: wanted } = propsRef.current;
    const base = wanted[0];
    const baseEntry = base ? map.get(base.id) : undefined;
    const baseIntact = !!base && !!baseEntry && baseEntry.source === base.source && nv.volumes[0] === baseEntry.image;
    if (!baseIntact) {
      // A new base changes the grid every overlay is drawn on: start over.
      for (const v of [...nv.volumes]) nv.removeVolume(v);
      map.clear();
    } else {
      for (const [id, entry] of [...map]) {
        const layer = wanted.find((l) => l.id === id);
        if (!layer || layer.source !== entry.source) {
          nv.removeVolume(entry.image);
          map.delete(id);
        }
      }
    }
    for (const [index, layer] of wanted.entries()) {
      if (map.has(layer.id)) continue;
      const baseImage = index === 0 ? null : (map.get(wanted[0].id)?.image ?? null);
      if (index > 0 && !baseImage) break; // the base failed to load: overlays have no grid
      setLoading(layer.name);
      try {
        const image = await loadSource(layer.source, baseImage);
        if (nvRef.current !== nv) return; // unmounted meanwhile
        const still = propsRef.current.layers.find((l) => l.id === layer.id);
        if (!still || still.source !== layer.source) continue; // removed or replaced while loading
        applyKindColouring(image, layer.kind, layer.colormap, layer.paletteOffset);
        image.opacity = layer.visible ? layer.opacity : 0;
        map.set(layer.id, { source: layer.source, image, autoCal: autoCalOf(image) });
        nv.addVolume(image);
        propsRef.current.onLayerInfo?.(layer.id, layerInfo(image));
      } catch (err) {
        const message = err instanceof ImageLoadError ? err.message : `Cannot open "${layer.name}": ${(err as Error).message ?? String(err)}`;
        propsRef.current.onLayerError?.(layer.id, message);
        if (index === 0) break;
      } finally {
        setLoading(null);
      }
    }
    // Order and display settings from the latest props.
    const latest = propsRef.current.layers;
    const ordered = latest.map((l) => map.get(l.id)?.image).filter((v): v is NVImage => !!v);
    if (ordered.some((img, i) => nv.volumes[i] !== img)) {
      ordered.forEach((img, i) => {
        if (nv.volumes[i] !== img) nv.setVolume(img, i);
      });
    }
    let anyColorbar = false;
    for (const layer of latest) {
      const entry = map.get(layer.id);
      if (!entry) continue;
      const image = entry.image;
      applyKindColouring(image, layer.kind, layer.colormap, layer.paletteOffset);
      image.opacity = layer.visible ? layer.opacity : 0;
      if (layer.kind !== 'label') {
        // Probabilities live in [0, 1]: show that range (zeros transparent) unless told otherwise.
        const auto = autoRange(layer.kind, entry.autoCal);
        image.cal_min = layer.calMin ?? auto[0];
        image.cal_max = layer.calMax ?? auto[1];
      }
      image.colorbarVisible = wantsColorbar(layer, layer.kind);
      anyColorbar ||= image.colorbarVisible;
    }
    nv.opts.isColorbar = anyColorbar;
    if (nv.volumes.length > 0) {
      nv.updateGLVolume(); // cal_min/cal_max changes need this (NiiVue #463)
      nv.createOnLocationChange();
    } else {
      nv.drawScene();
      setReadout(null);
    }
  }, []);

  const scheduleSync = useCallback(() => {
    dirty.current = true;
    if (syncing.current) return;
    syncing.current = true;
    void (async () => {
      try {
        while (dirty.current) {
          dirty.current = false;
          await syncOnce();
        }
      } finally {
        syncing.current = false;
      }
    })();
  }, [syncOnce]);

  useEffect(() => {
    if (ready) scheduleSync();
  }, [ready, layers, scheduleSync]);

  useEffect(() => {
    const nv = nvRef.current;
    if (!ready || !nv) return;
    nv.setSliceType(SLICE_TYPES[view]);
  }, [ready, view]);

  const baseName = layers[0]?.name;
  return (
    <div className={`nv-viewer ${className ?? ''}`} data-testid="niivue-viewer" data-ready={String(ready)} data-loading={loading ?? ''}>
      <div className="nv-stage">
        <canvas
          ref={canvasRef}
          tabIndex={0}
          role="img"
          aria-label={label ?? (baseName ? `Image viewer showing ${baseName}` : 'Image viewer (empty)')}
          data-testid="niivue-canvas"
        />
        {glError && (
          <div className="nv-message problem" role="alert" data-testid="viewer-gl-error">
            {glError}
          </div>
        )}
        {!glError && loading && (
          <div className="nv-message" role="status">
            Loading {loading}…
          </div>
        )}
      </div>
      {showReadout && <Readout readout={readout} />}
    </div>
  );
}

function Readout({ readout }: { readout: CrosshairReadout | null }) {
  if (!readout) {
    return (
      <p className="nv-readout muted" data-testid="crosshair-readout">
        Click the image to place the crosshair.
      </p>
    );
  }
  const mm = readout.mm.map((v) => v.toFixed(1)).join(', ');
  const vox = readout.vox.map((v) => Math.round(v)).join(', ');
  return (
    <div className="nv-readout" data-testid="crosshair-readout" aria-live="polite">
      <span className="muted">
        Crosshair at {mm} mm · voxel [{vox}]
      </span>
      <dl>
        {readout.values.map((v) => (
          <div key={v.layerId} data-testid="crosshair-value" data-layer={v.name} data-value={v.value}>
            <dt>{v.name}</dt>
            <dd>{formatValue(v.value)}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

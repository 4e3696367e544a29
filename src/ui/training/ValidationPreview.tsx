/**
 * The validation slice of the latest epoch with the model's prediction over it (refreshed after each
 * epoch's validation): the same slice every epoch, so the picture changes only because the model
 * learns. Layers can be switched off; the caption names the subject, slice and that slice's Dice. A
 * slider goes back through the epochs kept, and "Download GIF" saves them as an animation (one frame
 * per epoch, as the CLI's -g writes).
 */
import { useEffect, useRef, useState } from 'react';
import { encodeGif, renderGifFrame } from '../../train/gif';
import type { ValidationPreview as Preview } from '../../train/preview';
import { previewPixels } from '../../train/preview_render';
import { downloadFile } from '../components/download';

/** Displayed size of the longer side, in CSS pixels (nearest-neighbour upscaling). */
const DISPLAY_SIDE = 256;

export function ValidationPreview({ history }: { history: readonly Preview[] }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [prediction, setPrediction] = useState(true);
  const [groundTruth, setGroundTruth] = useState(true);
  /** The epoch chosen with the slider; null follows the newest. */
  const [chosen, setChosen] = useState<number | null>(null);
  const shownIndex = chosen === null ? history.length - 1 : Math.max(0, history.findIndex((p) => p.epoch === chosen));
  const preview = history[shownIndex];

  useEffect(() => {
    const canvas = canvasRef.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx || !preview) return;
    canvas.width = preview.width;
    canvas.height = preview.height;
    ctx.putImageData(new ImageData(previewPixels(preview, { prediction, groundTruth }), preview.width, preview.height), 0, 0);
  }, [preview, prediction, groundTruth]);

  if (!preview) return null;
  const latest = history[history.length - 1];
  const saveGif = () => {
    const frames = history.map((p) => renderGifFrame(p, p.epoch, latest.epoch));
    const name = `${preview.label.replace(/[^A-Za-z0-9-]+/g, '_').replace(/^_|_$/g, '')}_epochs-${history[0].epoch}-${latest.epoch}.gif`;
    downloadFile(encodeGif(frames), name, 'image/gif');
  };
  const zoom = DISPLAY_SIDE / Math.max(preview.width, preview.height);
  return (
    <figure className="validation-preview" data-testid="validation-preview" data-epoch={preview.epoch} data-dice={preview.dice ?? ''} data-frames={history.length}>
      <figcaption>
        Validation slice after epoch <strong>{preview.epoch}</strong>: {preview.label}
        {preview.dice != null ? ` · slice Dice ${preview.dice.toFixed(3)}` : ''}
        {preview.classes > 1 ? ` · class 0 of ${preview.classes}` : ''}
        {preview.stride > 1 ? ` · every ${preview.stride}th voxel` : ''}
      </figcaption>
      <canvas
        ref={canvasRef}
        aria-label={`Validation slice ${preview.label} with the prediction of epoch ${preview.epoch}`}
        style={{ width: `${Math.round(preview.width * zoom)}px`, height: `${Math.round(preview.height * zoom)}px` }}
      />
      <div className="preview-layers">
        <label>
          <input type="checkbox" checked={prediction} onChange={(e) => setPrediction(e.target.checked)} /> <span className="swatch pred" /> prediction (≥ 0.5)
        </label>
        {preview.gt && (
          <label>
            <input type="checkbox" checked={groundTruth} onChange={(e) => setGroundTruth(e.target.checked)} /> <span className="swatch gt" /> ground truth outline
          </label>
        )}
      </div>
      {history.length > 1 && (
        <div className="preview-history">
          <label>
            Epoch{' '}
            <input
              type="range"
              min={0}
              max={history.length - 1}
              step={1}
              value={shownIndex}
              aria-label="Epoch of the validation slice"
              aria-valuetext={`epoch ${preview.epoch}`}
              onChange={(e) => {
                const i = Number(e.target.value);
                setChosen(i === history.length - 1 ? null : history[i].epoch);
              }}
            />
          </label>
          <button type="button" onClick={saveGif} title={`${history.length} frames: epochs ${history.map((p) => p.epoch).join(', ')}`}>
            Download GIF
          </button>
        </div>
      )}
    </figure>
  );
}

/**
 * The validation slice of the latest epoch with the model's prediction over it (refreshed after each
 * epoch's validation): the same slice every epoch, so the picture changes only because the model
 * learns. Layers can be switched off; the caption names the subject, slice and that slice's Dice.
 */
import { useEffect, useRef, useState } from 'react';
import type { ValidationPreview as Preview } from '../../train/preview';
import { previewPixels } from '../../train/preview_render';

/** Displayed size of the longer side, in CSS pixels (nearest-neighbour upscaling). */
const DISPLAY_SIDE = 256;

export function ValidationPreview({ preview }: { preview: Preview }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [prediction, setPrediction] = useState(true);
  const [groundTruth, setGroundTruth] = useState(true);

  useEffect(() => {
    const canvas = canvasRef.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    canvas.width = preview.width;
    canvas.height = preview.height;
    ctx.putImageData(new ImageData(previewPixels(preview, { prediction, groundTruth }), preview.width, preview.height), 0, 0);
  }, [preview, prediction, groundTruth]);

  const zoom = DISPLAY_SIDE / Math.max(preview.width, preview.height);
  return (
    <figure className="validation-preview" data-testid="validation-preview" data-epoch={preview.epoch} data-dice={preview.dice ?? ''}>
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
    </figure>
  );
}

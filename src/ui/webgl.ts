/** WebGL2 capability check for the viewer (NiiVue needs WebGL2 with 3D textures). */
export interface WebGL2Report {
  available: boolean;
  renderer?: string;
  vendor?: string;
  max3DTextureSize?: number;
  error?: string;
}

export function probeWebGL2(): WebGL2Report {
  try {
    const canvas = document.createElement('canvas');
    const gl = canvas.getContext('webgl2');
    if (!gl) {
      return {
        available: false,
        error: 'No WebGL2 context. Enable hardware acceleration, or start Chromium with --enable-unsafe-swiftshader for software rendering.',
      };
    }
    const dbg = gl.getExtension('WEBGL_debug_renderer_info');
    const report: WebGL2Report = {
      available: true,
      renderer: String(gl.getParameter(dbg ? dbg.UNMASKED_RENDERER_WEBGL : gl.RENDERER)),
      vendor: String(gl.getParameter(dbg ? dbg.UNMASKED_VENDOR_WEBGL : gl.VENDOR)),
      max3DTextureSize: Number(gl.getParameter(gl.MAX_3D_TEXTURE_SIZE)),
    };
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return report;
  } catch (err) {
    return { available: false, error: (err as Error).message };
  }
}

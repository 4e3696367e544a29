/**
 * Chromium launch settings shared by the Playwright config and any script that drives the studio:
 * Debian's /usr/bin/chromium (Playwright cannot download its own browser here), WebGPU on
 * SwiftShader, WebGL2 on SwiftShader for NiiVue, and no background networking.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--enable-unsafe-swiftshader',
  '--use-angle=swiftshader',
  '--enable-features=Vulkan',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

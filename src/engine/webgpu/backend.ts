export class WebGpuBackend {}

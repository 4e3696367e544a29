/** Starts a browser download of bytes or text (an object URL on a temporary link, revoked later). */
export function downloadFile(content: Uint8Array | string, fileName: string, type = 'application/octet-stream'): void {
  const url = URL.createObjectURL(new Blob([content as Uint8Array<ArrayBuffer> | string], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoked later, not at once: some browsers start reading the URL after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

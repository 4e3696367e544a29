import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createNodeSource } from './node';
import { createMemorySource, copySource } from './memory';
import { createFileListSource, filesFromDroppedEntry, type DroppedEntry } from './filelist';
import { createHandleSource } from './handle';
import { fakeDirectoryHandle } from './fake-handle';
import { normalizePath, readJson, readText, type FileSource } from './source';

const FILES: Record<string, string> = {
  'dataset_description.json': '{"Name":"t","BIDSVersion":"1.8.0"}',
  'sub-01/anat/sub-01_T1w.nii.gz': '0123456789abcdef',
  'sub-01/anat/sub-01_T1w.json': '{"EchoTime":0.01}',
  'derivatives/labels/sub-01/anat/sub-01_T1w_seg-manual.nii.gz': 'xyz',
  '.git/config': 'hidden',
  'sub-01/.DS_Store': 'hidden',
};
const VISIBLE = Object.keys(FILES).filter((p) => !p.split('/').some((s) => s.startsWith('.'))).sort();

function nodeSource(): FileSource {
  const dir = mkdtempSync(path.join(tmpdir(), 'src-'));
  for (const [p, d] of Object.entries(FILES)) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), d);
  }
  return createNodeSource(dir);
}

function fileListSource(): FileSource {
  // Real File objects with webkitRelativePath as <input webkitdirectory> sets it ("folder/...").
  const files = Object.entries(FILES).map(([p, d]) => {
    const f = new File([d], p.split('/').pop()!);
    Object.defineProperty(f, 'webkitRelativePath', { value: `mydata/${p}` });
    return f;
  });
  return createFileListSource(files);
}

const makers: [string, () => FileSource][] = [
  ['node fs', nodeSource],
  ['memory', () => createMemorySource('mydata', FILES)],
  ['File list', fileListSource],
  ['directory handle', () => createHandleSource(fakeDirectoryHandle('mydata', FILES))],
];

describe.each(makers)('%s source', (kind, make) => {
  it('lists visible files recursively with sizes, sorted', async () => {
    const s = make();
    const entries = await s.list();
    expect(entries.map((e) => e.path)).toEqual(VISIBLE);
    for (const e of entries) expect(e.size).toBe(FILES[e.path].length);
  });

  it('reads whole files, byte ranges (clamped) and JSON', async () => {
    const s = make();
    const p = 'sub-01/anat/sub-01_T1w.nii.gz';
    expect(new TextDecoder().decode(await s.read(p))).toBe(FILES[p]);
    expect(new TextDecoder().decode(await s.readRange(p, 2, 6))).toBe('2345');
    expect(new TextDecoder().decode(await s.readRange(p, 10, 100))).toBe('abcdef');
    expect((await s.readRange(p, 50, 60)).byteLength).toBe(0);
    expect(await readJson(s, 'sub-01/anat/sub-01_T1w.json')).toEqual({ EchoTime: 0.01 });
  });

  it('names the missing file', async () => {
    const s = make();
    await expect(s.read('sub-02/anat/none.nii.gz')).rejects.toThrow(/sub-02\/anat\/none\.nii\.gz: no such file/);
    await expect(s.readRange('nope.nii', 0, 10)).rejects.toThrow(/nope\.nii: no such file/);
  });

  if (kind === 'File list') {
    it('is read-only with a clear message', async () => {
      const s = make();
      expect(s.writable).toBe(false);
      expect(s.name).toBe('mydata');
      await expect(s.write('derivatives/x.txt', 'a')).rejects.toThrow(/derivatives\/x\.txt: cannot write into "mydata".*read-only/);
    });
  } else {
    it('writes new files in new folders and replaces existing ones', async () => {
      const s = make();
      await s.write('derivatives/pred/sub-01/anat/sub-01_T1w_pred.nii.gz', new Uint8Array([1, 2, 3]));
      await s.write('dataset_description.json', '{"Name":"u"}');
      expect(Array.from(new Uint8Array(await s.read('derivatives/pred/sub-01/anat/sub-01_T1w_pred.nii.gz')))).toEqual([1, 2, 3]);
      expect(await readText(s, 'dataset_description.json')).toBe('{"Name":"u"}');
      expect((await s.list()).map((e) => e.path)).toContain('derivatives/pred/sub-01/anat/sub-01_T1w_pred.nii.gz');
    });
  }
});

describe('source helpers', () => {
  it('normalizes paths and refuses to leave the root', () => {
    expect(normalizePath('/a\\b/./c/')).toBe('a/b/c');
    expect(() => normalizePath('a/../../etc/passwd')).toThrow(/leaves the dataset folder/);
  });

  it('takes {file, path} pairs in the File-list source', async () => {
    const s = createFileListSource([{ file: new File(['abc'], 'x.json'), path: 'sub-01/x.json' }], 'dropped');
    expect(s.name).toBe('dropped');
    expect(await s.list()).toEqual([{ path: 'sub-01/x.json', size: 3 }]);
  });

  it('copies a memory source onto disk', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'copy-'));
    const n = await copySource(createMemorySource('m', { 'a/b.txt': 'hello', 'c.txt': 'x' }), createNodeSource(dir));
    expect(n).toBe(2);
    expect(readFileSync(path.join(dir, 'a/b.txt'), 'utf8')).toBe('hello');
  });
});

describe('dropped folders without handles (webkitGetAsEntry)', () => {
  it('walks entries in batches into a File-list source', async () => {
    const file = (name: string, text: string): DroppedEntry => ({ isFile: true, isDirectory: false, name, file: (ok) => ok(new File([text], name)) });
    const dir = (name: string, children: DroppedEntry[]): DroppedEntry => ({
      isFile: false, isDirectory: true, name,
      createReader: () => {
        // two batches then empty, as Chrome returns at most 100 entries per call
        const batches = [children.slice(0, 1), children.slice(1), []];
        return { readEntries: (ok) => ok(batches.shift() ?? []) };
      },
    });
    const root = dir('ds', [file('dataset_description.json', '{}'), dir('sub-01', [dir('anat', [file('sub-01_T1w.nii.gz', 'abc')])])]);
    const pairs = await filesFromDroppedEntry(root);
    expect(pairs.map((p) => p.path).sort()).toEqual(['dataset_description.json', 'sub-01/anat/sub-01_T1w.nii.gz']);
    const s = createFileListSource(pairs, 'ds');
    expect(await s.list()).toEqual([{ path: 'dataset_description.json', size: 2 }, { path: 'sub-01/anat/sub-01_T1w.nii.gz', size: 3 }]);
  });
});

describe('directory handle permissions', () => {
  it('asks for readwrite permission before writing and says when it is refused', async () => {
    const handle = fakeDirectoryHandle('ds', { 'a.txt': 'x' });
    const asked: string[] = [];
    const denied = createHandleSource({ ...handle, values: () => handle.values(), getDirectoryHandle: handle.getDirectoryHandle, getFileHandle: handle.getFileHandle, requestPermission: async (d) => { asked.push(d.mode); return 'denied'; } });
    await expect(denied.write('derivatives/p.nii.gz', 'x')).rejects.toThrow(/derivatives\/p\.nii\.gz: permission to write to "ds" was not granted/);
    expect(asked).toEqual(['readwrite']);
    expect(await denied.list()).toEqual([{ path: 'a.txt', size: 1 }]);
  });
});

/**
 * Recently opened dataset folders, kept as directory handles in IndexedDB so a reload can reopen them.
 * Browsers drop the permission on reload: reopening asks again (it must follow a click).
 */
import { openDB, type IDBPDatabase } from 'idb';

export interface RecentFolder {
  id: number;
  name: string;
  handle: FileSystemDirectoryHandle;
  openedAt: number;
}

const DB_NAME = 'ivadomed-web-ui';
const STORE = 'recent-folders';
const KEEP = 6;

let db: Promise<IDBPDatabase> | null = null;
function database(): Promise<IDBPDatabase> {
  db ??= openDB(DB_NAME, 1, {
    upgrade(d) {
      d.createObjectStore(STORE, { keyPath: 'id', autoIncrement: true });
    },
  });
  return db;
}

export async function listRecentFolders(): Promise<RecentFolder[]> {
  const all = (await (await database()).getAll(STORE)) as RecentFolder[];
  return all.sort((a, b) => b.openedAt - a.openedAt);
}

/** Stores the handle (replacing an entry for the same folder) and keeps the newest few. */
export async function rememberFolder(handle: FileSystemDirectoryHandle): Promise<void> {
  const d = await database();
  const existing = await listRecentFolders();
  for (const r of existing) {
    const same = await r.handle.isSameEntry(handle).catch(() => false);
    if (same) await d.delete(STORE, r.id);
  }
  await d.add(STORE, { name: handle.name, handle, openedAt: Date.now() });
  const after = await listRecentFolders();
  for (const r of after.slice(KEEP)) await d.delete(STORE, r.id);
}

export async function forgetFolder(id: number): Promise<void> {
  await (await database()).delete(STORE, id);
}

type PermissionHandle = FileSystemDirectoryHandle & {
  queryPermission?: (d: { mode: 'read' | 'readwrite' }) => Promise<PermissionState>;
  requestPermission?: (d: { mode: 'read' | 'readwrite' }) => Promise<PermissionState>;
};

/** True when reading is allowed, asking the user if needed (call from a click handler). */
export async function ensureReadPermission(handle: FileSystemDirectoryHandle): Promise<boolean> {
  const h = handle as PermissionHandle;
  if (!h.queryPermission) return true;
  if ((await h.queryPermission({ mode: 'read' })) === 'granted') return true;
  return (await h.requestPermission?.({ mode: 'read' })) === 'granted';
}

// Browser-safe sources. The Node fs source lives in ./node (import it from Node code only).
export { type FileEntry, type FileSource, normalizePath, readText, readJson } from './source';
export { createMemorySource, copySource, type MemorySource } from './memory';
export { createFileListSource, filesFromDroppedEntry, type FileWithPath, type DroppedEntry } from './filelist';
export { createHandleSource, type DirectoryHandleLike, type FileHandleLike } from './handle';
export { createMergedSource } from './merged';

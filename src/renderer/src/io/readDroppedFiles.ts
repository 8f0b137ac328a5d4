// Reads what was dropped on the window (files, folders, nested folders) into named byte arrays for
// 'studies.openFiles'. Names keep the folder path relative to the drop, so two series' IM0001 stay
// distinct. Hidden files (.DS_Store, ._*) are skipped: they are never images.

export interface ReadFile {
  name: string;
  bytes: Uint8Array<ArrayBuffer>;
}

interface PendingFile {
  name: string;
  file: File;
}

const isHidden = (name: string) => name.startsWith('.');

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/** readEntries returns at most ~100 entries per call; call it until it returns none. */
async function childrenOf(entry: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = entry.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

async function collect(entry: FileSystemEntry, out: PendingFile[]): Promise<void> {
  if (isHidden(entry.name)) return;
  if (entry.isFile) {
    out.push({ name: entry.fullPath.replace(/^\/+/, ''), file: await fileOf(entry as FileSystemFileEntry) });
  } else if (entry.isDirectory) {
    for (const child of await childrenOf(entry as FileSystemDirectoryEntry)) await collect(child, out);
  }
}

/**
 * Must be called synchronously inside the drop handler: the browser empties the DataTransfer as
 * soon as the handler returns, so the entries are taken first and read afterwards.
 */
export function readDroppedFiles(transfer: DataTransfer): Promise<ReadFile[]> {
  const entries = [...transfer.items]
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry())
    .filter((entry): entry is FileSystemEntry => entry !== null);
  // Without entry support (or for synthetic drops) fall back to the flat file list.
  const flat = entries.length ? [] : [...transfer.files].map((file) => ({ name: file.name, file }));

  return (async () => {
    const pending: PendingFile[] = [...flat];
    for (const entry of entries) await collect(entry, pending);
    return Promise.all(
      pending
        .filter((p) => !isHidden(p.file.name))
        .map(async (p) => ({ name: p.name, bytes: new Uint8Array(await p.file.arrayBuffer()) })),
    );
  })();
}

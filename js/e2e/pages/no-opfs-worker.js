// The package's worker in a global without OPFS (as in Safari's private
// windows), for the test of storage 'auto'.
delete globalThis.FileSystemSyncAccessHandle;
if (globalThis.FileSystemFileHandle) delete globalThis.FileSystemFileHandle.prototype.createSyncAccessHandle;
await import('/dist/worker.js');

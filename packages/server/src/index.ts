export { type AppDeps, buildApp } from './app.js';
export { type Config, ConfigError, loadConfig } from './config.js';
export { BackupError, type BackupSummary, backupDatabase, restoreDatabase } from './db/backup.js';
export { DataDirLockedError } from './db/data-dir-lock.js';
export { openStorage, type Storage, StorageError } from './db/storage.js';
export { type RunningServer, runServer, startServer } from './main.js';
export { MasterKeyError } from './security/master-key.js';
export { finishRotation, rotateSecrets } from './security/rotate-secrets.js';
export { VERSION } from './version.js';

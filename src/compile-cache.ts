// Preloaded by `npm start` (node --import, so it runs before the server's modules are parsed):
// Node's on-disk compile cache keeps each module's type-stripped, compiled form between starts,
// which halves the CPU time of loading the server's modules (about 1.1 s -> 0.6 s measured).
// Entries are keyed by content; a changed file is compiled afresh.
import { enableCompileCache } from 'node:module';

enableCompileCache?.();

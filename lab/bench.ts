/** What `npm run bench` uses of the lab (bundled by bench/lib/lab.mjs: the benchmarks are plain JavaScript). */
export { startAcme, type RunningAcme } from './acme.js';
export { makeIssuer } from './certificates.js';
export { makeLineage } from './lineage.js';
export { findTool } from './tools.js';
export { nginxConfText } from './nginx.js';

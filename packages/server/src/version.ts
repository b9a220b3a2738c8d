import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The product version, from the server package (the same in src/ and dist/). */
export const VERSION: string = (require('../package.json') as { version: string }).version;

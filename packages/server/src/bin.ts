// Runs the server directly (used by `npm run dev` through tsx watch; `npm start` uses the build).
import { runServer } from './main.js';

await runServer(process.env);

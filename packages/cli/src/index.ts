export { createProgram, type ProgramIo, runCli } from './program.js';

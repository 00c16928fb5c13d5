// Runs a TypeScript module (the last argument) in a worker thread, from a clone of the repository.
// A thread does not inherit the tsx loader its parent registered, so this registers one in the
// thread first. A package runs the compiled JavaScript module directly and never needs this.
import { register } from 'tsx/esm/api';

register();
await import(process.argv[process.argv.length - 1]);

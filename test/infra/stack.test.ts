import { stackSuite } from './stack-suite.ts';

stackSuite({ provider: 'native' });

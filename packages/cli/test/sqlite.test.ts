import { describeTarget } from './support.js';

describeTarget('sqlite-file');

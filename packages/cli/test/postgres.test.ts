import { describeTarget } from './support.js';

describeTarget('postgres');

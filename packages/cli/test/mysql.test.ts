import { describeTarget } from './support.js';

describeTarget('mysql');

export { ago, formatTime } from '@sess/demo-kit';

/** `1 device`, `2 devices`. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

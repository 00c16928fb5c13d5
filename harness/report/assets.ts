import fs from 'node:fs';
import { createRequire } from 'node:module';
import { verdictWord, type Validity } from '../checker/index.ts';

const require = createRequire(import.meta.url);

/** uPlot's browser build and stylesheet, inlined so a report needs no network. */
export function chartLibrary(): { js: string; css: string } {
  return {
    js: fs.readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: fs.readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
}

export function escapeHtml(text: unknown): string {
  return String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** JSON that is safe inside a <script> element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The CSS class (and data-verdict) of a verdict: valid, invalid or unknown. */
export function verdictClass(valid: Validity): 'valid' | 'invalid' | 'unknown' {
  return verdictWord(valid).toLowerCase() as 'valid' | 'invalid' | 'unknown';
}

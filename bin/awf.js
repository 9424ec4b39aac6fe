#!/usr/bin/env node
// Launcher for `npx awf`. In a checkout of awf it registers the TypeScript
// loader and runs bin/awf.ts; in the installed package, which ships no
// TypeScript, it runs the compiled dist/bin/awf.js.
import { existsSync } from 'node:fs';

if (existsSync(new URL('./awf.ts', import.meta.url))) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./awf.ts');
} else {
  await import('../dist/bin/awf.js');
}

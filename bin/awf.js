#!/usr/bin/env node
// Launcher for `npx awf`: registers the TypeScript loader, then runs bin/awf.ts.
import { register } from 'tsx/esm/api';

register();
await import('./awf.ts');

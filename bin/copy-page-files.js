#!/usr/bin/env node
// `npm run build`: the pages' templates and static assets go next to the compiled console module.
import { cpSync } from 'node:fs';

for (const dir of ['views', 'assets']) cpSync(`src/console/${dir}`, `dist/console/${dir}`, { recursive: true });

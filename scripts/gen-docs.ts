import { writeFileSync } from 'node:fs';
import { buildRegistry } from '../src/actions.js';
import { actionsMarkdown, errorsMarkdown } from '../src/docs/generate.js';

const registry = buildRegistry();
writeFileSync('docs/actions.md', actionsMarkdown(registry));
writeFileSync('docs/errors.md', errorsMarkdown());
console.log('wrote docs/actions.md and docs/errors.md');

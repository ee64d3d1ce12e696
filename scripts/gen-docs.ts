import { writeFileSync } from 'node:fs';
import { buildRegistry } from '../src/actions.js';
import { actionsMarkdown, errorsMarkdown } from '../src/docs/generate.js';
import { openApiDocument } from '../src/http/openapi.js';

const registry = buildRegistry();
writeFileSync('docs/actions.md', actionsMarkdown(registry));
writeFileSync('docs/errors.md', errorsMarkdown());
writeFileSync('docs/openapi.json', JSON.stringify(openApiDocument(registry), null, 2) + '\n');
console.log('wrote docs/actions.md, docs/errors.md and docs/openapi.json');

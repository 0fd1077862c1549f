/** Where the shared corpus sits: beside the checkout, as ../shared (absent in some clones). */
import { join } from 'node:path';

export const CORPUS = join(__dirname, '..', '..', '..', 'shared', 'corpus');

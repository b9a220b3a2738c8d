import rehypeHighlight from 'rehype-highlight';
import type { PluggableList } from 'unified';

/** highlight.js through lowlight, its common languages; only fenced blocks that name a language. */
export const highlightPlugins: PluggableList = [[rehypeHighlight, { detect: false }]];

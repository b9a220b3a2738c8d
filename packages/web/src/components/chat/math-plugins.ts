import 'katex/dist/katex.min.css';
import rehypeKatex from 'rehype-katex';
import remarkMath from 'remark-math';
import type { PluggableList } from 'unified';

/**
 * LaTeX for messages: `$…$` inline, `$$…$$` display. KaTeX renders to HTML and MathML itself
 * (no raw HTML from the message); `trust: false` refuses \href, \url and \htmlClass.
 */
export const mathPlugins: { remark: PluggableList; rehype: PluggableList } = {
  remark: [[remarkMath, { singleDollarTextMath: true }]],
  rehype: [
    [rehypeKatex, { trust: false, strict: 'ignore', throwOnError: false, maxSize: 20, maxExpand: 200 }],
  ],
};

import type { Element, ElementContent } from 'hast';
import { ExternalLink, ImageIcon } from 'lucide-react';
import { type ComponentProps, useEffect, useState } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import type { PluggableList } from 'unified';
import { safeLinkUrl } from '../../lib/safe-url';
import { useCitation } from './citations';
import { CodeBlock } from './code-block';
import './markdown.css';

/** True when the text may hold LaTeX: `$…$`, `$$…$$`, `\(…\)` or `\[…\]`. */
export function mayHaveMath(text: string): boolean {
  return /\$[^$\s]|\\\(|\\\[/.test(text);
}

/** True when the text has a fenced code block worth highlighting. */
export function mayHaveCode(text: string): boolean {
  return /(^|\n) {0,3}(```|~~~)/.test(text);
}

type Plugins = { remark: PluggableList; rehype: PluggableList };
let mathPlugins: Plugins | null = null;
let highlightPlugins: PluggableList | null = null;

/** KaTeX (and its CSS and fonts) load the first time a message has math; the bundle keeps them. */
function useMathPlugins(needed: boolean): Plugins | null {
  const [plugins, setPlugins] = useState(mathPlugins);
  useEffect(() => {
    if (!needed || plugins) return;
    let alive = true;
    void import('./math-plugins').then((module) => {
      mathPlugins = module.mathPlugins;
      if (alive) setPlugins(mathPlugins);
    });
    return () => {
      alive = false;
    };
  }, [needed, plugins]);
  return needed ? plugins : null;
}

/** highlight.js (common languages) loads the first time a finished message has a code block. */
function useHighlightPlugins(needed: boolean): PluggableList | null {
  const [plugins, setPlugins] = useState(highlightPlugins);
  useEffect(() => {
    if (!needed || plugins) return;
    let alive = true;
    void import('./highlight-plugins').then((module) => {
      highlightPlugins = module.highlightPlugins;
      if (alive) setPlugins(highlightPlugins);
    });
    return () => {
      alive = false;
    };
  }, [needed, plugins]);
  return needed ? plugins : null;
}

/** Links open in a new tab without access to this one; unsafe ones become plain text. */
function Anchor({ href, children }: ComponentProps<'a'>) {
  // A citation of another answer (a consensus's [An]) where the message may make one.
  const citation = useCitation(href);
  if (citation) return citation;
  const url = safeLinkUrl(href);
  if (!url) return <span className="md-unsafe-link">{children}</span>;
  if (url.startsWith('#')) return <span>{children}</span>;
  return (
    <a href={url} target="_blank" rel="noopener noreferrer" className="link underline">
      {children}
      <span className="sr-only"> (opens in a new tab)</span>
    </a>
  );
}

/**
 * Pictures are never loaded from a message (no requests to places a model names): they show as
 * a link to the picture, when its address is safe.
 */
function Picture({ src, alt }: ComponentProps<'img'>) {
  const url = typeof src === 'string' ? safeLinkUrl(src) : null;
  const label = alt?.trim() || 'picture';
  const content = (
    <>
      <ImageIcon className="size-3.5 shrink-0" aria-hidden="true" />
      <span>{label}</span>
    </>
  );
  return url && !url.startsWith('#') ? (
    <a
      href={url}
      target="_blank"
      rel="noopener noreferrer"
      className="md-picture link"
      title="Pictures in messages are not loaded; open it in a new tab"
    >
      {content}
      <ExternalLink className="size-3" aria-hidden="true" />
    </a>
  ) : (
    <span className="md-picture">{content}</span>
  );
}

function textOf(node: ElementContent | Element): string {
  if (node.type === 'text') return node.value;
  if (node.type === 'element') return node.children.map(textOf).join('');
  return '';
}

function Pre({ node, children }: ComponentProps<'pre'> & { node?: Element }) {
  const code = node?.children.find(
    (child): child is Element => child.type === 'element' && child.tagName === 'code',
  );
  const classes = (code?.properties.className as string[] | undefined) ?? [];
  const language = classes.find((c) => c.startsWith('language-'))?.slice('language-'.length) ?? null;
  return (
    <CodeBlock code={code ? textOf(code).replace(/\n$/, '') : ''} language={language}>
      {children}
    </CodeBlock>
  );
}

const components: Components = {
  a: Anchor,
  img: Picture,
  pre: Pre,
  table: ({ children }) => (
    <div className="md-table-wrap">
      <table>{children}</table>
    </div>
  ),
};

/** Only web and mail links survive into the rendered tree; the rest are emptied. */
function urlTransform(url: string): string {
  return safeLinkUrl(url) ?? '';
}

/**
 * A message's Markdown, rendered safely: raw HTML shows as text (no rehype-raw), links only to
 * http(s)/mailto, pictures never loaded. GFM tables, task lists and strikethrough; LaTeX and
 * highlighting load on first need. While `streaming`, code is not highlighted (it would be
 * re-highlighted on every token).
 */
export default function MarkdownRenderer({ text, streaming }: { text: string; streaming: boolean }) {
  const math = useMathPlugins(mayHaveMath(text));
  const highlight = useHighlightPlugins(!streaming && mayHaveCode(text));
  return (
    <div className="md">
      <ReactMarkdown
        remarkPlugins={[remarkGfm, ...(math?.remark ?? [])]}
        rehypePlugins={[...(math?.rehype ?? []), ...(highlight ?? [])]}
        components={components}
        urlTransform={urlTransform}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
}

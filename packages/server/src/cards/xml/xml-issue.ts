/** A place in the source text: both 1-based; columns count UTF-16 code units, as editors do. */
export interface XmlPosition {
  line: number;
  column: number;
}

/**
 * Refusals happen before (or instead of) reading the document; the other codes describe a
 * document that was read but is not a valid Lumina avatar.
 */
export const XML_REFUSAL_CODES = ['xml_too_large', 'xml_dtd_forbidden', 'xml_too_deep'] as const;

export type XmlIssueCode =
  | (typeof XML_REFUSAL_CODES)[number]
  | 'xml_malformed'
  | 'xml_wrong_root'
  | 'xml_unknown_element'
  | 'xml_unknown_attribute'
  | 'xml_missing'
  | 'xml_duplicate'
  | 'xml_unexpected_content'
  | 'xml_invalid_value';

/** One problem with a document, pointing at the offending node. */
export interface XmlIssue extends XmlPosition {
  code: XmlIssueCode;
  message: string;
}

export const isRefusal = (issue: XmlIssue) => (XML_REFUSAL_CODES as readonly string[]).includes(issue.code);

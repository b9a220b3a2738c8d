/**
 * A small valid PDF with the given lines of text on each page, written by hand from the PDF
 * specification (as attachments/fixtures/make-fixtures.mjs does): Helvetica, a standard font,
 * so nothing is embedded; the cross-reference table is computed. Tests make documents of the
 * size and content they need at run time instead of keeping more binary fixtures.
 *
 * @example textPdf([['Page one.'], ['Page two.']]) // a two-page PDF
 */
export function textPdf(pages: readonly (readonly string[])[]): Buffer {
  const pageIds = pages.map((_, i) => 3 + i * 2);
  const fontId = 3 + pages.length * 2;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`,
  ];
  for (const [i, lines] of pages.entries()) {
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 ${fontId} 0 R >> >> /Contents ${pageIds[i]! + 1} 0 R >>`,
    );
    const text = `BT /F1 10 Tf 36 756 Td 12 TL ${lines.map((line) => `(${pdfString(line)}) Tj T*`).join(' ')} ET`;
    objects.push(`<< /Length ${Buffer.byteLength(text, 'latin1')} >>\nstream\n${text}\nendstream`);
  }
  objects.push('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');

  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  for (const [i, body] of objects.entries()) {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  }
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** A PDF literal string's special characters escaped; only Latin-1 text is expected. */
const pdfString = (line: string) => line.replace(/[\\()]/g, (c) => `\\${c}`);

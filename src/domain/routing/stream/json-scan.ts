/**
 * Measures string values of a named JSON field without parsing the document: streamed chunks are forwarded as
 * received, and this is what lets the relay still estimate completion tokens when no usage arrives.
 * Escapes count as one character (`\n`, `\u00e9`), matching the decoded length closely enough for an estimate.
 */
export function measureStringField(json: string, field: string): number {
  const needle = `"${field}":`;
  let total = 0;
  let from = json.indexOf(needle);
  while (from !== -1) {
    let i = from + needle.length;
    while (json.charCodeAt(i) === 0x20) i++;
    if (json.charCodeAt(i) === 0x22) {
      i++;
      while (i < json.length) {
        const code = json.charCodeAt(i);
        if (code === 0x22) break;
        if (code === 0x5c) i += json.charCodeAt(i + 1) === 0x75 ? 6 : 2;
        else i++;
        total++;
      }
    }
    from = json.indexOf(needle, i);
  }
  return total;
}

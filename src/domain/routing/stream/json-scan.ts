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

/**
 * Hands each string value of a named JSON field, decoded, to `keep`, without parsing the document (the streamed
 * text of a caller opted in to prompt logging; see `StreamText`). Values that do not decode are skipped.
 */
export function keepStringField(json: string, field: string, keep: (text: string) => void): void {
  const needle = `"${field}":`;
  let from = json.indexOf(needle);
  while (from !== -1) {
    let start = from + needle.length;
    while (json.charCodeAt(start) === 0x20) start++;
    let resume = start;
    if (json.charCodeAt(start) === 0x22) {
      let end = start + 1;
      while (end < json.length && json.charCodeAt(end) !== 0x22) end += json.charCodeAt(end) === 0x5c ? 2 : 1;
      try {
        keep(JSON.parse(json.slice(start, end + 1)) as string);
      } catch {
        // A value cut off or malformed: the relay's own checks judge the stream; the span just goes without it.
      }
      resume = end + 1;
    }
    from = json.indexOf(needle, resume);
  }
}

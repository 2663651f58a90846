/** The name a server gives a download (`Content-Disposition`): `filename*` (RFC 6266, UTF-8)
 * when there is one, else `filename`, else `fallback`. DOM-free (tested with node --test). */

export function fileName(header, fallback) {
  const text = typeof header === 'string' ? header : '';
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(text);
  if (star) {
    try { return clean(decodeURIComponent(star[1].trim()), fallback); } catch { /* the plain one */ }
  }
  const plain = /filename\s*=\s*(?:"([^"]*)"|([^;]+))/i.exec(text);
  return clean(plain ? (plain[1] ?? plain[2]).trim() : '', fallback);
}

/** A name without a folder in it (a server's name is a name, never a path). */
function clean(name, fallback) {
  const base = name.split(/[/\\]/).pop();
  return base && base !== '.' && base !== '..' ? base : fallback;
}

/** Escapes text for HTML element content and double-quoted attributes (the templates' escape function). */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Building DOM nodes without a framework: h('button', {type: 'button', onclick}, 'Label').
// Attributes named on* with a function become listeners; `class` and form `value` become
// properties; `true` is an empty attribute; null, undefined and false are left out.

export type Child = Node | string | number | null | undefined | false | readonly Child[];
export type Attrs = Record<string, unknown> | null | undefined;

export function append(parent: Node & ParentNode, child: Child): void {
  if (child === undefined || child === null || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child as readonly Child[]) append(parent, c);
    return;
  }
  parent.append(child instanceof Node ? child : String(child));
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value as EventListener);
    else if (key === 'class') el.className = String(value);
    else if (
      key === 'value' &&
      (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement)
    )
      el.value = String(value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  for (const child of children) append(el, child);
  return el;
}

let uidCounter = 0;
/** An id unique in this page, for label/for and aria references. */
export function uid(prefix = 'cx'): string {
  uidCounter += 1;
  return `${prefix}-${uidCounter}`;
}

/** The value of the form control an event came from. */
export function valueOf(event: Event): string {
  const target = event.target as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement | null;
  return target ? target.value : '';
}

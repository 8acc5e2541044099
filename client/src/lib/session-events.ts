// "The app session was replaced" (a second-factor check issues a new session, decision 100), told
// to whoever holds state tied to the old one. The embedded components' Account Session is such
// state (component keys are made only for Account Sessions the current app session opened,
// decision 062): the connect feature subscribes and ends it. An event, not an import, so the
// step-up check (a shared component) does not reach into the connect feature.
type Listener = () => void;
const listeners = new Set<Listener>();

export function onSessionReplaced(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function sessionReplaced(): void {
  for (const listener of listeners) listener();
}

// The base of both components: setConnector, the load-error and loader-start listeners (replayed
// to a listener set late: the loader forwards setters asynchronously), loading and error states.
import { applyAppearance } from '../shared/appearance.ts';
import { h } from '../shared/dom.ts';
import type { CardView } from './card-view.ts';
import type { Connector, ConnectedElement } from './connector.ts';
import { ConnectError, errorMessage } from './errors.ts';
import { STYLES } from './styles.ts';
import type { ComponentFeatures, ComponentName, FetchEphemeralKey, LoadErrorEvent, LoaderStartEvent } from './types.ts';

type Listener<E> = (event: E) => void;

/** An integrator's listener that throws must not break the component; report it asynchronously. */
function callListener<E>(listener: Listener<E>, event: E): void {
  try {
    listener(event);
  } catch (error) {
    setTimeout(() => {
      throw error;
    }, 0);
  }
}

export abstract class ConnectElement extends HTMLElement implements ConnectedElement {
  abstract readonly componentName: ComponentName;
  readonly shadow: ShadowRoot;
  readonly rootEl: HTMLDivElement;
  connector: Connector | null = null;
  fetchEphemeralKey: FetchEphemeralKey | null = null;
  showSpendControls = false;
  cardView: CardView | null = null;
  protected loadGeneration = 0;
  private started = false;
  private onLoadErrorListener: Listener<LoadErrorEvent> | null = null;
  private onLoaderStartListener: Listener<LoaderStartEvent> | null = null;
  private loaderStartEvent: LoaderStartEvent | null = null;
  private loadErrorEvent: LoadErrorEvent | null = null;

  constructor() {
    super();
    this.shadow = this.attachShadow({ mode: 'open' });
    this.rootEl = h('div', { class: 'root', part: 'root' });
    this.shadow.append(h('style', null, STYLES), this.rootEl);
  }

  protected abstract start(): Promise<void>;

  setConnector(connector: Connector): void {
    if (this.connector === connector) return;
    this.connector?.unregister(this);
    this.connector = connector;
    connector.register(this);
    applyAppearance(this.rootEl, connector.appearance);
    this.scheduleStart();
  }

  connectedCallback(): void {
    this.scheduleStart();
  }

  disconnectedCallback(): void {
    // kept registered: React may re-attach the same element
  }

  setOnLoadErrorInternalOnly(listener: unknown): void {
    this.onLoadErrorListener = typeof listener === 'function' ? (listener as Listener<LoadErrorEvent>) : null;
    if (this.onLoadErrorListener && this.loadErrorEvent) callListener(this.onLoadErrorListener, this.loadErrorEvent);
  }

  setOnLoaderStartInternalOnly(listener: unknown): void {
    this.onLoaderStartListener = typeof listener === 'function' ? (listener as Listener<LoaderStartEvent>) : null;
    if (this.onLoaderStartListener && this.loaderStartEvent)
      callListener(this.onLoaderStartListener, this.loaderStartEvent);
  }

  // @stripe/react-connect-js calls every setter again on each render of its React component
  // (useUpdateWithSetter's effect depends on an inline function): a value that did not change
  // changes nothing, or a page's re-render would reset the card view (a spend-controls draft being
  // typed, the "Spend controls saved." message).

  setFetchEphemeralKeyInternalOnly(fn: unknown): void {
    const next = typeof fn === 'function' ? (fn as FetchEphemeralKey) : null;
    if (next === this.fetchEphemeralKey) return;
    this.fetchEphemeralKey = next;
    // A card already shown gets its key now (or loses its button).
    this.cardView?.numbers.refresh();
  }

  setShowSpendControlsInternalOnly(value: unknown): void {
    const next = !!value;
    if (next === this.showSpendControls) return;
    this.showSpendControls = next;
    this.cardView?.setShowSpendControls();
  }

  private scheduleStart(): void {
    if (this.started || !this.connector || !this.isConnected) return;
    this.started = true;
    // Start after the setters the loader forwards in the same turn (onLoaderStart, defaultCard…).
    setTimeout(() => void this.start(), 0);
  }

  private emitLoaderStart(): void {
    this.loaderStartEvent = { elementTagName: this.localName };
    if (this.onLoaderStartListener) callListener(this.onLoaderStartListener, this.loaderStartEvent);
  }

  private emitLoadError(error: unknown): void {
    const type = error instanceof ConnectError ? error.type : 'render_error';
    const message = errorMessage(error, 'The component could not be loaded.');
    this.loadErrorEvent = { error: { type, message }, elementTagName: this.localName };
    if (this.onLoadErrorListener) callListener(this.onLoadErrorListener, this.loadErrorEvent);
  }

  /** Session features for this component, or a ConnectError if the session doesn't enable it. */
  protected async componentFeatures(): Promise<ComponentFeatures> {
    const session = await this.requireConnector().session();
    const component = session.components?.[this.componentName];
    if (!component?.enabled) {
      throw new ConnectError(
        'invalid_request_error',
        `This Account Session does not enable the ${this.componentName} component.`,
      );
    }
    return component.features ?? {};
  }

  protected requireConnector(): Connector {
    if (!this.connector)
      throw new ConnectError('invalid_request_error', 'The component is not connected to a Connect instance.');
    return this.connector;
  }

  showState(kind: 'loading' | 'error' | 'ended', text: string, retry?: () => void): void {
    const attrs = kind === 'error' ? { class: 'state alert', role: 'alert' } : { class: 'state', role: 'status' };
    this.rootEl.replaceChildren(
      h('div', attrs, h('p', null, text), retry ? h('button', { type: 'button', onclick: retry }, 'Try again') : null),
    );
  }

  /**
   * Runs a (re)load with loading and error states. A newer load (e.g. defaultCard changed while
   * loading) supersedes an older one: `isCurrent()` tells the loader to stop.
   */
  protected async loadWithStates(load: (isCurrent: () => boolean) => Promise<void>): Promise<void> {
    const generation = ++this.loadGeneration;
    const isCurrent = () => generation === this.loadGeneration;
    this.emitLoaderStart();
    this.showState('loading', 'Loading…');
    try {
      await load(isCurrent);
    } catch (error) {
      if (!isCurrent()) return;
      this.emitLoadError(error);
      this.showState('error', errorMessage(error, 'Something went wrong.'), () => {
        this.loadErrorEvent = null;
        void this.start();
      });
    }
  }

  protected dropCardView(): void {
    this.cardView?.destroy();
    this.cardView = null;
  }

  onConnectorUpdate(): void {
    if (this.connector) applyAppearance(this.rootEl, this.connector.appearance);
    this.cardView?.onAppearanceChange();
    this.rerender();
  }

  onLogout(): void {
    this.loadGeneration += 1; // drop loads in flight
    this.dropCardView();
    this.showState('ended', 'This session has ended.');
  }

  protected abstract rerender(): void;
}

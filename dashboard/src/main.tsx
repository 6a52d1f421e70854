/** The operators' dashboard: hash routes (#/orders, #/orders/{id}, #/exceptions, #/suppliers, #/returns, #/dead-letters) over the ops API. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { loadConfig } from './api';
import { DeadLettersPage } from './pages/dead-letters';
import { ExceptionsPage } from './pages/exceptions';
import { OrderPage } from './pages/order';
import { OrdersPage } from './pages/orders';
import { ReturnsPage } from './pages/returns';
import { SuppliersPage } from './pages/suppliers';
import type { DashboardConfig } from './schemas';

export type Route = { page: 'orders' } | { page: 'order'; orderId: string } | { page: 'exceptions' } | { page: 'suppliers' } | { page: 'returns' } | { page: 'dead-letters' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'orders' && parts[1] !== undefined) return { page: 'order', orderId: parts[1] };
  if (parts[0] === 'exceptions' || parts[0] === 'suppliers' || parts[0] === 'returns' || parts[0] === 'dead-letters') return { page: parts[0] };
  return { page: 'orders' };
}

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

function App(props: { config: DashboardConfig }) {
  const route = useRoute();
  const tab = (page: Route['page'], label: string) => (
    <a href={`#/${page}`} class={route.page === page || (page === 'orders' && route.page === 'order') ? 'active' : ''}>{label}</a>
  );
  return (
    <>
      <header>
        <strong>Dropship ops</strong>
        <nav>
          {tab('orders', 'Orders')}
          {tab('exceptions', 'Exceptions')}
          {tab('suppliers', 'Suppliers')}
          {tab('returns', 'Returns')}
          {tab('dead-letters', 'Dead letters')}
        </nav>
        <span class="muted small identity">{props.config.identity ?? ''}</span>
      </header>
      <main>
        {route.page === 'order' ? <OrderPage key={route.orderId} orderId={route.orderId} /> : null}
        {route.page === 'orders' ? <OrdersPage /> : null}
        {route.page === 'exceptions' ? <ExceptionsPage /> : null}
        {route.page === 'suppliers' ? <SuppliersPage /> : null}
        {route.page === 'returns' ? <ReturnsPage /> : null}
        {route.page === 'dead-letters' ? <DeadLettersPage /> : null}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root !== null) {
  const mount = (node: preact.ComponentChild) => {
    root.textContent = ''; // the static "loading…" placeholder
    render(node, root);
  };
  loadConfig().then(
    (config) => mount(<App config={config} />),
    (error: unknown) => mount(<p class="error">Cannot load config.json: {error instanceof Error ? error.message : String(error)}</p>),
  );
}
